/**
 * Sparse vectors through the official `@qdrant/js-client-rest` against the real service (filesystem store,
 * in-process segment searches): Qdrant's REST fixture (an unnamed dense vector plus sparse names, one with
 * `modifier: idf`), term-frequency vectors over a Zipf-distributed vocabulary (seeded).
 *
 * Every search is compared id for id with a brute-force sparse dot product over the live points (scores to 1e-4),
 * with and without a filter, with IDF computed over the live points (Qdrant's formula): first with every point in
 * the WAL tail, then sealed into several segments with a new tail on top (overwrites, deletes), then sealed again.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import {
  clientRejection,
  serveTempStore,
  type ServedTempStore,
  type LegacyQdrantClient,
} from '../support/strata-server.js';

const C = 'sparse';
const VOCAB = 2000;
type Sparse = { indices: number[]; values: number[] };
interface Doc {
  dense: number[];
  text: Sparse;
  /** only on even ids (an optional sparse vector) */
  title?: Sparse;
  group: number;
}

let strata: ServedTempStore;
let client: QdrantClient;
let client118: LegacyQdrantClient;
let svc: StrataCollectionService;
let store: FileSystemStore;
const live = new Map<number, Doc>();

/** A document: 5-40 terms drawn from a Zipf law over the vocabulary, weight = term frequency. */
function termVector(r: () => number): Sparse {
  const len = 5 + Math.floor(r() * 36);
  const tf = new Map<number, number>();
  for (let i = 0; i < len; i++) {
    const term = Math.floor(VOCAB ** r()) - 1;
    tf.set(term, (tf.get(term) ?? 0) + 1);
  }
  // unsorted on purpose: Qdrant sorts
  const entries = [...tf].reverse();
  return { indices: entries.map((e) => e[0]), values: entries.map((e) => e[1]) };
}

function makeDocs(from: number, to: number, seed: number): { id: number; doc: Doc }[] {
  const r = rng(seed);
  const out = [];
  for (let id = from; id < to; id++) {
    const doc: Doc = {
      dense: [r() - 0.5, r() - 0.5, r() - 0.5, r() - 0.5],
      text: termVector(r),
      group: id % 3,
      ...(id % 2 === 0 ? { title: termVector(r) } : {}),
    };
    out.push({ id, doc });
  }
  return out;
}

async function upsert(docs: { id: number; doc: Doc }[]): Promise<void> {
  await client.upsert(C, {
    wait: true,
    points: docs.map(({ id, doc }) => ({
      id,
      vector: { '': doc.dense, text: doc.text, ...(doc.title ? { title: doc.title } : {}) },
      payload: { group: doc.group },
    })),
  });
  for (const { id, doc } of docs) live.set(id, doc);
}

const dotSparse = (a: Sparse, b: Sparse): number | undefined => {
  const m = new Map(a.indices.map((d, i) => [d, a.values[i]]));
  let s = 0;
  let shared = false;
  b.indices.forEach((d, i) => {
    const w = m.get(d);
    if (w !== undefined) {
      shared = true;
      s += w * b.values[i];
    }
  });
  return shared ? s : undefined;
};

/** Qdrant's IDF over the live points holding `name`. */
function idfQuery(name: 'text' | 'title', q: Sparse): Sparse {
  const holders = [...live.values()].map((d) => d[name]).filter((v): v is Sparse => v !== undefined);
  const n = holders.length;
  return {
    indices: q.indices,
    values: q.values.map((w, i) => {
      const df = holders.filter((v) => v.indices.includes(q.indices[i])).length;
      return w * Math.log((n - df + 0.5) / (df + 0.5) + 1);
    }),
  };
}

function reference(name: 'text' | 'title', q: Sparse, limit: number, group?: number): { id: number; score: number }[] {
  const query = name === 'title' ? idfQuery(name, q) : q;
  const out: { id: number; score: number }[] = [];
  for (const [id, d] of live) {
    const v = d[name];
    if (v === undefined || (group !== undefined && d.group !== group)) continue;
    const s = dotSparse(query, v);
    if (s !== undefined) out.push({ id, score: s });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}

/** Ids equal except among equal scores (ties may order either way). */
function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
  const key = (xs: readonly { id: unknown; score: number }[]) =>
    xs.map((x) => `${x.score.toFixed(4)}:${String(x.id)}`).sort();
  const boundary = want.length > 0 ? want[want.length - 1].score : 0;
  // ids of scores above the last one must match exactly
  expect(key(got.filter((g) => g.score > boundary + 1e-6))).toEqual(key(want.filter((w) => w.score > boundary + 1e-6)));
}

const rejection = clientRejection;

