/**
 * The paged sparse layout (lib/segment/sparse-format.ts version 2, sparse-paged.ts) over real text: 6,000 passages
 * of the State of the Union corpus embedded with the product's BM25 (test/support/sotu-corpus.ts).
 * - round trip: every row reads back as written, whole and paged; a version 1 object (the layout before) opens;
 * - checksums: a flipped byte in the directory, a posting list or a row is refused where it is read;
 * - a cold query reads only its dimensions' posting lists, in one round of coalesced ranged GETs (counted per GET by
 *   an instrumented store), and nothing once they are cached;
 * - the paged reader answers exactly as the whole object in memory and as a brute-force dot product, with and
 *   without a filter, with IDF weights; IDF's counts need only the directory unless points are left out.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bm25 } from '../../../lib/api/inference/bm25.js';
import { parseBm25Options } from '../../../lib/api/inference/bm25-config.js';
import { type SparseVector, idfWeighted, sparseDot, sparseOverlaps } from '../../../lib/model/sparse-vector.js';
import { directoryBytes, encodeSparseIndex, readSparseHeader } from '../../../lib/segment/sparse-format.js';
import { SparseIndex } from '../../../lib/segment/sparse-index.js';
import { COALESCE_GAP, PagedSparseIndex } from '../../../lib/segment/sparse-paged.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import type { GetOptions, ObjectStore } from '../../../lib/storage/object-store.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { MemoryStore } from '../../support/memory-store.js';
import { type Passage, sotuPassages, sotuQueries } from '../../support/sotu-corpus.js';
import { encodeSparseV1 } from '../../support/sparse-v1.js';

const KEY = 'seg/sparse/text';
const N = 6000;

interface Get {
  offset: number;
  length: number;
}

/** A store that records every GET's byte range (whole GETs as offset 0, length -1). */
function recording(inner: ObjectStore): { store: ObjectStore; gets: Get[] } {
  const gets: Get[] = [];
  const store = Object.create(inner) as ObjectStore;
  store.get = (key: string, options?: GetOptions) => {
    gets.push(options?.range ? { ...options.range } : { offset: 0, length: -1 });
    return inner.get(key, options);
  };
  return { store, gets };
}

let passages: Passage[];
let offsets: Uint32Array;
let rows: SparseVector[];
let bytes: Uint8Array;
let queries: SparseVector[];
const COUNT = N * 2;

const toSparse = (e: { indices: number[]; values: number[] }): SparseVector => {
  const order = e.indices.map((_, i) => i).sort((a, b) => e.indices[a] - e.indices[b]);
  return {
    indices: Uint32Array.from(order, (i) => e.indices[i]),
    values: Float32Array.from(order, (i) => e.values[i]),
  };
};

beforeAll(() => {
  passages = sotuPassages(N);
  const bm25 = new Bm25(parseBm25Options({}));
  // every other offset holds the vector: points without it exist
  offsets = Uint32Array.from({ length: N }, (_, i) => 2 * i + (i % 3 === 0 ? 1 : 0));
  rows = passages.map((p) => toSparse(bm25.embedDocument(p.text)));
  bytes = encodeSparseIndex(offsets, rows);
  queries = sotuQueries(passages, 30, 11)
    .map((t) => toSparse(bm25.embedQuery(t)))
    .filter((q) => q.indices.length > 0);
});

function bruteForce(q: SparseVector, accept: ((o: number) => boolean) | null, k: number) {
  return rows
    .map((v, i) => ({ o: offsets[i], v }))
    .filter(({ o, v }) => sparseOverlaps(q, v) && (accept === null || accept(o)))
    .map(({ o, v }) => ({ o, s: sparseDot(q, v) }))
    .sort((a, b) => b.s - a.s || a.o - b.o)
    .slice(0, k);
}

async function paged(store: ObjectStore, cache = new PageCache(store, { maxBytes: 0 })) {
  const D = readSparseHeader(bytes, KEY).D;
  return PagedSparseIndex.open(store, cache, KEY, directoryBytes(D), undefined);
}

async function stored(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.put(KEY, bytes);
  return store;
}

