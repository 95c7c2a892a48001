/**
 * The local runtime as `npm start` builds it (createCoordinator, fallback 'threads') over a folder: the REAL worker
 * script (lib/runtime/pool-worker.ts, loaded under tsx) opens segments on K threads, each thread keeps what it
 * opened, and the optimizer runs in-process after writes pass the threshold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyQueryStats } from '../../../lib/collection/query.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { loadConfig } from '../../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../../lib/runtime/coordinator.js';
import { createLogger } from '../../../lib/runtime/logger.js';

const DIM = 8;
const N = 400;
const config: CollectionConfig = {
  vectors: { size: DIM, distance: 'Euclid', on_disk: false },
  hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
  quantization_config: null,
  optimizers_config: { default_segment_number: 6, indexing_threshold: 20_000 },
};
const vectors = Array.from({ length: N }, (_, i) => Array.from({ length: DIM }, (_, j) => Math.sin(i * 7.1 + j * 1.3)));

function request(vector: number[], limit = 5): QueryRequest {
  return { vector, limit, offset: 0, params: { exact: true }, with_payload: false, with_vector: false };
}

describe('local runtime on worker threads', () => {
  let dir: string;
  let rt: Coordinator;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-local-'));
    const cfg = loadConfig({
      STRATA_DATA_DIR: dir,
      STRATA_WORKERS: '2',
      STRATA_OPTIMIZE_AFTER_POINTS: String(N),
      STRATA_LOG_LEVEL: 'silent',
    });
    rt = await createCoordinator(cfg, { logger: createLogger(cfg, 'test'), fallback: 'threads' });
  });
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals the WAL in-process once the writes pass the threshold', async () => {
    await rt.service.createCollection('c', config);
    await rt.service.upsertPoints(
      'c',
      vectors.slice(0, N / 2).map((vector, i) => ({ id: i, vector })),
      true,
    );
    await rt.trigger.flush();
    expect((await rt.service.getCollection('c')).segments_count).toBe(0);
    await rt.service.upsertPoints(
      'c',
      vectors.slice(N / 2).map((vector, i) => ({ id: i + N / 2, vector })),
      true,
    );
    await rt.trigger.flush();
    expect((await rt.service.getCollection('c')).segments_count).toBe(6);
  });

  it('answers from segments searched on the threads, cold once, then warm on the same thread', async () => {
    const first = emptyQueryStats();
    const second = emptyQueryStats();
    const q = vectors[17];
    const a = await rt.collections.query('c', request(q), { stats: first });
    const b = await rt.collections.query('c', request(q), { stats: second });
    expect(a[0].id).toBe(17);
    expect(b.map((p) => p.id)).toEqual(a.map((p) => p.id));
    expect(first.segments).toBe(6);
    expect(first.tailPoints).toBe(0);
    expect(first.cold).toBe(6);
    // routing sent every segment to the thread that opened it: nothing is opened twice
    expect(second.cold).toBe(0);
    expect(second.gets).toBe(0);
  });

  it('excludes the tail-shadowed sealed copies on the threads, from a shared list that follows every write', async () => {
    // one segment, so a thread holding a stale list would answer the moved points' old copies and nothing else
    await rt.service.createCollection('one', {
      ...config,
      optimizers_config: { default_segment_number: 1, indexing_threshold: 20_000 },
    });
    await rt.service.upsertPoints(
      'one',
      vectors.map((vector, id) => ({ id, vector })),
      true,
    );
    await rt.trigger.flush();
    expect((await rt.service.getCollection('one')).segments_count).toBe(1);
    // the brute-force reference: every point's current vector
    const current = new Map(vectors.map((v, i) => [i, v]));
    const expected = (q: number[], limit: number) =>
      [...current]
        .map(([id, v]) => ({ id, d: v.reduce((s, x, j) => s + (x - q[j]) ** 2, 0) }))
        .sort((a, b) => a.d - b.d || a.id - b.id)
        .slice(0, limit)
        .map((p) => p.id);
    const answer = async (q: number[], limit: number) =>
      (await rt.collections.query('one', request(q, limit))).map((p) => p.id);
    const far = (i: number) => Array.from({ length: DIM }, (_, j) => 50 + i + j);
    const update = async (ids: number[]) => {
      await rt.service.upsertPoints(
        'one',
        ids.map((id) => ({ id, vector: far(id) })),
        true,
      );
      for (const id of ids) current.set(id, far(id));
    };
    const q = vectors[40];
    // 100 sealed points moved far away: a list long enough to be shared with the threads, not posted per task
    await update(Array.from({ length: 100 }, (_, i) => 200 + i));
    expect(await answer(q, 8)).toEqual(expected(q, 8));
    expect(await answer(q, 8)).toEqual(expected(q, 8));
    // the query's own nearest points move next, under a new list
    await update(expected(q, 8));
    expect(await answer(q, 8)).toEqual(expected(q, 8));
    expect((await rt.service.getCollection('one')).segments_count).toBe(1);
  });
});
