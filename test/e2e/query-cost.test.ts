/**
 * The opt-in per-query cost header (lib/api/cost-header.ts) through the composed server over TCP: `strata-debug:
 * cost` on a query gets `x-strata-cost` describing that query (the segments it searched, its invocations, the
 * workers' reads, the coordinator's stages); without the header nothing changes, and non-query routes never send it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostReport } from '../../lib/api/cost-header.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cost-e2e-'));
  const config = loadConfig(
    {
      STRATA_DATA_DIR: dir,
      STRATA_WORKERS: '2',
      STRATA_LOG_LEVEL: 'silent',
      STRATA_OPTIMIZE_IDLE_MS: '0',
      STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
    },
    {},
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'direct' });
  strata = await startStrata(coordinator.service, { operations: coordinator.operations });
  await strata.client.createCollection('c', {
    vectors: { size: 8, distance: 'Cosine', on_disk: true },
    optimizers_config: { default_segment_number: 2 },
  });
  const points = Array.from({ length: 400 }, (_, i) => ({
    id: i + 1,
    vector: Array.from({ length: 8 }, (_, d) => Math.sin(i * 0.37 + d * 1.3)),
    payload: { i },
  }));
  await strata.client.upsert('c', { wait: true, points });
  coordinator.trigger.request('c');
  await coordinator.trigger.flush();
  // two unsealed points the coordinator searches itself
  await strata.client.upsert('c', { wait: true, points: points.slice(0, 2).map((p) => ({ ...p, id: p.id + 1000 })) });
});

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function query(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const r = await fetch(`${strata.url}/collections/c/points/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
  return r;
}

describe('x-strata-cost', () => {
  it('describes the query that asked for it: segments, invocations, reads, stages', async () => {
    const info = await strata.client.getCollection('c');
    expect(info.segments_count).toBe(2);
    const r = await query(
      { query: [1, 0, 0, 0, 0, 0, 0, 0], limit: 5, with_payload: true, params: { quantization: { rescore: true } } },
      { 'strata-debug': 'cost' },
    );
    const cost = JSON.parse(r.headers.get('x-strata-cost') ?? 'null') as CostReport;
    expect(cost.segments).toBe(2);
    expect(cost.invocations).toBeGreaterThanOrEqual(1);
    expect(cost.invocations).toBeLessThanOrEqual(2);
    expect(cost.tailPoints).toBe(2);
    expect(cost.distances).toBeGreaterThan(0);
    // originals on disk: rescoring reads their pages
    expect(cost.gets).toBeGreaterThan(0);
    expect(cost.bytes).toBeGreaterThan(0);
    expect(cost.rounds).toBeGreaterThan(0);
    // the final page's payloads are the coordinator's reads
    expect(cost.coordinator.gets).toBeGreaterThan(0);
    expect(cost.coordinator.bytes).toBeGreaterThan(0);
    expect(cost.stageMs.fanOut).toBeGreaterThan(0);
    expect(cost.totalMs).toBeGreaterThanOrEqual(cost.stageMs.fanOut);
    const { result } = (await r.json()) as { result: { points: unknown[] } };
    expect(result.points).toHaveLength(5);
  });

  it('a batch is charged as a whole; prefetch queries (the universal path) report too', async () => {
    const r = await fetch(`${strata.url}/collections/c/points/query/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'strata-debug': 'cost' },
      body: JSON.stringify({
        searches: [
          { query: [1, 0, 0, 0, 0, 0, 0, 0], limit: 3 },
          { query: [0, 1, 0, 0, 0, 0, 0, 0], limit: 3 },
        ],
      }),
    });
    const batch = JSON.parse(r.headers.get('x-strata-cost') ?? 'null') as CostReport;
    expect(batch.segments).toBe(4);
    const fused = await query(
      {
        prefetch: [{ query: [1, 0, 0, 0, 0, 0, 0, 0] }, { query: [0, 0, 1, 0, 0, 0, 0, 0] }],
        query: { fusion: 'rrf' },
        limit: 3,
      },
      { 'strata-debug': 'cost' },
    );
    const cost = JSON.parse(fused.headers.get('x-strata-cost') ?? 'null') as CostReport;
    expect(cost.segments).toBeGreaterThanOrEqual(2);
    expect(cost.invocations).toBeGreaterThanOrEqual(1);
  });

  it('is absent unless asked, and never sent by a route that runs no query', async () => {
    const plain = await query({ query: [1, 0, 0, 0, 0, 0, 0, 0], limit: 3 });
    expect(plain.headers.get('x-strata-cost')).toBeNull();
    const other = await query({ query: [1, 0, 0, 0, 0, 0, 0, 0], limit: 3 }, { 'strata-debug': 'verbose' });
    expect(other.headers.get('x-strata-cost')).toBeNull();
    const info = await fetch(`${strata.url}/collections/c`, { headers: { 'strata-debug': 'cost' } });
    expect(info.status).toBe(200);
    expect(info.headers.get('x-strata-cost')).toBeNull();
  });
});
