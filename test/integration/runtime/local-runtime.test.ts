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
});