describe('paged sparse layout', () => {
  it('round-trips every row, whole and paged, and still opens a version 1 object', async () => {
    const whole = SparseIndex.decode(bytes, KEY);
    const reader = await paged(await stored());
    const asked = [...Array.from(offsets.subarray(0, 50)), 2, 4, COUNT - 1];
    const got = await reader.vectorsOf(asked, undefined);
    asked.forEach((o, i) => {
      const r = offsets.indexOf(o);
      expect(got[i]).toEqual(r < 0 ? null : rows[r]);
      expect(whole.vectorOf(o)).toEqual(got[i]);
    });
    expect(reader.rows).toBe(N);
    const v1 = SparseIndex.decode(encodeSparseV1(offsets, rows), 'v1');
    for (const q of queries.slice(0, 5)) {
      expect(v1.searchSync(q, 10, null, COUNT)).toEqual(whole.searchSync(q, 10, null, COUNT));
    }
    expect(v1.vectorOf(offsets[7])).toEqual(rows[7]);
  });

  it('answers an empty stored vector without a read, and names every holder (has_vector)', async () => {
    const empty: SparseVector = { indices: new Uint32Array(0), values: new Float32Array(0) };
    const withEmpty = encodeSparseIndex(Uint32Array.of(1, 4, 6), [rows[0], empty, rows[1]]);
    const store = new MemoryStore();
    await store.put(KEY, withEmpty);
    const D = readSparseHeader(withEmpty, KEY).D;
    const reader = await PagedSparseIndex.open(
      store,
      new PageCache(store, { maxBytes: 0 }),
      KEY,
      directoryBytes(D),
      undefined,
    );
    expect(await reader.vectorsOf([4, 6, 5], undefined)).toEqual([empty, rows[1], null]);
    expect(Array.from(await reader.holders(undefined))).toEqual([1, 4, 6]);
    expect(Array.from(await SparseIndex.decode(withEmpty, KEY).holders())).toEqual([1, 4, 6]);
  });

  it('refuses a flipped byte in the directory, a posting list and a row', async () => {
    const D = readSparseHeader(bytes, KEY).D;
    const whole = SparseIndex.decode(bytes, KEY);
    const flip = async (at: number) => {
      const store = new MemoryStore();
      const copy = bytes.slice();
      copy[at] ^= 1;
      await store.put(KEY, copy);
      expect(() => SparseIndex.decode(copy, KEY)).toThrow(/checksum/);
      return store;
    };
    await expect(paged(await flip(directoryBytes(D) - 3))).rejects.toThrow(/directory checksum/);
    // the last list: the query holding its dimension fails, the others do not
    const lastDim = whole.dir.dims[D - 1];
    const store = await flip(bytes.byteLength - 5);
    const reader = await paged(store);
    const hit = { indices: Uint32Array.of(lastDim), values: Float32Array.of(1) };
    await expect(reader.search(hit, 10, null, COUNT, undefined, undefined)).rejects.toThrow(/list .*checksum/);
    await expect(reader.search(queries[0], 10, null, COUNT, undefined, undefined)).resolves.toBeDefined();
    // row 0's entries start right after the row table
    const rowStore = await flip(directoryBytes(D) + (3 * N + 2) * 4 + 1);
    await expect((await paged(rowStore)).vectorsOf([offsets[0]], undefined)).rejects.toThrow(/row 0: checksum/);
    await expect((await paged(rowStore)).vectorsOf([offsets[1]], undefined)).resolves.toEqual([rows[1]]);
  });

  it('a cold query reads only its lists, in one round of coalesced ranged GETs; cached lists cost nothing', async () => {
    const base = await stored();
    const { store, gets } = recording(base);
    const cache = new PageCache(store);
    const reader = await paged(store, cache);
    expect(gets).toEqual([{ offset: 0, length: directoryBytes(reader.dir.dims.length) }]);
    const starts = reader.dir.listStart as Float64Array;
    for (const q of queries) {
      gets.length = 0;
      cache.clear();
      const io = new IoScope();
      await reader.search(q, 10, null, COUNT, undefined, io);
      expect(io.rounds).toBe(1);
      const lists = Array.from(q.indices, (dim) => reader.dir.dims.indexOf(dim))
        .filter((d) => d >= 0)
        .map((d) => ({ start: starts[d], end: starts[d + 1] }))
        .sort((a, b) => a.start - b.start);
      // each list lies inside one GET; GETs only bridge gaps below COALESCE_GAP, never reach beyond the lists
      for (const l of lists) {
        expect(gets.some((g) => g.offset <= l.start && g.offset + g.length >= l.end)).toBe(true);
      }
      let runs = lists.length === 0 ? 0 : 1;
      let need = 0;
      lists.forEach((l, i) => {
        need += l.end - l.start;
        if (i > 0 && l.start - lists[i - 1].end > COALESCE_GAP) runs++;
        else if (i > 0) need += Math.max(0, l.start - lists[i - 1].end);
      });
      expect(gets.length).toBe(runs);
      expect(gets.reduce((s, g) => s + g.length, 0)).toBe(need);
      expect(need).toBeLessThan(bytes.byteLength / 4);
      gets.length = 0;
      await reader.search(q, 10, null, COUNT, undefined, undefined);
      expect(gets).toEqual([]);
    }
  });

  it('answers as the whole index and brute force: with and without a filter, with IDF weights', async () => {
    const whole = SparseIndex.decode(bytes, KEY);
    const reader = await paged(await stored());
    const yearOf = new Map(Array.from(offsets, (o, i) => [o, passages[i].year]));
    const accept = (o: number) => (yearOf.get(o) ?? 0) >= 1900;
    let compared = 0;
    for (const raw of queries) {
      const { rows: n, df } = await reader.documentFrequencies(raw.indices, null, undefined);
      const idf = idfWeighted(raw, n, (d) => df[raw.indices.indexOf(d)]);
      for (const q of [raw, idf]) {
        for (const a of [null, accept]) {
          const want = bruteForce(q, a, 10);
          const got = await reader.search(q, 10, a, COUNT, undefined, undefined);
          expect(Array.from(got.offsets)).toEqual(want.map((w) => w.o));
          expect(Array.from(got.scores)).toEqual(want.map((w) => expect.closeTo(w.s, 9)));
          expect(whole.searchSync(q, 10, a, COUNT)).toEqual(got);
          compared += want.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it("IDF's counts: the directory alone when every point counts, the lists and row table when some do not", async () => {
    const base = await stored();
    const { store, gets } = recording(base);
    const reader = await paged(store);
    const whole = SparseIndex.decode(bytes, KEY);
    const q = queries[0];
    gets.length = 0;
    const all = await reader.documentFrequencies(q.indices, null, undefined);
    expect(gets).toEqual([]);
    expect(all.rows).toBe(N);
    expect(all.df).toEqual(Array.from(q.indices, (d) => rows.filter((r) => r.indices.includes(d)).length));
    const odd = (o: number) => o % 4 !== 0;
    const io = new IoScope();
    const some = await reader.documentFrequencies(q.indices, odd, io);
    expect(io.rounds).toBe(1);
    expect(some).toEqual(await whole.documentFrequencies(q.indices, odd));
    expect(some.rows).toBe(Array.from(offsets).filter(odd).length);
  });
});
