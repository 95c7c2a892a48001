import { afterEach, describe, expect, it } from 'vitest';
import { optimize } from '../../../lib/collection/optimizer.js';
import { snapshotOf } from '../../../lib/collection/context.js';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import type { PointId } from '../../../lib/model/point-id.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { config, directInvoker, randomVectors, rng, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(segments = 2) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const invoker = directInvoker(t.store, 3);
  const svc = service(t.store, invoker);
  return { ...t, invoker, svc, segments };
}

function q(vector: number[], limit: number, extra: Partial<QueryRequest> = {}): QueryRequest {
  return { vector, limit, offset: 0, params: { exact: true }, with_payload: true, with_vector: false, ...extra };
}

type Model = Map<PointId, { vector: number[]; payload: Record<string, unknown> }>;

function bruteForce(model: Model, query: number[], k: number): { id: PointId; score: number }[] {
  return [...model]
    .map(([id, p]) => ({ id, score: Math.sqrt(p.vector.reduce((s, x, i) => s + (x - query[i]) ** 2, 0)) }))
    .sort((a, b) => a.score - b.score || (a.id as number) - (b.id as number))
    .slice(0, k);
}

async function checkAgainstModel(svc: ReturnType<typeof setup>['svc'], model: Model, seed: number) {
  const [query] = randomVectors(1, DIM, seed);
  const got = await svc.query('c', q(query, 10));
  const want = bruteForce(model, query, 10);
  expect(got.map((p) => p.id)).toEqual(want.map((p) => p.id));
  got.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 4));
  for (const p of got) expect(p.payload).toEqual(model.get(p.id)?.payload);
  expect(await svc.count('c', undefined, true)).toBe(model.size);
  const scrolled = await svc.scroll('c', { limit: 1000, with_payload: false, with_vector: true });
  expect(scrolled.points.map((p) => p.id)).toEqual([...model.keys()].sort((a, b) => (a as number) - (b as number)));
  for (const p of scrolled.points) {
    const m = model.get(p.id)!;
    (p.vector as number[]).forEach((x, i) => expect(x).toBeCloseTo(m.vector[i], 5));
  }
  expect((await svc.getCollection('c')).points_count).toBe(model.size);
}