async function checkAll(seed: number): Promise<void> {
  const r = rng(seed);
  for (let k = 0; k < 4; k++) {
    const q = termVector(r);
    for (const name of ['text', 'title'] as const) {
      const want = reference(name, q, 10);
      expect(want.length).toBeGreaterThan(0);
      const got = await client.query(C, { query: q, using: name, limit: 10 });
      expectRanking(got.points, want);
      const filtered = await client.query(C, {
        query: q,
        using: name,
        limit: 5,
        filter: { must: [{ key: 'group', match: { value: 1 } }] },
      });
      expectRanking(filtered.points, reference(name, q, 5, 1));
      // legacy search with a NamedSparseVector
      const legacy = await client118.search(C, { vector: { name, vector: q }, limit: 10 });
      expectRanking(legacy, want);
      // offset and score_threshold
      const page = await client.query(C, { query: q, using: name, limit: 3, offset: 2 });
      expectRanking(page.points, want.slice(2, 5));
      // the reference computes IDF weights in float64, the engine in float32 (as Qdrant): cut a hair below
      const cut = want[Math.min(3, want.length - 1)].score - 1e-4;
      const above = await client.query(C, { query: q, using: name, limit: 10, score_threshold: cut });
      expectRanking(
        above.points,
        want.filter((w) => w.score >= cut),
      );
    }
  }
  // retrieve answers sparse vectors sorted by index, only those a point holds
  const ids = [...live.keys()].slice(0, 6);
  const got = await client.retrieve(C, { ids, with_vector: true });
  for (const p of got) {
    const d = live.get(Number(p.id)) as Doc;
    const v = p.vector as Record<string, Sparse | number[]>;
    const sorted = (s: Sparse) => {
      const o = s.indices.map((x, i) => [x, s.values[i]]).sort((a, b) => a[0] - b[0]);
      return { indices: o.map((e) => e[0]), values: o.map((e) => e[1]) };
    };
    expect(v.text).toEqual(sorted(d.text));
    if (d.title) expect(v.title).toEqual(sorted(d.title));
    else expect(v.title).toBeUndefined();
    expect((v[''] as number[]).length).toBe(4);
  }
  // hybrid: dense + sparse prefetches fused with RRF contain the best of both
  const q = termVector(r);
  const hybrid = await client.query(C, {
    prefetch: [
      { query: [0.1, 0.2, -0.3, 0.4], limit: 20 },
      { query: q, using: 'text', limit: 20 },
    ],
    query: { fusion: 'rrf' },
    limit: 10,
  });
  expect(hybrid.points.length).toBe(10);
  expect(hybrid.points.map((p) => p.id)).toContain(reference('text', q, 1)[0].id);
  // re-scoring dense prefetches with the sparse vector
  const rescored = await client.query(C, {
    prefetch: [{ query: [0.1, 0.2, -0.3, 0.4], limit: 50 }],
    query: q,
    using: 'text',
    limit: 5,
  });
  for (const p of rescored.points) {
    expect(p.score).toBeCloseTo(dotSparse(q, (live.get(Number(p.id)) as Doc).text) as number, 4);
  }
}

async function checkBadInput(): Promise<void> {
  const before = (await client.count(C, { exact: true })).count;
  const up = (vector: Record<string, unknown>) =>
    rejection(client.upsert(C, { wait: true, points: [{ id: 99_999, vector: vector as never }] }));
  expect(await up({ text: { indices: [1, 2], values: [1] } })).toEqual({
    status: 422,
    error: 'Validation error in JSON body: [points[0].vector.text.values: must be the same length as indices]',
  });
  expect(await up({ text: { indices: [3, 1, 3], values: [1, 2, 3] } })).toEqual({
    status: 422,
    error: 'Validation error in JSON body: [points[0].vector.text.indices: must be unique]',
  });
  const negative = await up({ text: { indices: [-1], values: [1] } });
  expect(negative.status).toBe(400);
  expect(negative.error).toContain('expected u32');
  expect(await up({ nope: { indices: [1], values: [1] } })).toEqual({
    status: 400,
    error: 'Wrong input: Not existing vector name error: nope',
  });
  expect(await up({ '': { indices: [1], values: [1] } })).toEqual({
    status: 400,
    error: 'Wrong input: Conversion between sparse and regular vectors failed',
  });
  expect(await up({ text: [1, 2, 3] })).toEqual({
    status: 400,
    error: 'Wrong input: Conversion between sparse and regular vectors failed',
  });
  expect(await client.retrieve(C, { ids: [99_999] })).toEqual([]);
  expect((await client.count(C, { exact: true })).count).toBe(before);
  expect(await rejection(client.query(C, { query: { indices: [1], values: [1] }, using: 'nope' }))).toEqual({
    status: 400,
    error: 'Wrong input: Not existing vector name error: nope',
  });
  expect(await rejection(client.query(C, { query: { indices: [1], values: [1] } }))).toEqual({
    status: 400,
    error: 'Wrong input: Conversion between sparse and regular vectors failed',
  });
  expect(await rejection(client.query(C, { query: { indices: [1, 1], values: [1, 2] }, using: 'text' }))).toEqual({
    status: 422,
    error: 'Validation error in JSON body: [query.indices: must be unique]',
  });
  expect(await rejection(client.query(C, { query: [1, 2, 3, 4], using: 'text' }))).toEqual({
    status: 400,
    error: 'Wrong input: Conversion between sparse and regular vectors failed',
  });
}

