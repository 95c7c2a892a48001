/**
 * Memory placements change where a segment's components live and what a query reads (lib/model/memory.ts):
 * - pinned: read whole when the segment opens, held by it; no GET for it afterwards, whatever the page cache does;
 * - cached: read whole when the segment opens, into the page cache; no GET for it while it stays there, and read
 *   again on demand (never failing) once the page cache evicts it;
 * - cold: nothing read when the segment opens; queries read it (pages, or the int8 set whole), then the page cache
 *   keeps it while it fits; with no page cache every query reads it again.
 * Counted per object with a store that records every GET's key. Every placement answers identically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { Memory } from '../../../lib/model/memory.js';
import { GRAPH, QUANTIZED, VECTORS } from '../../../lib/segment/keys.js';
import { openSegment, readMeta } from '../../../lib/segment/open.js';
import { placementOf } from '../../../lib/segment/meta.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import type { Segment } from '../../../lib/segment/segment.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { type SegmentTaskContext, runSegmentTaskDetailed } from '../../../lib/segment/task.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { COLLECTION, makeConfig, seededPayloads, seededVectors, tempStore } from '../../support/segment-fixtures.js';

const N = 2000;
const DIM = 16;
const SEED = 5;

/** A store whose GETs are recorded by key (the object's last path part: quantized, graph, vectors, ...). */
function recording(store: ObjectStore): { store: ObjectStore; gets: string[] } {
  const gets: string[] = [];
  const wrapped = Object.create(store) as ObjectStore;
  wrapped.get = (key, options) => {
    gets.push(key.slice(key.lastIndexOf('/') + 1));
    return store.get(key, options);
  };
  return { store: wrapped, gets };
}

interface Placed {
  vectors: Memory;
  graph: Memory;
  quantized: Memory;
}

function config(p: Placed): CollectionConfig {
  const c = makeConfig(DIM, 'Cosine');
  return {
    ...c,
    vectors: { size: DIM, distance: 'Cosine', on_disk: p.vectors === 'cold', memory: p.vectors },
    hnsw_config: { ...c.hnsw_config, on_disk: p.graph === 'cold', memory: p.graph },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: false, memory: p.quantized } },
  };
}

const PLACEMENTS: Record<string, Placed> = {
  pinned: { vectors: 'pinned', graph: 'pinned', quantized: 'pinned' },
  cached: { vectors: 'cached', graph: 'cached', quantized: 'cached' },
  cold: { vectors: 'cold', graph: 'cold', quantized: 'cold' },
};

const t = tempStore();
const vectors = seededVectors(N, DIM, 1);
const queries = seededVectors(5, DIM, 2);
const ids = Array.from({ length: N }, (_, i) => i + 1);

function task(segment: string, q: Float32Array, rescore: boolean): SegmentSearchTask {
  return {
    collectionPrefix: COLLECTION,
    segments: [{ id: segment, deletedVersion: 0 }],
    vector: Array.from(q),
    limit: 10,
    params: { exact: false, quantization: { ignore: false, rescore, oversampling: 2 } },
  };
}

function context(store: ObjectStore, pageCacheBytes: number): SegmentTaskContext {
  return {
    store,
    cache: new PageCache(store, { maxBytes: pageCacheBytes }),
    registry: new SegmentRegistry<Segment>({ budgetBytes: 256 * 1024 * 1024 }),
  };
}

const componentGets = (gets: string[]) => gets.filter((k) => k === QUANTIZED || k === GRAPH || k === VECTORS);

beforeAll(async () => {
  for (const [name, p] of Object.entries(PLACEMENTS)) {
    await writeSegment(
      t.store,
      `${COLLECTION}/segments/${name}`,
      { config: config(p), ids, versions: ids.map(() => 1), vectors, payloads: seededPayloads(N, 3), seed: SEED },
      { graphPageSize: 4096, vectorsPageSize: 4096 },
    );
  }
});

afterAll(() => t.cleanup());

