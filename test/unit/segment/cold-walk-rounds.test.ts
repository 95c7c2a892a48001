/**
 * A cold walk's store rounds are a property of the walk, not of the server's speed. Rounds are counted from
 * completion order (lib/storage/io-stats.ts: a request's depth is 1 + the deepest request of its scope already
 * COMPLETED when it started), so a step that issued part of its reads after an await would count one round deeper
 * whenever its first reads came back early. Every logical step of the open and the walk issues all its reads
 * synchronously together, so the count equals the number of dependent steps on any schedule: this runs the same cold
 * scenario-2 walks (graph and originals on disk, records read as `STRATA_COLD_READS=records` does; GloVe-100, 10k
 * points, ef 128) over stores that answer at once (within microtasks), after seeded random delays (GETs completing
 * out of order), and one GET at a time in arrival order with random delays (as moto does), and asks for the same
 * rounds, GETs, bytes and hits from each. And the beam width that grows with ef (lib/segment/search.ts) buys its rounds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows } from '../../../lib/distance/index.js';
import { mulberry32 } from '../../../lib/index/rng.js';
import { META, segmentObjectKey } from '../../../lib/segment/keys.js';
import { encodeMeta, metaJson, parseMeta } from '../../../lib/segment/meta.js';
import { openSegment } from '../../../lib/segment/open.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import { RECORD_TUNING, type SearchTuning, searchSegment } from '../../../lib/segment/search.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { runSegmentTask } from '../../../lib/segment/task.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { encodeSegment } from '../../../lib/segment/writer.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { type Dataset, datasetsAvailable, loadGlove, slice } from '../../support/datasets.js';
import { MemoryStore, type MemoryStoreTiming } from '../../support/memory-store.js';
import { makeConfig } from '../../support/segment-fixtures.js';

const N = 10_000;
const QUERIES = 6;
const PREFIX = 'c/segments/s2';

let ds: Dataset;
let objects: [string, Uint8Array][];

/** What one cold query cost and found. */
interface Cold {
  rounds: number;
  openRounds: number;
  gets: number;
  bytes: number;
  found: number[];
}

async function storeWith(timing: MemoryStoreTiming | number): Promise<MemoryStore> {
  const store = new MemoryStore(timing);
  for (const [key, bytes] of objects) await store.put(key, bytes);
  return store;
}

/** Each query cold: a fresh page cache, the segment opened (meta first) and walked, charged to one scope. */
async function coldQueries(store: MemoryStore, tuning: SearchTuning = RECORD_TUNING): Promise<Cold[]> {
  const out: Cold[] = [];
  for (let qi = 0; qi < QUERIES; qi++) {
    const io = new IoScope();
    const seg = await openSegment(store, new PageCache(store), PREFIX, undefined, { io });
    const openRounds = io.rounds;
    const vector = Float32Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim));
    normalizeRows(vector, ds.dim);
    const hits = await searchSegment(
      seg,
      { vector, limit: 10, params: { exact: false, hnsw_ef: 128 }, deletedVersion: 0 },
      io,
      tuning,
    );
    out.push({
      rounds: io.rounds,
      openRounds,
      gets: io.counts.gets + io.counts.rangedGets,
      bytes: io.counts.bytesIn,
      found: Array.from(hits.offsets),
    });
  }
  return out;
}

beforeAll(async () => {
  if (!datasetsAvailable()) return;
  ds = slice(await loadGlove(), N, QUERIES, 10);
  const base = Float32Array.from(ds.base);
  normalizeRows(base, ds.dim);
  const ids = Array.from({ length: N }, (_, i) => i);
  const encoded = encodeSegment({
    config: makeConfig(ds.dim, 'Cosine', { m: 16, efConstruct: 100, quantized: false }),
    ids,
    versions: ids.map(() => 1),
    vectors: base,
    payloads: ids.map((i) => ({ i })),
    seed: 11,
  });
  const { meta } = encoded;
  objects = [...encoded.objects].map(([name, bytes]) => [segmentObjectKey(PREFIX, name), bytes]);
  objects.push([
    segmentObjectKey(PREFIX, META),
    encodeMeta({
      ...meta,
      spaces: { '': { ...meta.spaces[''], tiers: { vectorsOnDisk: true, graphOnDisk: true } } },
    }),
  ]);
}, 120_000);

describe('store rounds are counted from completion order', () => {
  it('a request issued after an await of its step counts one round deeper when the first ones came back early', async () => {
    // the harness below tells a late request apart: the same two reads, the second issued a microtask late
    const split = async (store: MemoryStore) => {
      await store.put('k', new Uint8Array(8));
      const io = new IoScope();
      const first = store.get('k', { io });
      await Promise.resolve();
      await Promise.resolve();
      await Promise.resolve();
      await Promise.all([first, store.get('k', { io })]);
      return io.rounds;
    };
    expect(await split(new MemoryStore(0))).toBe(2);
    expect(await split(new MemoryStore(2))).toBe(1);
  });
});

