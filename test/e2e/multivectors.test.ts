/**
 * Multivectors (Qdrant's `multivector_config: {comparator: max_sim}`) through the official `@qdrant/js-client-rest`
 * against the real service (filesystem store, in-process segment searches). Each point holds 1–4 rows per
 * multivector name; a query of several rows scores MaxSim (the sum over the query's rows of the best similarity to
 * any of the point's rows).
 *
 * Every check runs against a brute-force MaxSim reference over the live points: first with every point in the WAL
 * tail, then sealed into several segments (HNSW built on MaxSim, int8 per row on one name, originals on disk on
 * another) plus a new tail of overwrites and deletes, then sealed again. `exact: true` must equal the reference id
 * for id (scores to 1e-4); the approximate path must find most of it.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { MULTI_SEGMENT_FORMAT, parseMeta } from '../../lib/segment/meta.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { roundFloat16, toUint8 } from '../../lib/model/datatype.js';
import { rng } from '../support/collection-harness.js';
import { clientRejection, serveTempStore, type ServedTempStore } from '../support/strata-server.js';

const C = 'multi';
const EXACT = { exact: true };
const SPACES = {
  // int8 per row, rescored with the originals
  colbert: { size: 8, distance: 'Cosine' },
  // originals and graph paged from the store
  paged: { size: 4, distance: 'Dot' },
  // Qdrant's MaxSim sums −l2²; the score is the square root of its magnitude
  geo: { size: 3, distance: 'Euclid' },
} as const;
type Name = keyof typeof SPACES;
const NAMES = Object.keys(SPACES) as Name[];
type Point = { id: number; vector: Partial<Record<Name | 'dense', number[][] | number[]>> };

let strata: ServedTempStore;
let client: QdrantClient;
let svc: StrataCollectionService;
let store: FileSystemStore;
/** the reference: live points' rows by name, as stored (Cosine rows normalized) */
const live = new Map<number, Partial<Record<Name, number[][]>>>();

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const l2sq = (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);

/** Brute-force MaxSim of query rows against a point's rows, in Qdrant's score. */
function maxSimScore(name: Name, query: number[][], rows: number[][]): number {
  const { distance } = SPACES[name];
  const sim = (q: number[], r: number[]) => (distance === 'Euclid' ? -l2sq(q, r) : dot(q, r));
  const qs = distance === 'Cosine' ? query.map(norm) : query;
  const sum = qs.reduce((t, q) => t + Math.max(...rows.map((r) => sim(q, r))), 0);
  return distance === 'Euclid' ? Math.sqrt(-sum) : sum;
}

function reference(name: Name, q: number[][], limit: number): { id: number; score: number }[] {
  const out: { id: number; score: number }[] = [];
  for (const [id, v] of live) {
    const rows = v[name];
    if (rows !== undefined) out.push({ id, score: maxSimScore(name, q, rows) });
  }
  const sign = SPACES[name].distance === 'Euclid' ? 1 : -1;
  return out.sort((a, b) => sign * (a.score - b.score) || a.id - b.id).slice(0, limit);
}

const rowsOf = (r: () => number, size: number, n: number) =>
  Array.from({ length: n }, () => Array.from({ length: size }, () => r() - 0.5));

/** Points with 1–4 rows per name; `geo` on two thirds of them (optional vectors), `dense` on all. */
function makePoints(from: number, to: number, seed: number): Point[] {
  const r = rng(seed);
  const out: Point[] = [];
  for (let id = from; id < to; id++) {
    const vector: Point['vector'] = { dense: Array.from({ length: 4 }, () => r()) };
    vector.colbert = rowsOf(r, 8, 1 + Math.floor(r() * 4));
    // a single row may be given as a dense vector (Qdrant: a multivector of one row)
    const paged = rowsOf(r, 4, 1 + Math.floor(r() * 4));
    vector.paged = paged.length === 1 ? paged[0] : paged;
    if (id % 3 !== 0) vector.geo = rowsOf(r, 3, 1 + Math.floor(r() * 4));
    out.push({ id, vector });
  }
  return out;
}

function remember(points: Point[]): void {
  for (const p of points) {
    const v: Partial<Record<Name, number[][]>> = {};
    for (const n of NAMES) {
      const x = p.vector[n];
      if (x === undefined) continue;
      const rows = Array.isArray(x[0]) ? (x as number[][]) : [x as number[]];
      v[n] = SPACES[n].distance === 'Cosine' ? rows.map(norm) : rows;
    }
    live.set(p.id, v);
  }
}

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

const rejection = clientRejection;

beforeAll(async () => {
  strata = await serveTempStore(3);
  ({ client, store, svc } = strata);
});

afterAll(async () => {
  await strata?.close();
});

