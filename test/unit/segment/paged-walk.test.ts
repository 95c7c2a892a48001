/**
 * The graph walk built for object storage (lib/index/beam-search.ts through lib/segment/search.ts), on a real-data
 * slice (GloVe-100, 10k points, one segment, m = 16): the paged BEAM walk finds what the in-memory walk finds at equal
 * ef (recall against exact ground truth, in both of the guide's paged scenarios), in a fraction of the store rounds
 * of the sequential walk over the same pages; a small graph is read whole in ONE round on first touch; rescoring
 * reads each segment's candidates with at most 8 GETs. Rounds and GETs are counted (IoScope), never timed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows } from '../../../lib/distance/index.js';
import { InMemoryGraph } from '../../../lib/index/graph.js';
import { deserializeGraph } from '../../../lib/index/graph-format.js';
import { oversampledCount, searchPipelineSync } from '../../../lib/index/pipeline.js';
import { floatScorer } from '../../../lib/index/scorer.js';
import { deserializeVectors } from '../../../lib/index/vectors-format.js';
import { Int8Scorer, deserializeQuantized } from '../../../lib/quantization/index.js';
import { IdTable } from '../../../lib/segment/ids-format.js';
import { GRAPH, META, VECTORS, segmentObjectKey } from '../../../lib/segment/keys.js';
import { encodeMeta } from '../../../lib/segment/meta.js';
import { openSegment } from '../../../lib/segment/open.js';
import { RECORD_TUNING, type SearchTuning, searchSegment } from '../../../lib/segment/search.js';
import { encodeSegment } from '../../../lib/segment/writer.js';
import type { SearchParams } from '../../../lib/model/search.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { type Dataset, datasetsAvailable, loadGlove, recallAtK, slice } from '../../support/datasets.js';
import { MemoryStore } from '../../support/memory-store.js';
import { makeConfig } from '../../support/segment-fixtures.js';

const N = 10_000;
const QUERIES = 40;
const K = 10;

interface Scenario {
  name: string;
  quantized: boolean;
  /** written with the entry region (upper-level nodes first), as the seal does now */
  entryOrder: boolean;
  prefix: string;
  params: SearchParams;
  /** the in-memory walk over the same graph, rows and codes (offsets) */
  inMemory: (q: Float32Array, ef: number) => number[];
}

let ds: Dataset;
let store: MemoryStore;
const scenarios: Scenario[] = [];

function query(qi: number): Float32Array {
  const q = Float32Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim));
  normalizeRows(q, ds.dim);
  return q;
}

beforeAll(async () => {
  if (!datasetsAvailable()) return;
  ds = slice(await loadGlove(), N, QUERIES, K);
  const base = Float32Array.from(ds.base);
  normalizeRows(base, ds.dim);
  store = new MemoryStore();
  const ids = Array.from({ length: N }, (_, i) => i);
  for (const [quantized, entryOrder] of [
    [false, true],
    [true, true],
    [false, false],
  ]) {
    const { meta, objects } = encodeSegment(
      {
        config: makeConfig(ds.dim, 'Cosine', { m: 16, efConstruct: 100, quantized }),
        ids,
        versions: ids.map(() => 1),
        vectors: base,
        payloads: ids.map(() => null),
        seed: 7,
      },
      { entryOrder },
    );
    const prefix = `c/segments/${quantized ? 'int8' : 'float'}${entryOrder ? '' : '-no-entry-order'}`;
    for (const [name, bytes] of objects) await store.put(segmentObjectKey(prefix, name), bytes);
    await store.put(
      segmentObjectKey(prefix, META),
      encodeMeta({
        ...meta,
        spaces: { '': { ...meta.spaces[''], tiers: { vectorsOnDisk: true, graphOnDisk: true } } },
      }),
    );
    const graph = new InMemoryGraph(deserializeGraph(objects.get(GRAPH)!));
    const { data } = deserializeVectors(objects.get(VECTORS)!);
    const codes = quantized ? deserializeQuantized(objects.get('quantized')!) : null;
    const table = new IdTable(objects.get('ids')!);
    const candidates = quantized ? oversampledCount(K, 2) : K;
    scenarios.push({
      name: `${quantized ? 'int8 in RAM, graph + originals on disk' : 'scenario 2: graph + originals on disk'}${
        entryOrder ? '' : ' (written before the entry order)'
      }`,
      entryOrder,
      quantized,
      prefix,
      params: quantized
        ? { exact: false, quantization: { ignore: false, rescore: true, oversampling: 2 } }
        : { exact: false },
      inMemory: (q, ef) => {
        const originals = floatScorer(data, ds.dim, 'Cosine', q);
        const found = searchPipelineSync(
          { n: N, graph },
          codes === null ? originals : new Int8Scorer(codes, q),
          codes === null ? null : originals,
          { k: K, candidates, ef },
        );
        return Array.from(found.ids, (o) => table.externalId(o) as number);
      },
    });
  }
}, 120_000);