describe('memory placement of a segment', () => {
  it('records each placement in meta.json (only where the legacy flags cannot say it)', async () => {
    for (const [name, p] of Object.entries(PLACEMENTS)) {
      const meta = await readMeta(t.store, `${COLLECTION}/segments/${name}`);
      expect(placementOf(meta.spaces['']), name).toEqual(p);
    }
    const cold = await readMeta(t.store, `${COLLECTION}/segments/cold`);
    expect(cold.spaces[''].tiers).toEqual({ vectorsOnDisk: true, graphOnDisk: true });
    expect(cold.spaces[''].quantization?.alwaysRam).toBe(false);
  });

  it('pinned: read at open, then no GET for any component, even with no page cache at all', async () => {
    const r = recording(t.store);
    const ctx = context(r.store, 0);
    for (let i = 0; i < 5; i++) {
      await runSegmentTaskDetailed(task('pinned', queries.subarray(i * DIM, (i + 1) * DIM), true), ctx);
    }
    expect(componentGets(r.gets).sort()).toEqual([GRAPH, QUANTIZED, VECTORS]);
  });

  it('cached: read whole at open into the page cache; warm queries read nothing; evicted, it is read again on demand', async () => {
    const r = recording(t.store);
    const ctx = context(r.store, 64 * 1024 * 1024);
    const q = (i: number) => queries.subarray(i * DIM, (i + 1) * DIM);
    const cold = await runSegmentTaskDetailed(task('cached', q(0), true), ctx);
    expect(cold.result.stats.cold).toBe(1);
    // warm-up: each component once, whole (one GET each)
    expect(componentGets(r.gets).sort()).toEqual([GRAPH, QUANTIZED, VECTORS]);
    const before = r.gets.length;
    for (let i = 1; i < 5; i++) {
      const warm = await runSegmentTaskDetailed(task('cached', q(i), true), ctx);
      expect(warm.result.stats.gets).toBe(0);
    }
    expect(r.gets.length).toBe(before);

    // the page cache drops everything: the segment stays open, its cached components are read again by queries
    (ctx.cache as PageCache).clear();
    r.gets.length = 0;
    const again = await runSegmentTaskDetailed(task('cached', q(1), true), ctx);
    expect(again.result.stats.cold).toBe(0);
    expect(componentGets(r.gets)).toContain(QUANTIZED);
    expect(componentGets(r.gets)).toContain(GRAPH);
    expect(componentGets(r.gets)).toContain(VECTORS);
  });

  it('cold: nothing read at open; every query reads what it needs when there is no page cache', async () => {
    const r = recording(t.store);
    const ctx = context(r.store, 0);
    const q = (i: number) => queries.subarray(i * DIM, (i + 1) * DIM);
    for (let i = 0; i < 3; i++) {
      r.gets.length = 0;
      const run = await runSegmentTaskDetailed(task('cold', q(i), false), ctx);
      expect(run.result.stats.gets).toBeGreaterThan(0);
      // rescore off: the int8 walk reads the codes (whole) and graph pages, never the originals
      expect(componentGets(r.gets)).toContain(QUANTIZED);
      expect(componentGets(r.gets)).toContain(GRAPH);
      expect(componentGets(r.gets)).not.toContain(VECTORS);
    }
    // with a page cache, what the first query read stays there (Qdrant's cold: cached with usage)
    const withCache = context(t.store, 64 * 1024 * 1024);
    await runSegmentTaskDetailed(task('cold', q(0), false), withCache);
    const warm = await runSegmentTaskDetailed(task('cold', q(0), false), withCache);
    expect(warm.result.stats.gets).toBe(0);
  });

  it('opening a segment reads pinned and cached components whole, and of cold ones only the graph header and entry region', async () => {
    const opened: Record<string, string[]> = {};
    for (const name of Object.keys(PLACEMENTS)) {
      const r = recording(t.store);
      await openSegment(r.store, new PageCache(r.store), `${COLLECTION}/segments/${name}`);
      opened[name] = componentGets(r.gets).sort();
    }
    // cold: the graph's header, and its entry region's layer-0 pages (entry-region.ts) in the same round; no rows,
    // since this space's walk scores codes
    expect(opened).toEqual({
      pinned: [GRAPH, QUANTIZED, VECTORS],
      cached: [GRAPH, QUANTIZED, VECTORS],
      cold: [GRAPH, GRAPH],
    });
  });

  it('answers identically whatever the placement', async () => {
    const ctx = context(t.store, 64 * 1024 * 1024);
    for (let i = 0; i < 5; i++) {
      const q = queries.subarray(i * DIM, (i + 1) * DIM);
      const answers = await Promise.all(
        Object.keys(PLACEMENTS).map(async (name) =>
          (await runSegmentTaskDetailed(task(name, q, true), ctx)).result.candidates.map((c) => [c.id, c.similarity]),
        ),
      );
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    }
  });
});