describe('read your writes', () => {
  it('reuses the folded WAL tail while the manifest and the listing are unchanged, and refolds after a write', async () => {
    const { svc } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid'));
    const vs = randomVectors(11, DIM, 5);
    await svc.upsertPoints(
      'c',
      vs.slice(0, 10).map((v, i) => ({ id: i, vector: v })),
      true,
    );
    const first = await snapshotOf(svc.ctx, 'c');
    const again = await snapshotOf(svc.ctx, 'c');
    expect(again.tail).toBe(first.tail);
    expect(first.tail.entries.size).toBe(10);
    await svc.upsertPoints('c', [{ id: 10, vector: vs[10] }], true);
    const after = await snapshotOf(svc.ctx, 'c');
    expect(after.tail).not.toBe(first.tail);
    expect(after.tail.entries.size).toBe(11);
    expect(first.tail.entries.size).toBe(10);
  });

  it('shares winners while the tail and manifest stand; a tail larger than the limit ranks as brute force', async () => {
    // the tail keeps only its best `limit` per query (query.ts); winners are resolved once per (manifest, tail)
    const { svc } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid'));
    const vecs = randomVectors(200, DIM, 9);
    const model: Model = new Map();
    await svc.upsertPoints(
      'c',
      vecs.map((v, i) => ({ id: i, vector: v, payload: { even: i % 2 === 0 } })),
      true,
    );
    vecs.forEach((v, i) => model.set(i, { vector: v, payload: { even: i % 2 === 0 } }));
    const first = await snapshotOf(svc.ctx, 'c');
    expect((await snapshotOf(svc.ctx, 'c')).winners).toBe(first.winners);
    const evens: Model = new Map([...model].filter(([, p]) => p.payload.even === true));
    const filter = { must: [{ key: 'even', match: { value: true } }] };
    for (const seed of [1, 2]) {
      const [query] = randomVectors(1, DIM, 300 + seed);
      const all = await svc.query('c', q(query, 7));
      expect(all.map((p) => p.id)).toEqual(bruteForce(model, query, 7).map((p) => p.id));
      const even = await svc.query('c', q(query, 5, { filter }));
      expect(even.map((p) => p.id)).toEqual(bruteForce(evens, query, 5).map((p) => p.id));
    }
    // a write: new winners, and the moved point ranks where its new vector puts it
    const [query] = randomVectors(1, DIM, 400);
    await svc.upsertPoints('c', [{ id: 3, vector: query, payload: { even: false } }], true);
    model.set(3, { vector: query, payload: { even: false } });
    expect((await snapshotOf(svc.ctx, 'c')).winners).not.toBe(first.winners);
    const got = await svc.query('c', q(query, 7));
    expect(got[0].id).toBe(3);
    expect(got.map((p) => p.id)).toEqual(bruteForce(model, query, 7).map((p) => p.id));
  });

  it('sees WAL-only points, then the same points after sealing, exactly', async () => {
    const { svc, store } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2 }));
    const vecs = randomVectors(30, DIM, 1);
    const model: Model = new Map();
    await svc.upsertPoints(
      'c',
      vecs.map((v, i) => ({ id: i, vector: v, payload: { i } })),
      true,
    );
    vecs.forEach((v, i) => model.set(i, { vector: v, payload: { i } }));
    await checkAgainstModel(svc, model, 100);
    const r = await optimize(store, collectionPrefix('', 'c'), { skipGc: true });
    expect(r.added).toHaveLength(2);
    expect((await svc.getCollection('c')).segments_count).toBe(2);
    await checkAgainstModel(svc, model, 101);
  });

  it('a newer write shadows a sealed copy; deletes hide sealed and WAL points; random ops match a model', async () => {
    const { svc, store } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid', { segments: 3 }));
    const r = rng(7);
    const model: Model = new Map();
    let vseed = 1000;
    for (let step = 0; step < 14; step++) {
      const action = step % 5 === 4 ? 'optimize' : r() < 0.7 ? 'upsert' : 'delete';
      if (action === 'optimize') {
        await optimize(store, collectionPrefix('', 'c'), { skipGc: true });
      } else if (action === 'upsert') {
        const n = 1 + Math.floor(r() * 12);
        const ids = Array.from({ length: n }, () => Math.floor(r() * 40));
        const vecs = randomVectors(n, DIM, vseed++);
        await svc.upsertPoints(
          'c',
          ids.map((id, i) => ({ id, vector: vecs[i], payload: { step, id } })),
          true,
        );
        ids.forEach((id, i) => model.set(id, { vector: vecs[i], payload: { step, id } }));
      } else {
        const ids = Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * 40));
        await svc.deletePoints('c', { points: ids }, true);
        for (const id of ids) model.delete(id);
      }
      await checkAgainstModel(svc, model, 2000 + step);
    }
    const info = await svc.getCollection('c');
    expect(info.segments_count).toBeLessThanOrEqual(3);
  });

  it('payload updates and deletes by filter resolve against the current state', async () => {
    const { svc, store } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid'));
    const vecs = randomVectors(10, DIM, 3);
    await svc.upsertPoints(
      'c',
      vecs.map((v, i) => ({ id: i, vector: v, payload: { color: i % 2 ? 'red' : 'blue', n: i } })),
      true,
    );
    await optimize(store, collectionPrefix('', 'c'), { skipGc: true });
    await svc.setPayload('c', { tag: 'x' }, { points: [1, 2] }, true);
    await svc.deletePayload('c', ['n'], { points: [2] }, true);
    await svc.overwritePayload('c', { only: true }, { points: [3] }, true);
    await svc.clearPayload('c', { points: [4] }, true);
    await svc.deletePoints('c', { filter: { must: [{ key: 'color', match: { value: 'red' } }] } }, true);
    const got = await svc.getPoints('c', [0, 1, 2, 3, 4, 6], true, true);
    // 3 lost its color to the overwrite, so the filter does not select it
    expect(got.map((p) => p.id)).toEqual([0, 2, 3, 4, 6]);
    expect(got.find((p) => p.id === 3)?.payload).toEqual({ only: true });
    expect(got.find((p) => p.id === 2)?.payload).toEqual({ color: 'blue', tag: 'x' });
    expect(got.find((p) => p.id === 4)?.payload).toEqual({});
    const v2 = got.find((p) => p.id === 2)?.vector as number[];
    v2.forEach((x, i) => expect(x).toBeCloseTo(vecs[2][i], 5));
    // blue: 0, 2, 6, 8 (4 was cleared)
    expect(await svc.count('c', { must: [{ key: 'color', match: { value: 'blue' } }] }, true)).toBe(4);
    await optimize(store, collectionPrefix('', 'c'), { skipGc: true });
    expect(await svc.count('c', undefined, true)).toBe(6);
    expect((await svc.getPoints('c', [2], true, false))[0].payload).toEqual({ color: 'blue', tag: 'x' });
  });

  it('rejects a bad batch whole and writes nothing', async () => {
    const { svc, store } = setup();
    await svc.createCollection('c', config(DIM, 'Euclid'));
    const good = randomVectors(2, DIM, 5);
    await expect(
      svc.upsertPoints(
        'c',
        [
          { id: 1, vector: good[0] },
          { id: 2, vector: good[1].slice(1) },
        ],
        true,
      ),
    ).rejects.toMatchObject({ kind: 'invalid', message: expect.stringContaining('expected dim: 8, got 7') });
    await expect(svc.upsertPoints('c', [{ id: -1, vector: good[0] }], true)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(svc.upsertPoints('c', [{ id: 1, vector: good[0].map(() => Number.NaN) }], true)).rejects.toMatchObject(
      { kind: 'invalid' },
    );
    expect(await store.list(`${collectionPrefix('', 'c')}/wal/`)).toEqual([]);
    await expect(svc.upsertPoints('nope', [{ id: 1, vector: good[0] }], true)).rejects.toMatchObject({
      kind: 'not_found',
    });
    await expect(svc.createCollection('c', config(DIM))).rejects.toMatchObject({ kind: 'conflict' });
    await expect(svc.createCollection('a/b', config(DIM))).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('a re-created collection ignores WAL objects its earlier incarnation left behind', async () => {
    const { svc, store } = setup();
    const C = collectionPrefix('', 'c');
    await svc.createCollection('c', config(DIM, 'Euclid'));
    await svc.upsertPoints(
      'c',
      randomVectors(3, DIM, 9).map((v, i) => ({ id: i, vector: v })),
      true,
    );
    const [left] = await store.list(`${C}/wal/`);
    const bytes = (await store.get(left.key))!.body;
    expect(await svc.deleteCollection('c')).toBe(true);
    expect(await svc.collectionExists('c')).toBe(false);
    await svc.createCollection('c', config(DIM, 'Euclid'));
    // still there: the delete left it to the background purge (collection-delete.ts), which has not run
    expect((await store.get(left.key))?.body).toEqual(bytes);
    expect(await svc.count('c', undefined, true)).toBe(0);
    await optimize(store, C, { skipGc: true });
    expect(await svc.count('c', undefined, true)).toBe(0);
    expect(await svc.listCollections()).toEqual(['c']);
  });
});
