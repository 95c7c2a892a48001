/**
 * Named vectors through the official `@qdrant/js-client-rest` against the real service (filesystem store,
 * in-process segment searches): a collection whose vectors are a map of names, each with its own size, distance,
 * tier (`on_disk`) and HNSW / quantization overrides. Points may lack names (optional vectors).
 *
 * Every check runs twice: first with every point still in the WAL tail, then with the data sealed into several
 * segments AND a new tail (overwrites that change which names a point holds, new points, deletes) on top, so each
 * answer merges both and honours shadowing (§4.2). Searches run with `exact: true` and compare id for id with a
 * brute-force reference over the same points (scores to 1e-4).
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { parseMeta, type SegmentMeta } from '../../lib/segment/meta.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import {
  clientRejection,
  serveTempStore,
  type ServedTempStore,
  type LegacyQdrantClient,
} from '../support/strata-server.js';

const C = 'named';
const EXACT = { exact: true };
/** name -> (size, distance): Qdrant's score is a similarity for Cosine/Dot and a distance for Euclid */
const SPACES = {
  image: { size: 8, distance: 'Cosine' },
  text: { size: 4, distance: 'Dot' },
  geo: { size: 3, distance: 'Euclid' },
} as const;
type Name = keyof typeof SPACES;
const NAMES = Object.keys(SPACES) as Name[];
type Vectors = Partial<Record<Name, number[]>>;

let strata: ServedTempStore;
let client: QdrantClient;
let client118: LegacyQdrantClient;
let svc: StrataCollectionService;
let store: FileSystemStore;
/** the reference: live points' vectors by id, as stored (Cosine normalized) */
const live = new Map<number, Vectors>();

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const euclid = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));

/** Which names point `id` holds in generation `gen`: image on most, text on evens, geo on multiples of 3. */
function makePoints(from: number, to: number, seed: number, gen = 0): { id: number; vector: Vectors }[] {
  const r = rng(seed);
  const out = [];
  for (let id = from; id < to; id++) {
    const vector: Vectors = {};
    if ((id + gen) % 5 !== 0) vector.image = Array.from({ length: 8 }, () => r() - 0.5);
    if ((id + gen) % 2 === 0) vector.text = Array.from({ length: 4 }, () => r() - 0.5);
    if ((id + gen) % 3 === 0 || Object.keys(vector).length === 0) vector.geo = Array.from({ length: 3 }, () => r());
    out.push({ id, vector });
  }
  return out;
}

function remember(points: { id: number; vector: Vectors }[]): void {
  for (const p of points) {
    live.set(p.id, { ...p.vector, ...(p.vector.image ? { image: norm(p.vector.image) } : {}) });
  }
}

/** Brute force over the live points holding `name`, best first. */
function reference(name: Name, q: number[], limit: number): { id: number; score: number }[] {
  const { distance } = SPACES[name];
  const query = distance === 'Cosine' ? norm(q) : q;
  const out: { id: number; score: number }[] = [];
  for (const [id, v] of live) {
    const x = v[name];
    if (x === undefined) continue;
    out.push({ id, score: distance === 'Euclid' ? euclid(x, query) : dot(x, query) });
  }
  const sign = distance === 'Euclid' ? 1 : -1;
  return out.sort((a, b) => sign * (a.score - b.score) || a.id - b.id).slice(0, limit);
}

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

const close = (got: unknown, want: number[] | undefined) => {
  expect(Array.isArray(got)).toBe(true);
  (got as number[]).forEach((x, i) => expect(x).toBeCloseTo((want as number[])[i], 5));
  expect((got as number[]).length).toBe(want?.length);
};

const rejection = clientRejection;

const queries = (seed: number) => {
  const r = rng(seed);
  return Object.fromEntries(NAMES.map((n) => [n, Array.from({ length: SPACES[n].size }, () => r() - 0.5)])) as Record<
    Name,
    number[]
  >;
};

beforeAll(async () => {
  strata = await serveTempStore(3);
  ({ client, client118, store, svc } = strata);
});

afterAll(async () => {
  await strata?.close();
});