/** A size rule that holds the 10k segment's layer 0 (1.3 MB) and originals (4 MB): read whole on first touch. */
const WHOLE: SearchTuning = {
  ...RECORD_TUNING,
  wholeGraphBytes: 4 * 1024 * 1024,
  wholeVectorsBytes: 16 * 1024 * 1024,
};

/** Every query cold (a fresh page cache), through the segment's search: ids found, mean rounds and GETs. */
async function pagedRun(s: Scenario, ef: number, tuning: SearchTuning) {
  const found: number[][] = [];
  let rounds = 0;
  let gets = 0;
  let bytes = 0;
  let beforeFirst = 0;
  for (let qi = 0; qi < QUERIES; qi++) {
    const seg = await openSegment(store, new PageCache(store), s.prefix);
    const io = new IoScope();
    const hits = await searchSegment(
      seg,
      { vector: query(qi), limit: K, params: { ...s.params, hnsw_ef: ef }, deletedVersion: 0 },
      io,
      tuning,
    );
    found.push(Array.from(hits.offsets, (o) => seg.externalId(o) as number));
    rounds += io.rounds;
    gets += io.counts.rangedGets + io.counts.gets;
    bytes += io.counts.bytesIn;
    beforeFirst += hits.roundsBeforeFirstDistance;
  }
  return {
    found,
    recall: recallAtK(found, ds.groundTruth, ds.gtK, K),
    rounds: rounds / QUERIES,
    gets: gets / QUERIES,
    bytes: bytes / QUERIES,
    roundsBeforeFirstDistance: beforeFirst / QUERIES,
  };
}

