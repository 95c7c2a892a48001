/**
 * A seal must not freeze the local server (issue 14, DESIGN.md §4.7): while the optimizer builds the graph of a
 * 20k-point collection, `/healthz` and queries on ANOTHER collection keep answering. The server is `npm start`'s
 * composition (createCoordinator with worker threads) over TCP. Asserted with counts of answered requests within the
 * seal's window and a generous per-request bound (1 s), not tight timings: on the old code every request during the
 * seal waited for the whole graph build (seconds), so the bound failed while the count stayed near zero.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startServer, type RunningServer } from '../../lib/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';

const N = 20_000;
const DIM = 16;
let dir: string;
let coordinator: Coordinator;
let server: RunningServer;

/** Seeded vectors (mulberry32), so the build's work is the same every run. */
function vectors(n: number, dim: number, seed: number): number[][] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => Array.from({ length: dim }, next));
}

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-seal-'));
  // sealing only when asked: no point threshold or idle timer races the test
  const config = loadConfig(
    {
      STRATA_DATA_DIR: dir,
      STRATA_WORKERS: '1',
      STRATA_LOG_LEVEL: 'silent',
      STRATA_OPTIMIZE_IDLE_MS: '0',
      STRATA_OPTIMIZE_AFTER_POINTS: String(10 * N),
    },
    { port: 0 },
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'threads' });
  server = await startServer({ app: createApp({ service: coordinator.service }), port: 0 });
  const { service } = coordinator;
  const base = {
    vectors: { size: DIM, distance: 'Cosine' as const, on_disk: false },
    hnsw_config: { m: 16, ef_construct: 64, full_scan_threshold: 10, on_disk: false },
    quantization_config: null,
    optimizers_config: { default_segment_number: 1, indexing_threshold: 1 },
  };
  await service.createCollection('big', base as never);
  await service.createCollection('other', base as never);
  const data = vectors(N, DIM, 7);
  for (let at = 0; at < N; at += 5_000) {
    await service.upsertPoints(
      'big',
      data.slice(at, at + 5_000).map((vector, i) => ({ id: at + i, vector, payload: null })),
      true,
    );
  }
  await service.upsertPoints(
    'other',
    vectors(50, DIM, 11).map((vector, id) => ({ id, vector, payload: null })),
    true,
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a seal runs off the request thread', () => {
  it('keeps /healthz and queries on another collection answering while a 20k-point graph is built', async () => {
    const started = performance.now();
    coordinator.trigger.request('big');
    let sealing = true;
    const sealed = coordinator.trigger.flush().finally(() => {
      sealing = false;
    });
    const health: number[] = [];
    const queries: number[] = [];
    const query = { query: vectors(1, DIM, 99)[0], limit: 5 };
    while (sealing) {
      const [h, q] = await Promise.all([
        timed(`${server.url}/healthz`),
        timed(`${server.url}/collections/other/points/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(query),
        }),
      ]);
      expect(h.status).toBe(200);
      expect(q.status).toBe(200);
      if (sealing) {
        health.push(h.ms);
        queries.push(q.ms);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await sealed;
    const sealMs = performance.now() - started;
    const info = await coordinator.service.getCollection('big');
    expect(info.segments_count).toBeGreaterThan(0);
    expect(info.points_count).toBe(N);
    // the seal must be long enough to mean something, and requests must have kept flowing through all of it
    expect(sealMs).toBeGreaterThan(1_500);
    expect(health.length).toBeGreaterThan(sealMs / 1_000);
    expect(Math.max(...health)).toBeLessThan(1_000);
    expect(Math.max(...queries)).toBeLessThan(1_000);
  }, 180_000);
});