/** The checks both phases run: every name queried (query API and legacy search), with_vector by names. */
async function checkAll(seed: number): Promise<void> {
  const q = queries(seed);
  for (const name of NAMES) {
    const want = reference(name, q[name], 10);
    expect(want.length).toBe(10);
    const got = await client.query(C, { query: q[name], using: name, limit: 10, params: EXACT });
    expectRanking(got.points, want);
    const legacy = await client118.search(C, { vector: { name, vector: q[name] }, limit: 10, params: EXACT });
    expectRanking(legacy, want);
    // the approximate path (HNSW / int8 per that vector's config) finds most of the exact top 10
    const approx = await client.query(C, { query: q[name], using: name, limit: 10 });
    const hits = approx.points.filter((p) => want.some((w) => w.id === p.id)).length;
    expect(hits).toBeGreaterThanOrEqual(8);
  }
  // a scored form (recommend sum_scores) runs in the workers over the vector it names, examples by vector and by id
  for (const name of ['text', 'image'] as const) {
    const r = rng(seed + 100);
    const ex = () => Array.from({ length: SPACES[name].size }, () => r() - 0.5);
    const holder = [...live.keys()].find((id) => live.get(id)?.[name] !== undefined) as number;
    const pos = [ex(), (live.get(holder) as Vectors)[name] as number[]];
    const neg = [ex()];
    const prep = (v: number[]) => (SPACES[name].distance === 'Cosine' ? norm(v) : v);
    const score = (x: number[]) =>
      pos.reduce((t, v) => t + dot(x, prep(v)), 0) - neg.reduce((t, v) => t + dot(x, prep(v)), 0);
    const want: { id: number; score: number }[] = [];
    for (const [id, v] of live) {
      const x = v[name];
      if (x !== undefined && id !== holder) want.push({ id, score: score(x) });
    }
    want.sort((a, b) => b.score - a.score || a.id - b.id);
    const got = await client.query(C, {
      query: { recommend: { positive: [pos[0], holder], negative: neg, strategy: 'sum_scores' } },
      using: name,
      limit: 10,
      params: EXACT,
    });
    expectRanking(got.points, want.slice(0, 10));
  }
  // with_vector as a list of names: only those names, and only the ones a point holds
  const ids = [...live.keys()].slice(0, 12);
  const got = await client.retrieve(C, { ids, with_vector: ['text', 'geo'], with_payload: false });
  expect(got.map((p) => p.id).sort((a, b) => Number(a) - Number(b))).toEqual([...ids].sort((a, b) => a - b));
  for (const p of got) {
    const want = live.get(Number(p.id)) as Vectors;
    const v = p.vector as Record<string, number[]>;
    expect(Object.keys(v).sort()).toEqual((['geo', 'text'] as Name[]).filter((n) => want[n] !== undefined));
    for (const n of Object.keys(v)) close(v[n], want[n as Name]);
  }
  // with_vector: true answers every name the point holds
  const all = await client.retrieve(C, { ids: ids.slice(0, 4), with_vector: true });
  for (const p of all) {
    const want = live.get(Number(p.id)) as Vectors;
    expect(Object.keys(p.vector as object).sort()).toEqual(NAMES.filter((n) => want[n] !== undefined).sort());
  }
  // a search over one name returns the listed vectors of its hits
  const withVec = await client.query(C, { query: q.text, using: 'text', limit: 3, with_vector: ['image'] });
  for (const p of withVec.points) {
    const want = live.get(Number(p.id)) as Vectors;
    if (want.image === undefined) expect(p.vector).toEqual({});
    else close((p.vector as Record<string, number[]>).image, want.image);
  }
}

