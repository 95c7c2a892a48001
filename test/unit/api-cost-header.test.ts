/**
 * The opt-in per-query cost (lib/api/cost-header.ts) through the served app: `strata-debug: cost` gets an
 * `x-strata-cost` JSON header whose counts match what the store saw; without the request header there is none, and
 * the answer's body is the same either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import type { CostReport } from '../../lib/api/cost-header.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { type Coordinator, createCoordinator } from '../../lib/runtime/coordinator.js';
import { diffCounts } from '../../lib/storage/io-stats.js';

const DIM = 8;
let dir: string;
let coordinator: Coordinator;
let app: ReturnType<typeof createApp>;

const vec = (seed: number) => Array.from({ length: DIM }, (_, i) => Math.sin(seed * 7.3 + i));

async function query(headers: Record<string, string>): Promise<{ body: string; cost: string | null }> {
  const res = await app.request('/collections/c/points/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: vec(3), limit: 5, with_payload: true }),
  });
  expect(res.status).toBe(200);
  const body = JSON.parse(await res.text()) as { result: unknown };
  return { body: JSON.stringify(body.result), cost: res.headers.get('x-strata-cost') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cost-'));
  const config = loadConfig({ STRATA_DATA_DIR: dir, STRATA_OPTIMIZE_AFTER_POINTS: '1000000' });
  coordinator = await createCoordinator(config, { logger: pino({ level: 'silent' }), fallback: 'direct' });
  await coordinator.resumed;
  app = createApp({ service: coordinator.service });
  await app.request('/collections/c', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      vectors: { size: DIM, distance: 'Cosine' },
      optimizers_config: { default_segment_number: 2 },
    }),
  });
  const points = Array.from({ length: 64 }, (_, i) => ({ id: i, vector: vec(i), payload: { i } }));
  await app.request('/collections/c/points?wait=true', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ points }),
  });
  await coordinator.optimizer.optimizeUntil('c');
});

afterAll(async () => {
  await coordinator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('x-strata-cost', () => {
  it('reports a cold query (segments opened), then a warm one, with the store counts it caused', async () => {
    const before = coordinator.store.stats.snapshot();
    const cold = await query({ 'strata-debug': 'cost' });
    const seen = diffCounts(coordinator.store.stats.snapshot(), before);
    const c = JSON.parse(cold.cost!) as CostReport;
    expect(c.segments).toBe(2);
    expect(c.invocations).toBeGreaterThanOrEqual(1);
    expect(c.cold).toBe(2);
    // the coordinator's store saw exactly the coordinator's part (the workers have their own store)
    expect(c.coordinator.gets).toBe(seen.gets + seen.rangedGets + seen.conditionalGets);
    expect(c.coordinator.lists).toBe(seen.lists);
    expect(c.coordinator.bytes).toBe(seen.bytesIn);
    // top-level gets, bytes and rounds are the workers'; `total` adds the coordinator's
    expect(c.gets).toBeGreaterThan(0);
    expect(c.total.gets).toBe(c.gets + c.coordinator.gets + c.coordinator.lists + seen.heads);
    expect(c.total.bytes).toBe(c.coordinator.bytes + c.bytes);
    expect(c.total.rounds).toBe(c.coordinator.rounds + c.rounds);
    expect(c.total.rounds).toBeGreaterThanOrEqual(3);
    expect(c.roundsBeforeFirstDistance).toBeGreaterThanOrEqual(1);
    expect(Object.keys(c.stageMs).sort()).toEqual(['fanOut', 'fetch', 'snapshot', 'tail', 'workerMs']);

    const warm = JSON.parse((await query({ 'strata-debug': 'cost' })).cost!) as CostReport;
    expect(warm.cold).toBe(0);
    expect(warm.gets).toBe(0);
    expect(warm.total.gets).toBeLessThan(c.total.gets);
  });

  it('is absent unless asked for, and never changes the answer', async () => {
    const plain = await query({});
    const traced = await query({ 'strata-debug': 'cost' });
    expect(plain.cost).toBeNull();
    expect(traced.cost).not.toBeNull();
    expect(traced.body).toBe(plain.body);
  });
});