describe.skipIf(!datasetsAvailable())('cold scenario-2 walk rounds do not depend on the store schedule', () => {
  it('answers at once, in random order, or one GET at a time: the same rounds, GETs, bytes and hits', async () => {
    const rnd = mulberry32(5);
    const jitter = () => 3 * rnd();
    const immediate = await coldQueries(await storeWith(0));
    const shuffled = await coldQueries(await storeWith({ latencyMs: jitter }));
    const serial = await coldQueries(await storeWith({ latencyMs: jitter, serial: true }));
    console.log(
      'cold scenario-2 walks, 10k GloVe, ef 128, rounds per query:',
      immediate.map((c) => c.rounds).join(' '),
    );
    expect(shuffled).toEqual(immediate);
    expect(serial).toEqual(immediate);
    for (const c of immediate) {
      // meta.json, then every other object of the open with the entry region, in one round
      expect(c.openRounds).toBe(2);
      expect(c.rounds).toBeGreaterThan(c.openRounds);
    }
  }, 120_000);
});

describe.skipIf(!datasetsAvailable())('the beam widens with ef', () => {
  it('at ef 128 a cold walk expands 48 a round, not 32: fewer rounds for the same recall of the top 10', async () => {
    const store = await storeWith(0);
    const wide = await coldQueries(store);
    const fixed = await coldQueries(store, { ...RECORD_TUNING, beamPerEf: 0 });
    const total = (cs: Cold[]) => cs.reduce((a, c) => a + c.rounds, 0);
    console.log(
      `rounds per query at ef 128: W 48 ${wide.map((c) => c.rounds).join(' ')}, W 32 ${fixed.map((c) => c.rounds).join(' ')}`,
    );
    expect(total(wide)).toBeLessThan(total(fixed));
    const found = (cs: Cold[]) => cs.map((c) => new Set(c.found));
    const inBoth = found(wide).reduce((a, w, i) => a + fixed[i].found.filter((o) => w.has(o)).length, 0);
    // no hit lost: the wider beam finds every point the narrower one found (on these queries, every run)
    expect(inBoth).toBe(fixed.reduce((a, c) => a + c.found.length, 0));
  }, 120_000);
});

describe.skipIf(!datasetsAvailable())('the meta handed over with a task', () => {
  const task = (meta: Record<string, unknown> | undefined): SegmentSearchTask => ({
    collectionPrefix: 'c',
    segments: [{ id: 's2', deletedVersion: 0, ...(meta === undefined ? {} : { meta }) }],
    vector: Array.from(ds.queries.subarray(0, ds.dim)),
    limit: 10,
    params: { exact: false, hnsw_ef: 128 },
  });

  it('opens the segment in one round instead of two, with the same hits, GETs less one', async () => {
    const store = await storeWith(0);
    const stored = await store.get(segmentObjectKey(PREFIX, META));
    const meta = metaJson(parseMeta(stored?.body));
    const run = (m: Record<string, unknown> | undefined) =>
      runSegmentTask(task(m), { store, cache: new PageCache(store), registry: new SegmentRegistry<Segment>() });
    const [read, handed] = [await run(undefined), await run(meta)];
    expect(handed.candidates).toEqual(read.candidates);
    expect(handed.stats.rounds).toBe(read.stats.rounds - 1);
    expect(handed.stats.gets).toBe(read.stats.gets - 1);
    expect(handed.stats.roundsBeforeFirstDistance).toBe(1);
  }, 60_000);

  it('checks every object against it as against meta.json: a meta that disagrees fails the open, nothing cached', async () => {
    const store = await storeWith(0);
    const stored = await store.get(segmentObjectKey(PREFIX, META));
    const meta = metaJson(parseMeta(stored?.body));
    const registry = new SegmentRegistry<Segment>();
    const ctx = { store, cache: new PageCache(store), registry };
    const wrong = await runSegmentTask(task({ ...meta, count: N - 1 }), ctx).catch((e: unknown) => e);
    expect(isStrataError(wrong, 'internal')).toBe(true);
    expect((wrong as Error).message).toMatch(/does not match meta\.json/);
    expect(registry.size).toBe(0);
    const broken = await runSegmentTask(task({ ...meta, format: 99 }), ctx).catch((e: unknown) => e);
    expect(isStrataError(broken, 'internal')).toBe(true);
    expect(registry.size).toBe(0);
    // the right meta then opens it
    expect((await runSegmentTask(task(meta), ctx)).candidates).toHaveLength(10);
    expect(registry.size).toBe(1);
  }, 60_000);
});