/** Bad input is refused with Qdrant's status and message, and writes nothing. */
async function checkBadInput(): Promise<void> {
  const before = (await client.count(C, { exact: true })).count;
  const unknown = await rejection(client.upsert(C, { wait: true, points: [{ id: 9999, vector: { nope: [1, 2] } }] }));
  expect(unknown).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
  const wrongSize = await rejection(
    client.upsert(C, {
      wait: true,
      points: [
        { id: 9998, vector: { image: [1, 2, 3, 4, 5, 6, 7, 8] } },
        { id: 9999, vector: { image: [1, 2, 3, 4, 5, 6, 7, 8], text: [1, 2, 3] } },
      ],
    }),
  );
  expect(wrongSize).toEqual({ status: 400, error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' });
  const unnamed = await rejection(client.upsert(C, { wait: true, points: [{ id: 9999, vector: [1, 2, 3] }] }));
  expect(unnamed).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: ' });
  expect((await client.retrieve(C, { ids: [9998, 9999] })).length).toBe(0);
  expect((await client.count(C, { exact: true })).count).toBe(before);
  const query = await rejection(client.query(C, { query: [1, 2, 3], using: 'nope', limit: 3 }));
  expect(query).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
  const size = await rejection(client.query(C, { query: [1, 2, 3], using: 'text', limit: 3 }));
  expect(size).toEqual({ status: 400, error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' });
  const legacy = await rejection(client118.search(C, { vector: { name: 'nope', vector: [1, 2, 3] }, limit: 3 }));
  expect(legacy.status).toBe(400);
  expect(legacy.error).toContain('Not existing vector name error: nope');
}

describe('named vectors through the official client', () => {
  it('creates a collection with a map of names, and echoes each vector config as Qdrant does', async () => {
    expect(
      await client.createCollection(C, {
        vectors: {
          image: { size: 8, distance: 'Cosine' },
          text: { size: 4, distance: 'Dot', on_disk: true, hnsw_config: { m: 8, on_disk: true } },
          geo: {
            size: 3,
            distance: 'Euclid',
            quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
          },
        },
        hnsw_config: { m: 16, ef_construct: 100 },
        optimizers_config: { default_segment_number: 3, indexing_threshold: 1 },
      }),
    ).toBe(true);
    const info = await client.getCollection(C);
    expect(info.config.params.vectors).toEqual({
      image: { size: 8, distance: 'Cosine', on_disk: false },
      text: { size: 4, distance: 'Dot', hnsw_config: { m: 8, on_disk: true }, on_disk: true },
      geo: {
        size: 3,
        distance: 'Euclid',
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        on_disk: false,
      },
    });
  });

  it('WAL tail only: upserts (list and batch forms, names left out) are queried per name', async () => {
    const list = makePoints(0, 300, 1);
    await client.upsert(C, { wait: true, points: list.slice(0, 200) });
    // the batch form carries every name of the chunk for every point: give the names all its points hold
    const chunk = list.slice(200).filter((p) => p.vector.image && p.vector.geo && !p.vector.text);
    const rest = list.slice(200).filter((p) => !chunk.includes(p));
    await client.upsert(C, {
      wait: true,
      batch: {
        ids: chunk.map((p) => p.id),
        vectors: {
          image: chunk.map((p) => p.vector.image as number[]),
          geo: chunk.map((p) => p.vector.geo as number[]),
        },
      },
    });
    await client.upsert(C, { wait: true, points: rest });
    remember(list);
    expect((await svc.getCollection(C)).segments_count).toBe(0);
    await checkAll(11);
    await checkBadInput();
  });

  it('sealed into several segments plus a new tail (names added and dropped by overwrites, deletes)', async () => {
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    expect((await svc.getCollection(C)).segments_count).toBeGreaterThan(1);
    await checkAll(12);
    // overwrites replace a point whole: generation 1 gives these ids other names
    const tail = [...makePoints(280, 330, 2, 1), ...makePoints(10, 40, 3, 1)];
    await client.upsert(C, { wait: true, points: tail });
    remember(tail);
    await client.delete(C, { wait: true, points: [0, 1, 2, 300] });
    for (const id of [0, 1, 2, 300]) live.delete(id);
    await checkAll(13);
    await checkBadInput();
    // and once more after that tail is sealed too
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(14);
  });

  it('lookup_from takes the example vector by name from another named collection', async () => {
    // 'other' names its 4-d vector 'emb'; the query searches this collection's 'text' (also 4-d) with it
    await client.createCollection('other', { vectors: { emb: { size: 4, distance: 'Dot' } } });
    const example = [0.3, -0.2, 0.5, 0.1];
    await client.upsert('other', { wait: true, points: [{ id: 7, vector: { emb: example } }] });
    const got = await client.query(C, {
      query: 7,
      using: 'text',
      lookup_from: { collection: 'other', vector: 'emb' },
      limit: 10,
      params: EXACT,
    });
    // an id looked up elsewhere is not excluded here (point 7 of this collection may rank)
    expectRanking(got.points, reference('text', example, 10));
    expect(
      await rejection(
        client.query(C, { query: 7, using: 'text', lookup_from: { collection: 'other', vector: 'nope' } }),
      ),
    ).toEqual({
      status: 400,
      error: 'Wrong input: Not existing vector name error: nope',
    });
    await client.deleteCollection('other');
  });

  it('update_vectors and delete_vectors on sealed points and on the WAL tail, kept across a seal', async () => {
    // after the previous test every point is sealed
    const t = [0.5, -0.25, 0.125, 1];
    const g = [0.1, 0.2, 0.3];
    await client.updateVectors(C, {
      wait: true,
      points: [
        { id: 100, vector: { text: t } },
        { id: 101, vector: { geo: g, image: [1, 0, 0, 0, 0, 0, 0, 0] } },
      ],
    });
    live.set(100, { ...live.get(100), text: t });
    live.set(101, { ...live.get(101), geo: g, image: [1, 0, 0, 0, 0, 0, 0, 0] });
    await client.deleteVectors(C, { wait: true, points: [102, 103, 99_999], vector: ['image'] });
    for (const id of [102, 103]) {
      const { image: _, ...rest } = live.get(id) as Vectors;
      live.set(id, rest);
    }
    const got = await client.retrieve(C, { ids: [100, 101, 102, 103], with_vector: true });
    for (const p of got) {
      const want = live.get(Number(p.id)) as Vectors;
      const v = p.vector as Record<string, number[]>;
      expect(Object.keys(v).sort()).toEqual(NAMES.filter((n) => want[n] !== undefined).sort());
      for (const n of Object.keys(v)) close(v[n], want[n as Name]);
    }
    await checkAll(15);
    // point 100 now lives in the WAL tail: change it there
    await client.deleteVectors(C, { wait: true, points: [100], vector: ['text', 'geo'] });
    const { text: _t, geo: _g, ...rest100 } = live.get(100) as Vectors;
    const kept: Vectors = rest100;
    live.set(100, kept);
    expect(
      Object.keys((await client.retrieve(C, { ids: [100], with_vector: true }))[0].vector as object).sort(),
    ).toEqual(NAMES.filter((n) => kept[n] !== undefined).sort());

    // refused whole: a missing point (404), an unknown name or a wrong size (400); nothing written
    const missing = await rejection(
      client.updateVectors(C, {
        wait: true,
        points: [
          { id: 104, vector: { text: [9, 9, 9, 9] } },
          { id: 99_999, vector: { text: [1, 1, 1, 1] } },
        ],
      }),
    );
    expect(missing).toEqual({ status: 404, error: 'Not found: No point with id 99999 found' });
    const badName = await rejection(client.deleteVectors(C, { wait: true, points: [104], vector: ['nope'] }));
    expect(badName).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
    const badSize = await rejection(
      client.updateVectors(C, { wait: true, points: [{ id: 104, vector: { geo: [1, 2] } }] }),
    );
    expect(badSize).toEqual({ status: 400, error: 'Wrong input: Vector dimension error: expected dim: 3, got 2' });
    const p104 = (await client.retrieve(C, { ids: [104], with_vector: true }))[0].vector as Record<string, number[]>;
    for (const n of NAMES) {
      if (live.get(104)?.[n] === undefined) expect(p104[n]).toBeUndefined();
      else close(p104[n], live.get(104)?.[n]);
    }
    await checkAll(16);
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(17);
  });

  it('upsert update_mode: insert_only keeps existing points, update_only never inserts', async () => {
    const before = (await client.count(C, { exact: true })).count;
    await client.upsert(C, {
      wait: true,
      update_mode: 'insert_only',
      points: [
        { id: 105, vector: { geo: [5, 5, 5] } },
        { id: 5000, vector: { geo: [5, 5, 5] } },
      ],
    });
    await client.upsert(C, {
      wait: true,
      update_mode: 'update_only',
      points: [
        { id: 106, vector: { geo: [6, 6, 6] } },
        { id: 5001, vector: { geo: [6, 6, 6] } },
      ],
    });
    live.set(5000, { geo: [5, 5, 5] });
    live.set(106, { geo: [6, 6, 6] });
    expect((await client.count(C, { exact: true })).count).toBe(before + 1);
    const got = await client.retrieve(C, { ids: [105, 106, 5000, 5001], with_vector: true });
    expect(got.map((p) => Number(p.id)).sort((a, b) => a - b)).toEqual([105, 106, 5000]);
    for (const p of got) {
      const want = live.get(Number(p.id)) as Vectors;
      const v = p.vector as Record<string, number[]>;
      expect(Object.keys(v).sort()).toEqual(NAMES.filter((n) => want[n] !== undefined).sort());
      for (const n of Object.keys(v)) close(v[n], want[n as Name]);
    }
    await checkAll(18);
  });

  it('update_filter: upsert and update_vectors change only the existing points it matches; new points still land', async () => {
    await client.upsert(C, {
      wait: true,
      points: [
        { id: 6000, vector: { geo: [1, 1, 1] }, payload: { tier: 'gold' } },
        { id: 6001, vector: { geo: [1, 1, 1] }, payload: { tier: 'free' } },
      ],
    });
    const gold = { must: [{ key: 'tier', match: { value: 'gold' } }] };
    await client.upsert(C, {
      wait: true,
      update_filter: gold,
      points: [
        { id: 6000, vector: { geo: [2, 2, 2] }, payload: { tier: 'gold', n: 1 } },
        { id: 6001, vector: { geo: [2, 2, 2] }, payload: { tier: 'free', n: 1 } },
        { id: 6002, vector: { geo: [2, 2, 2] } },
      ],
    });
    // the official client drops update_filter from update_vectors: the REST body carries it
    const res = await fetch(`${strata.url}/collections/${C}/points/vectors?wait=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        update_filter: gold,
        points: [
          { id: 6000, vector: { text: [1, 0, 0, 0] } },
          { id: 6001, vector: { text: [1, 0, 0, 0] } },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const got = await client.retrieve(C, { ids: [6000, 6001, 6002], with_vector: true, with_payload: true });
    const byId = new Map(got.map((p) => [Number(p.id), p]));
    expect(byId.get(6000)?.payload).toEqual({ tier: 'gold', n: 1 });
    expect(byId.get(6000)?.vector).toEqual({ geo: [2, 2, 2], text: [1, 0, 0, 0] });
    expect(byId.get(6001)?.payload).toEqual({ tier: 'free' });
    expect(byId.get(6001)?.vector).toEqual({ geo: [1, 1, 1] });
    expect(byId.get(6002)?.vector).toEqual({ geo: [2, 2, 2] });
    live.set(6000, { geo: [2, 2, 2], text: [1, 0, 0, 0] });
    live.set(6001, { geo: [1, 1, 1] });
    live.set(6002, { geo: [2, 2, 2] });
    await checkAll(19);
  });

  it('POST points/batch: operations in order over sealed and new points, one WAL record; a refused one writes nothing', async () => {
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    const walObjects = async () => (await store.list('')).filter((e) => e.key.includes('/wal/')).length;
    const walBefore = await walObjects();
    const img = [0.5, 0.5, 0, 0, 0, 0, 0, -0.5];
    const t = [0.3, 0.1, -0.2, 0.4];
    const tagged = (v: string) => ({ must: [{ key: 'tag', match: { value: v } }] });
    const results = await client.batchUpdate(C, {
      wait: true,
      operations: [
        {
          upsert: {
            points: [
              { id: 7000, vector: { image: img, text: t }, payload: { k: 1 } },
              { id: 7001, vector: { geo: [3, 3, 3] } },
            ],
          },
        },
        { set_payload: { payload: { tag: 'x' }, points: [7000, 150] } },
        { update_vectors: { points: [{ id: 7001, vector: { text: [0, 1, 0, 0] } }] } },
        { delete_vectors: { points: [7000], vector: ['image'] } },
        // the filter sees the payloads the earlier operations set (150 is sealed, 7000 only in this batch)
        { overwrite_payload: { payload: { tag: 'y' }, filter: tagged('x') } },
        { delete: { points: [151] } },
        { upsert: { update_mode: 'insert_only', points: [{ id: 7001, vector: { geo: [9, 9, 9] } }] } },
        { clear_payload: { points: [7001] } },
        { delete_payload: { keys: ['k'], points: [7000] } },
      ],
    });
    expect(results).toHaveLength(9);
    for (const r of results) expect(r.status).toBe('completed');
    // each operation has its own operation_id, growing in order, as Qdrant applies them one by one
    const opIds = results.map((r) => r.operation_id as number);
    for (let k = 1; k < opIds.length; k++) expect(opIds[k]).toBeGreaterThan(opIds[k - 1]);
    expect(await walObjects()).toBe(walBefore + 1);
    const got = await client.retrieve(C, { ids: [7000, 7001, 150, 151], with_vector: true, with_payload: true });
    const byId = new Map(got.map((p) => [Number(p.id), p]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([150, 7000, 7001]);
    expect(byId.get(7000)?.payload).toEqual({ tag: 'y' });
    expect(Object.keys(byId.get(7000)?.vector as object)).toEqual(['text']);
    close((byId.get(7000)?.vector as Record<string, number[]> | undefined)?.text, t);
    expect(byId.get(7001)?.payload).toEqual({});
    expect(byId.get(7001)?.vector).toEqual({ geo: [3, 3, 3], text: [0, 1, 0, 0] });
    expect(byId.get(150)?.payload).toEqual({ tag: 'y' });
    live.set(7000, { text: t });
    live.set(7001, { geo: [3, 3, 3], text: [0, 1, 0, 0] });
    live.delete(151);
    await checkAll(20);

    // atomic: the last operation is refused, so the first is not written either
    const count = (await client.count(C, { exact: true })).count;
    const missing = await rejection(
      client.batchUpdate(C, {
        wait: true,
        operations: [
          { upsert: { points: [{ id: 7002, vector: { geo: [1, 2, 3] } }] } },
          { delete: { points: [7000] } },
          { update_vectors: { points: [{ id: 99_999, vector: { geo: [1, 2, 3] } }] } },
        ],
      }),
    );
    expect(missing).toEqual({ status: 404, error: 'Not found: No point with id 99999 found' });
    const badName = await rejection(
      client.batchUpdate(C, {
        wait: true,
        operations: [
          { upsert: { points: [{ id: 7002, vector: { geo: [1, 2, 3] } }] } },
          { delete_vectors: { points: [7000], vector: ['nope'] } },
        ],
      }),
    );
    expect(badName).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
    const badSize = await rejection(
      client.batchUpdate(C, {
        wait: true,
        operations: [{ delete: { points: [7000] } }, { upsert: { points: [{ id: 7002, vector: { geo: [1, 2] } }] } }],
      }),
    );
    expect(badSize).toEqual({ status: 400, error: 'Wrong input: Vector dimension error: expected dim: 3, got 2' });
    expect(await walObjects()).toBe(walBefore + 1);
    expect((await client.count(C, { exact: true })).count).toBe(count);
    expect((await client.retrieve(C, { ids: [7000, 7002] })).map((p) => p.id)).toEqual([7000]);
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    await checkAll(21);
  });

  it('PATCH per vector: each name keeps its own on_disk, hnsw_config and quantization; the optimizer rebuilds', async () => {
    const scalar = { type: 'int8' as const, quantile: 0.95, always_ram: true };
    expect(
      await client.updateCollection(C, {
        vectors: { text: { on_disk: false, hnsw_config: { m: 4 } }, image: { quantization_config: { scalar } } },
      }),
    ).toBe(true);
    const vectors = (await client.getCollection(C)).config.params.vectors;
    expect(vectors).toEqual({
      image: { size: 8, distance: 'Cosine', quantization_config: { scalar }, on_disk: false },
      text: { size: 4, distance: 'Dot', hnsw_config: { m: 4, on_disk: true }, on_disk: false },
      geo: {
        size: 3,
        distance: 'Euclid',
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        on_disk: false,
      },
    });
    const unknown = await rejection(client.updateCollection(C, { vectors: { nope: { on_disk: true } } }));
    expect(unknown).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
    expect((await client.getCollection(C)).config.params.vectors).toEqual(vectors);

    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    const prefix = collectionPrefix('', C);
    const m = (await loadManifest(store, manifestKey(prefix)))?.manifest;
    expect(m?.segments.length).toBeGreaterThan(1);
    for (const seg of m?.segments ?? []) {
      const got = await store.get(segmentObjectKey(segmentPrefix(prefix, seg.id), META));
      const meta: SegmentMeta = parseMeta(got?.body);
      expect(meta.spaces.text.tiers).toEqual({ vectorsOnDisk: false, graphOnDisk: true });
      if (meta.spaces.text.hnsw !== null) expect(meta.spaces.text.hnsw.m).toBe(4);
      expect(meta.spaces.image.quantization?.quantile).toBe(Math.fround(0.95));
      expect(meta.spaces.geo.quantization?.quantile).toBe(Math.fround(0.99));
    }
    // the dashboard's layout shows each name's objects in that name's tiers
    const layout = await svc.segmentLayout(C);
    for (const seg of layout.segments) {
      const tier = (name: string) => seg.objects.find((o) => o.name === name)?.tier;
      expect(tier('vectors/text/vectors')).toBe('RAM');
      if (seg.build?.vectors?.text.m) expect(tier('vectors/text/graph')).toBe('S3 pages');
      expect(tier('vectors/image/quantized')).toBe('RAM');
    }
    expect(layout.segments.some((s) => s.objects.some((o) => o.name === 'vectors/text/graph'))).toBe(true);
    await checkAll(22);
  });
});