beforeAll(async () => {
  strata = await serveTempStore(3);
  ({ client, client118, store, svc } = strata);
});

afterAll(async () => {
  await strata?.close();
});

describe('sparse vectors through the official client', () => {
  it("creates Qdrant's fixture (unnamed dense + sparse names) and echoes sparse_vectors as Qdrant does", async () => {
    expect(
      await client.createCollection(C, {
        vectors: { size: 4, distance: 'Dot' },
        sparse_vectors: { title: { modifier: 'idf', index: { on_disk: true } }, text: {} },
        optimizers_config: { default_segment_number: 3 },
      }),
    ).toBe(true);
    const info = await client.getCollection(C);
    expect(info.config.params.sparse_vectors).toEqual({
      text: {},
      title: { index: { on_disk: true }, modifier: 'idf' },
    });
    expect(info.config.params.vectors).toEqual({ size: 4, distance: 'Dot', on_disk: false });
    await client.updateCollection(C, { sparse_vectors: { text: { index: { full_scan_threshold: 100 } } } });
    expect((await client.getCollection(C)).config.params.sparse_vectors).toEqual({
      text: { index: { full_scan_threshold: 100 } },
      title: { index: { on_disk: true }, modifier: 'idf' },
    });
    const clash = await rejection(
      client.createCollection('clash', { vectors: { a: { size: 2, distance: 'Dot' } }, sparse_vectors: { a: {} } }),
    );
    expect(clash).toEqual({
      status: 400,
      error: "Wrong input: Dense and sparse vector names must be unique - duplicate found with 'a'",
    });
    // sparse only: no dense vectors at all
    expect(await client.createCollection('only-sparse', { sparse_vectors: { s: {} } })).toBe(true);
    await client.upsert('only-sparse', {
      wait: true,
      points: [{ id: 1, vector: { s: { indices: [2, 1], values: [1, 2] } } }],
    });
    const only = await client.query('only-sparse', { query: { indices: [1], values: [3] }, using: 's' });
    expect(only.points.map((p) => [p.id, p.score])).toEqual([[1, 6]]);
    await client.deleteCollection('only-sparse');
  });

  it('WAL tail only: searches equal brute force (filter, IDF, offset, threshold, legacy, hybrid)', async () => {
    await upsert(makeDocs(0, 400, 1));
    expect((await svc.getCollection(C)).segments_count).toBe(0);
    await checkAll(11);
    await checkBadInput();
  });

  it('sealed into several segments plus a new tail (overwrites, deletes): IDF follows adds and deletes', async () => {
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    expect((await svc.getCollection(C)).segments_count).toBeGreaterThan(1);
    await checkAll(12);
    await upsert(makeDocs(380, 450, 2));
    await upsert(makeDocs(10, 30, 3));
    await client.delete(C, { wait: true, points: [0, 1, 2, 400] });
    for (const id of [0, 1, 2, 400]) live.delete(id);
    await checkAll(13);
    await checkBadInput();
    // payload updates keep the sparse vectors (points are rewritten whole)
    await client.setPayload(C, { wait: true, points: [4, 5], payload: { group: 1 } });
    for (const id of [4, 5]) (live.get(id) as Doc).group = 1;
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(14);
  });

  it('update_vectors and delete_vectors of a sparse name', async () => {
    const v = { indices: [7, 3], values: [0.5, 2] };
    await client.updateVectors(C, { wait: true, points: [{ id: 6, vector: { title: v } }] });
    (live.get(6) as Doc).title = v;
    await client.deleteVectors(C, { wait: true, points: [8], vector: ['title'] });
    delete (live.get(8) as Doc).title;
    const [p6, p8] = await client.retrieve(C, { ids: [6, 8], with_vector: ['title'] });
    expect(p6.vector).toEqual({ title: { indices: [3, 7], values: [2, 0.5] } });
    expect(p8.vector).toEqual({});
    await checkAll(15);
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(16);
  });
});
