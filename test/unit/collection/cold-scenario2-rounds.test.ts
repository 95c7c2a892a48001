/**
 * The bound on a cold scenario-2 query (originals and HNSW graph on disk, no quantization, `hnsw_ef` 128):
 * at most 10 dependent store rounds and 4 MB per 25k-point segment, the coordinator's snapshot round included, with
 * the default tuning (`records`, lib/segment/search.ts). Checked on every one of 20 GloVe-100 queries over three
 * segments sealed under different ids (the id seeds the HNSW build, so three different graphs), each query through
 * the whole collection path (coordinator → a fresh worker → merge) over an in-memory store: rounds, GETs and bytes
 * are counted (lib/storage/io-stats.ts, read through the cost report a client gets), never timed. A query's rounds
 * do not depend on the store's speed (test/unit/segment/cold-walk-rounds.test.ts), so an in-memory store counts
 * what S3 would.
 *
 * And the open's meta.json round: a manifest entry carries the segment's meta (manifest.ts), the task hands it to
 * the worker, and the open reads everything else in ONE round; a manifest written before (no meta in its entries)
 * still opens, one round and one GET more, with the same hits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { costReport, type CostReport } from '../../../lib/api/cost-header.js';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import { type Manifest, decodeManifest, encodeManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { emptyQueryStats } from '../../../lib/collection/query.js';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { DirectInvoker } from '../../../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import { DEFAULT_TUNING } from '../../../lib/segment/search.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { runSegmentTask } from '../../../lib/segment/task.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { type Dataset, datasetsAvailable, loadGlove, slice } from '../../support/datasets.js';
import { MemoryStore } from '../../support/memory-store.js';

const N = 25_000;
const QUERIES = 20;
const MB = 1e6;
/** three segment ids, so three graphs (the id seeds the build) */
const COLLECTIONS = ['s2a', 's2b', 's2c'] as const;
const PARAMS: QueryRequest['params'] = { exact: false, hnsw_ef: 128 };

const config = (dim: number): CollectionConfig => ({
  vectors: { size: dim, distance: 'Cosine', on_disk: true },
  hnsw_config: { m: 16, ef_construct: 100, on_disk: true, full_scan_threshold: 10 },
  quantization_config: null,
  optimizers_config: { default_segment_number: 1, indexing_threshold: 1 },
});

let ds: Dataset;
let store: MemoryStore;

/** A coordinator whose one worker starts empty (a new container), reading with the default tuning. */
function coordinator(): StrataCollectionService {
  const registry = new SegmentRegistry<Segment>();
  const cache = new PageCache(store);
  const invoker = new DirectInvoker({
    workers: 1,
    run: (task, _w, signal) => runSegmentTask(task, { store, cache, registry, tuning: DEFAULT_TUNING }, signal),
  });
  return new StrataCollectionService({ store, invoker, queryDeadlineMs: 120_000 });
}

function request(qi: number): QueryRequest {
  return {
    vector: Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim)),
    limit: 10,
    offset: 0,
    params: PARAMS,
    with_payload: false,
    with_vector: false,
  };
}

/** One cold query: a fresh coordinator and worker, its cost and its hits. */
async function cold(name: string, qi: number): Promise<{ cost: CostReport; hits: [number, number][] }> {
  const trace = { stats: emptyQueryStats(), io: new IoScope() };
  const points = await coordinator().query(name, request(qi), trace);
  return { cost: costReport(trace, 0), hits: points.map((p) => [p.id as number, p.score]) };
}

const stats = (xs: number[]) =>
  `${Math.min(...xs)}/${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}/${Math.max(...xs)}`;

describe.skipIf(!datasetsAvailable())('cold scenario 2 over a 25k-point segment, default tuning', () => {
  beforeAll(async () => {
    ds = slice(await loadGlove(), N, QUERIES, 10);
    store = new MemoryStore(0);
    const writer = coordinator();
    for (const name of COLLECTIONS) {
      await writer.createCollection(name, config(ds.dim));
      for (let i = 0; i < N; i += 5000) {
        const points = Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
          id: i + j,
          vector: Array.from(ds.base.subarray((i + j) * ds.dim, (i + j + 1) * ds.dim)),
          payload: { i: i + j },
        }));
        await writer.upsertPoints(name, points, true);
      }
      await optimize(store, collectionPrefix('', name), { now: () => Date.UTC(2026, 11, 2), random: () => name });
    }
  }, 600_000);

  it('every query of 20, on each of 3 graphs: at most 10 rounds and 4 MB, coordinator round included', async () => {
    const costs: CostReport[] = [];
    for (const name of COLLECTIONS) {
      for (let qi = 0; qi < QUERIES; qi++) costs.push((await cold(name, qi)).cost);
    }
    console.log(
      `cold scenario 2, 25k GloVe-100, ef 128, ${costs.length} queries over 3 graphs (min/mean/max): ` +
        `rounds ${stats(costs.map((c) => c.total.rounds))}, GETs ${stats(costs.map((c) => c.total.gets))}, ` +
        `MB ${stats(costs.map((c) => Math.round(c.total.bytes / 1e4) / 100))}`,
    );
    for (const c of costs) {
      expect(c.cold).toBe(1);
      // the snapshot's one round, before the fan-out
      expect(c.coordinator.rounds).toBe(1);
      expect(c.total.rounds).toBeLessThanOrEqual(10);
      expect(c.total.bytes).toBeLessThanOrEqual(4 * MB);
    }
  }, 600_000);

  it('the open takes one round when the manifest carries the meta; a manifest without it costs one round more', async () => {
    const name = COLLECTIONS[0];
    const key = manifestKey(collectionPrefix('', name));
    const carried = await store.get(key);
    if (carried === null) throw new Error(`no manifest at ${key}`);
    const manifest = decodeManifest(carried.body, key);
    expect(manifest.segments.every((s) => s.meta !== undefined)).toBe(true);
    const legacy: Manifest = { ...manifest, segments: manifest.segments.map(({ meta: _m, ...s }) => s) };
    for (const qi of [0, 1, 2]) {
      const now = await cold(name, qi);
      await store.put(key, encodeManifest(legacy));
      const before = await cold(name, qi);
      await store.put(key, carried.body);
      expect(before.hits).toEqual(now.hits);
      expect(before.cost.rounds).toBe(now.cost.rounds + 1);
      expect(before.cost.gets).toBe(now.cost.gets + 1);
      // the first distance one round sooner: the open's round with the entry region, then the walk
      expect(now.cost.roundsBeforeFirstDistance).toBe(1);
      expect(before.cost.roundsBeforeFirstDistance).toBe(2);
    }
  }, 120_000);
});