async function checkAll(seed: number): Promise<void> {
  const r = rng(seed);
  for (const name of NAMES) {
    for (const rows of [1, 3]) {
      const q = rowsOf(r, SPACES[name].size, rows);
      const want = reference(name, q, 10);
      expect(want.length).toBe(10);
      const got = await client.query(C, { query: q, using: name, limit: 10, params: EXACT });
      expectRanking(got.points, want);
      // the approximate path (HNSW on MaxSim, int8 rows rescored on colbert) finds most of the exact top 10
      const approx = await client.query(C, { query: q, using: name, limit: 10 });
      expect(approx.points.filter((p) => want.some((w) => w.id === p.id)).length).toBeGreaterThanOrEqual(8);
    }
  }
  // a stored multivector comes back as its rows (Cosine rows normalized, as Qdrant stores them)
  const ids = [...live.keys()].slice(0, 8);
  const got = await client.retrieve(C, { ids, with_vector: ['colbert', 'geo'] });
  expect(got.length).toBe(ids.length);
  for (const p of got) {
    const want = live.get(Number(p.id)) as Partial<Record<Name, number[][]>>;
    const v = p.vector as Record<string, number[][]>;
    expect(Object.keys(v).sort()).toEqual((['colbert', 'geo'] as Name[]).filter((n) => want[n] !== undefined));
    for (const n of Object.keys(v) as Name[]) {
      expect(v[n].length).toBe(want[n]?.length);
      v[n].forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo((want[n] as number[][])[i][j], 5)));
    }
  }
}

/** Qdrant's wording for each bad multivector input; nothing is written. */
async function checkBadInput(): Promise<void> {
  const before = (await client.count(C, { exact: true })).count;
  const upsert = (vector: unknown) =>
    rejection(client.upsert(C, { wait: true, points: [{ id: 9999, vector: vector as number[] }] }));
  expect(await upsert({ colbert: [[1, 2, 3]] })).toEqual({
    status: 400,
    error: 'Wrong input: Vector dimension error: expected dim: 8, got 3',
  });
  expect(await upsert({ dense: [[1, 2, 3, 4]] })).toEqual({
    status: 400,
    error: 'Wrong input: Conversion between multi and regular vectors failed',
  });
  const empty = await upsert({ geo: [[]] });
  expect(empty.status).toBe(422);
  expect(empty.error).toContain('all vectors must be non-empty');
  const ragged = await upsert({
    geo: [
      [1, 2, 3],
      [1, 2],
    ],
  });
  expect(ragged.status).toBe(422);
  expect(ragged.error).toContain('all vectors must have the same dimension, found vector with dimension 2');
  expect((await client.retrieve(C, { ids: [9999] })).length).toBe(0);
  expect((await client.count(C, { exact: true })).count).toBe(before);
  const query = await rejection(client.query(C, { query: [[1, 2, 3, 4]], using: 'dense', limit: 3 }));
  expect(query).toEqual({ status: 400, error: 'Wrong input: Conversion between multi and regular vectors failed' });
  const dims = await rejection(
    client.query(C, {
      query: [
        [1, 2, 3, 4],
        [1, 2, 3],
      ],
      using: 'paged',
      limit: 3,
    }),
  );
  expect(dims.status).toBe(422);
}

