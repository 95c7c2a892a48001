/**
 * Store requests of the SERVED app: the composition `npm start` and the api function build (createCoordinator),
 * driven through the one HTTP app, over a warm collection. The raw service's counts are pinned in
 * test/unit/collection/fan-out.test.ts; these pin that nothing between the app and the service adds to them (a
 * hand-written wrapper once hid the service's cheap config check and its batch snapshot, so an upsert cost 5
 * requests and a batch of 3 queries 8 when served).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../lib/api/index.js';
import { loadConfig } from '../../../lib/runtime/config.js';
import { type Coordinator, createCoordinator } from '../../../lib/runtime/coordinator.js';
import { type IoCounts, diffCounts } from '../../../lib/storage/io-stats.js';
import { send } from '../../support/api-request.js';

const DIM = 8;
let dir: string;
let coordinator: Coordinator;
let app: ReturnType<typeof createApp>;

function vec(seed: number): number[] {
  return Array.from({ length: DIM }, (_, i) => Math.sin(seed * 7.3 + i));
}

function requests(c: IoCounts): number {
  return c.gets + c.rangedGets + c.conditionalGets + c.heads + c.puts + c.lists + c.deletes;
}

async function counted(call: () => Promise<{ status: number; text: string }>): Promise<IoCounts> {
  const before = coordinator.store.stats.snapshot();
  const reply = await call();
  expect(reply.status, reply.text).toBe(200);
  return diffCounts(coordinator.store.stats.snapshot(), before);
}

const batch = () => ({
  searches: [1, 2, 3].map((s) => ({ query: vec(s), limit: 3, with_payload: false })),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-served-'));
  // the optimizer runs only when this test asks (threshold out of reach; close() clears the idle timer)
  const config = loadConfig({ STRATA_DATA_DIR: dir, STRATA_OPTIMIZE_AFTER_POINTS: '1000000' });
  coordinator = await createCoordinator(config, { logger: pino({ level: 'silent' }), fallback: 'direct' });
  await coordinator.resumed;
  app = createApp({ service: coordinator.service });
  const created = await send(app, 'PUT', '/collections/c', {
    vectors: { size: DIM, distance: 'Cosine' },
    optimizers_config: { default_segment_number: 2 },
  });
  expect(created.status, created.text).toBe(200);
  const points = Array.from({ length: 64 }, (_, i) => ({ id: i, vector: vec(i), payload: { i } }));
  expect((await send(app, 'PUT', '/collections/c/points?wait=true', { points })).status).toBe(200);
  await coordinator.optimizer.optimizeUntil('c');
  // warm: the manifest, the segments in the workers, the WAL fold
  await send(app, 'POST', '/collections/c/points/query/batch', batch());
});

afterAll(async () => {
  await coordinator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('served store requests, warm collection', () => {
  it('an upsert costs 2: one manifest revalidation and the WAL object', async () => {
    const c = await counted(() =>
      send(app, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 1000, vector: vec(1000) }] }),
    );
    expect(c.conditionalGets).toBe(1);
    expect(c.puts).toBe(1);
    expect(requests(c)).toBe(2);
  });

  it('a batch of 3 queries takes one snapshot: one manifest revalidation, one WAL listing', async () => {
    // the upsert above changed the WAL listing: one query folds it in, then the tail is warm again
    await send(app, 'POST', '/collections/c/points/query', { query: vec(9), with_payload: false });
    const c = await counted(() => send(app, 'POST', '/collections/c/points/query/batch', batch()));
    expect(c.conditionalGets).toBe(1);
    expect(c.lists).toBe(1);
    // the searches read nothing at the coordinator: segments answer from worker memory, payloads are not asked for
    expect(requests(c)).toBe(2);
  });

  it("a config change through the served app asks its optimizer for a run (the service's onConfigChange)", async () => {
    expect((await coordinator.service.getCollection('c')).status).toBe('yellow'); // the upsert above is unsealed
    const patched = await send(app, 'PATCH', '/collections/c', { optimizers_config: { indexing_threshold: 20_000 } });
    expect(patched.status, patched.text).toBe(200);
    await coordinator.trigger.flush();
    expect((await coordinator.service.getCollection('c')).status).toBe('green');
  });
});
