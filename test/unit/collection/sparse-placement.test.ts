/**
 * Sparse index placements through the collection service (filesystem store, in-process workers), over real text:
 * 3,000 State of the Union passages embedded with the product's BM25, sealed into three segments, then a WAL tail
 * of new points, overwrites and deletes on top. For `pinned` (default), `cached` and `cold` (`on_disk: true`):
 * - every search equals a brute-force sparse dot product over the live points, with and without a filter, and on a
 *   second sparse name with `modifier: idf` (Qdrant's formula over the live points);
 * - the GETs of the sparse objects are those the placement promises: pinned and cached read each object whole once
 *   (workers), cold never reads one whole (ranged GETs of directories and lists only), and the coordinator's IDF
 *   and retrieve never read one whole either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bm25 } from '../../../lib/api/inference/bm25.js';
import { parseBm25Options } from '../../../lib/api/inference/bm25-config.js';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../../lib/collection/service.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import { idf } from '../../../lib/model/sparse-vector.js';
import type { GetOptions, ObjectStore } from '../../../lib/storage/object-store.js';
import { directInvoker, service, tempStore } from '../../support/collection-harness.js';
import { sotuPassages, sotuQueries } from '../../support/sotu-corpus.js';

type Sparse = { indices: number[]; values: number[] };
interface Doc {
  text: Sparse;
  year: number;
}

const SEALED = 2400;
const TAIL = 600;

const t = tempStore();
afterAll(() => t.cleanup());

/** Every GET of a sparse object: its key and the bytes asked for (-1: the whole object, unranged). */
const sparseGets: { key: string; length: number }[] = [];
const recorded = Object.create(t.store) as ObjectStore;
recorded.get = (key: string, options?: GetOptions) => {
  if (key.includes('/sparse/')) sparseGets.push({ key, length: options?.range?.length ?? -1 });
  return t.store.get(key, options);
};

/** The keys read whole: unranged, or a range as long as the object (a cached index goes through the page cache). */
async function readWhole(): Promise<string[]> {
  const out: string[] = [];
  for (const g of sparseGets) {
    const size = (await t.store.head(g.key))?.size;
    if (g.length === -1 || g.length === size) out.push(g.key);
  }
  return out.sort();
}

let docs: Doc[];
let queries: Sparse[];

beforeAll(() => {
  const bm25 = new Bm25(parseBm25Options({}));
  const passages = sotuPassages(SEALED + TAIL);
  docs = passages.map((p) => ({ text: bm25.embedDocument(p.text), year: p.year }));
  queries = sotuQueries(passages, 12, 5)
    .map((q) => bm25.embedQuery(q))
    .filter((q) => q.indices.length > 0);
});

function config(index: Record<string, unknown>): CollectionConfig {
  return {
    vectors: {},
    sparse_vectors: { idf: { index, modifier: 'idf' }, text: { index } },
    hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
    quantization_config: null,
    optimizers_config: { default_segment_number: 3, indexing_threshold: 0 },
  } as unknown as CollectionConfig;
}

const dot = (q: Sparse, v: Sparse): number | null => {
  const w = new Map(v.indices.map((d, i) => [d, v.values[i]]));
  let s = 0;
  let shared = false;
  q.indices.forEach((d, i) => {
    const x = w.get(d);
    if (x === undefined) return;
    s += Math.fround(q.values[i]) * Math.fround(x);
    shared = true;
  });
  return shared ? s : null;
};

function bruteForce(live: Map<number, Doc>, q: Sparse, even: boolean, withIdf: boolean) {
  let query = q;
  if (withIdf) {
    const df = (d: number) => [...live.values()].filter((doc) => doc.text.indices.includes(d)).length;
    query = { indices: q.indices, values: q.values.map((v, i) => Math.fround(v * idf(live.size, df(q.indices[i])))) };
  }
  return [...live]
    .filter(([, doc]) => !even || doc.year % 2 === 0)
    .map(([id, doc]) => ({ id, score: dot(query, doc.text) }))
    .filter((h): h is { id: number; score: number } => h.score !== null)
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, 10);
}

async function search(svc: StrataCollectionService, name: string, using: string, q: Sparse, even: boolean) {
  const [hits] = await svc.queryUniversal(name, [
    {
      prefetch: [],
      query: { kind: 'nearest', input: { sparse: q } },
      using,
      ...(even ? { filter: { must: [{ key: 'even', match: { value: true } }] } } : {}),
      params: { exact: false },
      limit: 10,
      offset: 0,
      with_payload: false,
      with_vector: false,
    },
  ]);
  return hits.map((h) => ({ id: h.id as number, score: h.score }));
}

const point = (id: number, doc: Doc) => ({
  id,
  vector: { text: doc.text, idf: doc.text },
  payload: { even: doc.year % 2 === 0 },
});

const PLACEMENTS: [string, Record<string, unknown>][] = [
  ['pinned', {}],
  ['cached', { memory: 'cached' }],
  ['cold', { on_disk: true }],
];

describe('sparse index placements: tail + sealed segments', () => {
  for (const [placement, index] of PLACEMENTS) {
    it(`${placement}: searches equal brute force (filter, IDF); sparse objects read as the placement says`, async () => {
      const name = `c-${placement}`;
      const svc = service(recorded, directInvoker(recorded, 3));
      await svc.createCollection(name, config(index));
      const live = new Map<number, Doc>();
      for (let at = 0; at < SEALED; at += 800) {
        const batch = docs.slice(at, at + 800).map((d, j) => point(at + j, d));
        await svc.upsertPoints(name, batch, true);
        batch.forEach((_, j) => live.set(at + j, docs[at + j]));
      }
      await optimize(t.store, collectionPrefix('', name), { skipGc: true });
      // the tail: new points, overwrites of sealed ones (another passage's vector), deletes
      const tail = docs.slice(SEALED).map((d, j) => point(SEALED + j, d));
      const overwrites = Array.from({ length: 100 }, (_, j) => point(7 * j, docs[SEALED + j]));
      await svc.upsertPoints(name, [...tail, ...overwrites], true);
      tail.forEach((_, j) => live.set(SEALED + j, docs[SEALED + j]));
      overwrites.forEach((_, j) => live.set(7 * j, docs[SEALED + j]));
      const deleted = Array.from({ length: 150 }, (_, j) => 11 * j + 3);
      await svc.deletePoints(name, { points: deleted }, true);
      for (const id of deleted) live.delete(id);

      sparseGets.length = 0;
      let compared = 0;
      for (const q of queries) {
        for (const [using, withIdf] of [
          ['text', false],
          ['idf', true],
        ] as const) {
          for (const even of [false, true]) {
            const want = bruteForce(live, q, even, withIdf);
            const got = await search(svc, name, using, q, even);
            expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
            got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 4));
            compared += want.length;
          }
        }
      }
      expect(compared).toBeGreaterThan(300);
      // a sealed point's vector is read back from its segment
      const [rec] = await svc.getPoints(name, [SEALED - 1], false, true);
      expect(rec.vector).toEqual({ text: docs[SEALED - 1].text, idf: docs[SEALED - 1].text });

      const whole = await readWhole();
      const objects = new Set(sparseGets.map((g) => g.key));
      expect(objects.size).toBe(6); // two sparse names in three segments
      if (placement === 'cold') expect(whole).toEqual([]);
      else expect(whole).toEqual([...objects].sort());
    });
  }
});