describe.skipIf(!datasetsAvailable())('paged beam walk on GloVe-100 (10k)', () => {
  it.each([16, 64])('recall equals the in-memory walk at equal ef (ef = %i), in fewer rounds', async (ef) => {
    for (const s of scenarios) {
      const memory = recallAtK(
        Array.from({ length: QUERIES }, (_, qi) => s.inMemory(query(qi), ef)),
        ds.groundTruth,
        ds.gtK,
        K,
      );
      // the beam over pages read as the walk finds them (no whole read of the originals), then the defaults
      const beam = await pagedRun(s, ef, { ...RECORD_TUNING, wholeVectorsBytes: 0 });
      const defaults = await pagedRun(s, ef, RECORD_TUNING);
      const sequential = await pagedRun(s, ef, {
        ...RECORD_TUNING,
        beamWidth: 1,
        wholeGraphBytes: 0,
        wholeVectorsBytes: 0,
      });
      const counts = ({ found: _, ...c }: Awaited<ReturnType<typeof pagedRun>>) => c;
      console.log(
        `${s.name} ef=${ef}: in-memory ${memory}, beam`,
        counts(beam),
        'defaults',
        counts(defaults),
        'sequential',
        counts(sequential),
      );
      // the sequential walk over pages IS the in-memory walk (same decisions)
      expect(sequential.recall).toBe(memory);
      expect(beam.recall).toBeGreaterThanOrEqual(memory);
      expect(beam.rounds).toBeLessThan(sequential.rounds / 2);
      // what is resident changes nothing the walk decides
      expect(defaults.recall).toBe(beam.recall);
    }
  });

  it('a cold paged float walk reads its descent in its first round and a round per beam step, finding the same', async () => {
    const paged = { ...RECORD_TUNING, wholeGraphBytes: 0, wholeVectorsBytes: 0 };
    const now = scenarios.find((x) => !x.quantized && x.entryOrder)!;
    const before = scenarios.find((x) => !x.entryOrder)!;
    const a = await pagedRun(now, 64, paged);
    const b = await pagedRun(before, 64, paged);
    const { found: _a, ...ca } = a;
    const { found: _b, ...cb } = b;
    console.log('cold paged float walk, 10k GloVe, ef 64: entry order', ca, 'before it', cb);
    // the same graph under new ids: the walk finds the same points
    expect(a.found).toEqual(b.found);
    // the entry region (the upper nodes' rows and records) was read by the open: the descent reads nothing
    expect(a.roundsBeforeFirstDistance).toBe(0);
    expect(b.roundsBeforeFirstDistance).toBe(1);
    // before: one more round per greedy hop of the descent (measured: 5.2 against 11.7 rounds a query)
    expect(a.rounds).toBeLessThanOrEqual(b.rounds - 5);
    // one round per beam step: its rows and their layer-0 records together (~5 steps at ef 64)
    expect(a.rounds).toBeLessThanOrEqual(6);
  });

  it('past the size rule, a cold walk reads its rows and layer-0 records alone: same hits and rounds, a fraction of the bytes of pages', async () => {
    const s = scenarios.find((x) => !x.quantized && x.entryOrder)!;
    const ef = 64;
    // 10k points: layer 0 1.3 MB and originals 4 MB, both past the default size rule
    const records = await pagedRun(s, ef, RECORD_TUNING);
    const pages = await pagedRun(s, ef, { ...RECORD_TUNING, coldReads: 'pages' });
    const { found: _r, ...cr } = records;
    const { found: _p, ...cp } = pages;
    console.log(`cold float walk, 10k GloVe, ef ${ef}: records`, cr, 'pages', cp);
    expect(records.found).toEqual(pages.found);
    // a round per beam step either way; a page read may make a late step's rows resident by chance (measured: 5.5
    // against 5.2 rounds a query)
    expect(records.rounds).toBeLessThanOrEqual(pages.rounds + 0.5);
    // measured: 0.5 MB against 4.3 MB a query (the open's ids and entry region included in neither)
    expect(records.bytes).toBeLessThan(pages.bytes / 4);
    // records near each other share a GET: fewer GETs than records
    expect(records.gets).toBeGreaterThan(pages.gets);

    // the page cache keeps the records: the same walk again (a segment opened anew: its first walk in this
    // worker again) reads nothing
    const cache = new PageCache(store);
    const params = { ...s.params, hnsw_ef: ef };
    const walk = async (seg: Awaited<ReturnType<typeof openSegment>>, qi: number) => {
      const io = new IoScope();
      const q = { vector: query(qi), limit: K, params, deletedVersion: 0 };
      const hits = await searchSegment(seg, q, io, RECORD_TUNING);
      return { io, found: Array.from(hits.offsets, (o) => seg.externalId(o) as number) };
    };
    const first = await walk(await openSegment(store, cache, s.prefix), 0);
    expect(first.io.counts.rangedGets).toBeGreaterThan(0);
    expect(first.found).toEqual(records.found[0]);
    const seg = await openSegment(store, cache, s.prefix);
    const again = await walk(seg, 0);
    expect(again.io.counts.rangedGets + again.io.counts.gets).toBe(0);
    expect(again.found).toEqual(records.found[0]);
    // the worker's next walk over the segment takes the warm size rule (4 MiB graph, 16 MiB originals): both read
    // whole, in one round; after it, any query reads nothing
    const second = await walk(seg, 1);
    expect(second.io.rounds).toBe(1);
    expect(second.found).toEqual(records.found[1]);
    const third = await walk(seg, 2);
    expect(third.io.counts.rangedGets + third.io.counts.gets).toBe(0);
    expect(third.found).toEqual(records.found[2]);
  });

  it('reads a small graph whole in one round on first touch, and the next query reads no graph page', async () => {
    const s = scenarios.find((x) => x.quantized)!;
    const cache = new PageCache(store);
    const seg = await openSegment(store, cache, s.prefix);
    const io = new IoScope();
    const params = { ...s.params, hnsw_ef: 64, quantization: { ignore: false, rescore: false, oversampling: 2 } };
    await searchSegment(seg, { vector: query(0), limit: K, params, deletedVersion: 0 }, io, WHOLE);
    // int8 codes are in RAM and nothing is rescored: the walk's only reads are the whole graph, one round
    expect(io.rounds).toBe(1);
    expect(cache.stats.pages).toBe(seg.meta.spaces[''].hnsw!.pageCount);
    const again = new IoScope();
    await searchSegment(seg, { vector: query(1), limit: K, params, deletedVersion: 0 }, again, WHOLE);
    expect(again.counts.rangedGets + again.counts.gets).toBe(0);
  });

  it('a float walk reads small paged originals whole, with the whole graph, in one round; the next query reads none', async () => {
    const s = scenarios.find((x) => !x.quantized)!;
    const cache = new PageCache(store);
    const seg = await openSegment(store, cache, s.prefix);
    const params = { ...s.params, hnsw_ef: 64 };
    const io = new IoScope();
    const hits = await searchSegment(seg, { vector: query(0), limit: K, params, deletedVersion: 0 }, io, WHOLE);
    expect(hits.offsets.length).toBe(K);
    // both whole reads start together at the walk's start: one round for both; the descent scores the entry
    // region's rows, read at open, before that round ends
    expect(io.rounds).toBe(1);
    expect(hits.roundsBeforeFirstDistance).toBe(0);
    const vectorPages = Math.ceil(N / Math.floor((16 * 1024 - 8) / (4 * ds.dim)));
    expect(cache.stats.pages).toBe(seg.meta.spaces[''].hnsw!.pageCount + vectorPages);
    // ~1 MiB per ranged GET, not one per page
    expect(io.counts.rangedGets).toBeLessThanOrEqual(Math.ceil(io.counts.bytesIn / (1024 * 1024)) + 2);
    const again = new IoScope();
    await searchSegment(seg, { vector: query(1), limit: K, params, deletedVersion: 0 }, again, WHOLE);
    expect(again.counts.rangedGets + again.counts.gets).toBe(0);
    // below the size rule the same walk reads the pages it meets, over several rounds
    const paged = new IoScope();
    await searchSegment(
      await openSegment(store, new PageCache(store), s.prefix),
      { vector: query(0), limit: K, params, deletedVersion: 0 },
      paged,
      { ...WHOLE, wholeVectorsBytes: 0 },
    );
    expect(paged.rounds).toBeGreaterThan(1);
  });

  it('rescores each segment with at most 8 coalesced GETs in one round', async () => {
    const s = scenarios.find((x) => x.quantized)!;
    for (let qi = 0; qi < 10; qi++) {
      const seg = await openSegment(store, new PageCache(store), s.prefix);
      // the graph warm first, so what remains is the rescoring read of 100 candidates (oversampling 10)
      const warm = { ...s.params, hnsw_ef: 100, quantization: { ignore: false, rescore: false, oversampling: 10 } };
      await searchSegment(seg, { vector: query(qi), limit: K, params: warm, deletedVersion: 0 }, undefined, WHOLE);
      const io = new IoScope();
      const params = { ...warm, quantization: { ...warm.quantization, rescore: true } };
      await searchSegment(seg, { vector: query(qi), limit: K, params, deletedVersion: 0 }, io, RECORD_TUNING);
      expect(io.rounds).toBe(1);
      expect(io.counts.rangedGets).toBeLessThanOrEqual(8);
      expect(io.counts.rangedGets).toBeGreaterThan(0);
    }
  });
});