describe('multivectors (MaxSim) through the official client', () => {
  it('creates multivector names and echoes multivector_config as Qdrant does', async () => {
    const multivector_config = { comparator: 'max_sim' as const };
    expect(
      await client.createCollection(C, {
        vectors: {
          colbert: {
            size: 8,
            distance: 'Cosine',
            multivector_config,
            quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
          },
          paged: { size: 4, distance: 'Dot', multivector_config, on_disk: true, hnsw_config: { on_disk: true } },
          geo: { size: 3, distance: 'Euclid', multivector_config },
          dense: { size: 4, distance: 'Dot' },
        },
        optimizers_config: { default_segment_number: 3, indexing_threshold: 1 },
      }),
    ).toBe(true);
    const info = await client.getCollection(C);
    const vectors = info.config.params.vectors as Record<string, Record<string, unknown>>;
    expect(vectors.geo).toEqual({ size: 3, distance: 'Euclid', on_disk: false, multivector_config });
    expect(vectors.dense).toEqual({ size: 4, distance: 'Dot', on_disk: false });
  });

  it('WAL tail only: MaxSim queries equal brute force', async () => {
    const points = makePoints(0, 400, 1);
    await client.upsert(C, { wait: true, points: points as never });
    remember(points);
    expect((await svc.getCollection(C)).segments_count).toBe(0);
    await checkAll(11);
    await checkBadInput();
  });

  it('sealed into several segments plus a tail of overwrites and deletes, then sealed again', async () => {
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    expect((await svc.getCollection(C)).segments_count).toBeGreaterThan(1);
    // each segment holds the multivector names as rows over inner vectors, with a MaxSim graph each
    const prefix = collectionPrefix('', C);
    for (const seg of (await loadManifest(store, manifestKey(prefix)))?.manifest.segments ?? []) {
      const meta = parseMeta((await store.get(segmentObjectKey(segmentPrefix(prefix, seg.id), META)))?.body);
      expect(meta.format).toBe(MULTI_SEGMENT_FORMAT);
      for (const n of NAMES) {
        expect(meta.spaces[n].multivector?.vectors).toBeGreaterThan(meta.spaces[n].count);
        expect(meta.spaces[n].hnsw).not.toBeNull();
      }
      expect(meta.spaces.colbert.quantization?.type).toBe('int8');
      expect(meta.spaces.paged.tiers).toEqual({ vectorsOnDisk: true, graphOnDisk: true });
      expect(meta.spaces.dense.multivector).toBeUndefined();
    }
    await checkAll(12);
    const tail = makePoints(380, 430, 2).concat(makePoints(20, 50, 3));
    await client.upsert(C, { wait: true, points: tail as never });
    remember(tail);
    await client.delete(C, { wait: true, points: [0, 1, 2, 400] });
    for (const id of [0, 1, 2, 400]) live.delete(id);
    await checkAll(13);
    await checkBadInput();
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(14);
  });

  it('update_vectors replaces a point multivector, before and after sealing', async () => {
    const rows = [
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0, 0, 0],
    ];
    await client.updateVectors(C, { wait: true, points: [{ id: 100, vector: { colbert: rows } }] });
    live.set(100, { ...live.get(100), colbert: rows });
    const [p] = await client.retrieve(C, { ids: [100], with_vector: ['colbert'] });
    expect((p.vector as Record<string, number[][]>).colbert).toEqual(rows);
    // the query holding those rows finds the point first, with the best MaxSim (1 per row)
    const got = await client.query(C, { query: rows, using: 'colbert', limit: 1, params: EXACT });
    expect(got.points[0]).toMatchObject({ id: 100 });
    expect(got.points[0].score).toBeCloseTo(2, 5);
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    const sealed = await client.query(C, { query: rows, using: 'colbert', limit: 1, params: EXACT });
    expect(sealed.points[0]).toMatchObject({ id: 100 });
    await checkAll(15);
  });
});

describe('vector datatypes float16 and uint8', () => {
  const f16 = (x: number) => roundFloat16(x);
  const u8 = (x: number) => toUint8(x);
  const cases = [
    // float16 Cosine: normalized in float32, then stored as float16 (Qdrant's order)
    {
      name: 'half',
      datatype: 'float16' as const,
      distance: 'Cosine' as const,
      store: (v: number[]) => norm(v).map(f16),
    },
    // uint8 Dot: truncated and saturated; the query is converted too
    { name: 'bytes', datatype: 'uint8' as const, distance: 'Dot' as const, store: (v: number[]) => v.map(u8) },
  ];
  for (const c of cases) {
    it(`${c.datatype}: stored values and exact scores follow Qdrant's conversion, before and after sealing`, async () => {
      await client.createCollection(c.name, {
        vectors: { size: 6, distance: c.distance, datatype: c.datatype },
        optimizers_config: { indexing_threshold: 1 },
      });
      expect((await client.getCollection(c.name)).config.params.vectors).toEqual({
        size: 6,
        distance: c.distance,
        on_disk: false,
        datatype: c.datatype,
      });
      const r = rng(c.name.length);
      const raw = new Map<number, number[]>();
      for (let id = 0; id < 200; id++)
        raw.set(
          id,
          Array.from({ length: 6 }, () => (r() - 0.3) * 300),
        );
      await client.upsert(c.name, { wait: true, points: [...raw].map(([id, vector]) => ({ id, vector })) });
      const check = async () => {
        const [p] = await client.retrieve(c.name, { ids: [5], with_vector: true });
        (p.vector as number[]).forEach((x, j) => expect(x).toBeCloseTo(c.store(raw.get(5) as number[])[j], 6));
        const q = Array.from({ length: 6 }, () => (r() - 0.3) * 300);
        const query = c.datatype === 'uint8' ? q.map(u8) : c.store(q);
        const want = [...raw]
          .map(([id, v]) => ({ id, score: dot(c.store(v), query) }))
          .sort((a, b) => b.score - a.score || a.id - b.id)
          .slice(0, 10);
        const got = await client.query(c.name, { query: q, limit: 10, params: EXACT });
        expect(got.points.map((g) => g.id)).toEqual(want.map((w) => w.id));
        got.points.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, c.datatype === 'uint8' ? 0 : 3));
      };
      await check();
      await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(c.name);
      expect((await svc.getCollection(c.name)).segments_count).toBeGreaterThan(0);
      await check();
    });
  }
});
