import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { Filter } from '../../../lib/model/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 4;
const N = 400;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const payloadOf = (i: number) => ({ tenant: `t${i % 10}`, n: i, other: i % 4 });

/** Keys of the whole-object GETs a store serves (a ranged GET reads a part: the payload's offset head). */
function spying(store: ObjectStore): { store: ObjectStore; keys: string[] } {
  const keys: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'get' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (key: string, options?: { range?: unknown }) => {
        if (options?.range === undefined) keys.push(key);
        return v.call(target, key, options);
      };
    },
  });
  return { store: proxy, keys };
}

/** One sealed segment of N points (tenant, n indexed; `other` not), then an unsealed tail that overwrites 20 of
 * them (tenant t0), deletes 10 and adds 30 new points. */
async function collection() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(DIM, 'Euclid', { segments: 1, indexingKb: 1 }));
  await svc.createFieldIndex('c', 'tenant', 'keyword');
  await svc.createFieldIndex('c', 'n', 'integer');
  const vectors = randomVectors(N + 30, DIM, 5);
  await svc.upsertPoints(
    'c',
    vectors.slice(0, N).map((v, i) => ({ id: i, vector: v, payload: payloadOf(i) })),
    true,
  );
  await optimize(t.store, collectionPrefix('', 'c'), { now: () => 1_000_000, skipGc: true });
  const live = new Map<number, ReturnType<typeof payloadOf>>();
  for (let i = 0; i < N; i++) live.set(i, payloadOf(i));
  const tail = Array.from({ length: 20 }, (_, k) => 5 + k * 7);
  await svc.upsertPoints(
    'c',
    tail.map((id) => ({ id, vector: vectors[id], payload: { ...payloadOf(id), tenant: 't0' } })),
    true,
  );
  for (const id of tail) live.set(id, { ...payloadOf(id), tenant: 't0' });
  const deleted = Array.from({ length: 10 }, (_, k) => 3 + k * 11);
  await svc.deletePoints('c', { points: deleted }, true);
  for (const id of deleted) live.delete(id);
  await svc.upsertPoints(
    'c',
    vectors.slice(N).map((v, k) => ({ id: N + k, vector: v, payload: payloadOf(N + k) })),
    true,
  );
  for (let k = 0; k < 30; k++) live.set(N + k, payloadOf(N + k));
  return { svc, store: t.store, live, sealedLive: [...live.keys()].filter((id) => id < N && !tail.includes(id)) };
}

describe('approximate count (exact: false)', () => {
  it("is Qdrant's estimate from index cardinalities; exact: true stays the brute-force count", async () => {
    const { svc, live, sealedLive } = await collection();
    const truth = (pred: (id: number, p: ReturnType<typeof payloadOf>) => boolean) =>
      [...live].filter(([id, p]) => pred(id, p)).length;
    const tailTruth = (pred: (id: number, p: ReturnType<typeof payloadOf>) => boolean) =>
      [...live].filter(([id, p]) => !sealedLive.includes(id) && pred(id, p)).length;
    const sealed = (pred: (id: number, p: ReturnType<typeof payloadOf>) => boolean) =>
      sealedLive.filter((id) => pred(id, payloadOf(id))).length;
    const total = sealedLive.length;

    // one served condition: the index's count of live points, the tail counted exactly = the exact count
    const t3 = (_: number, p: ReturnType<typeof payloadOf>) => p.tenant === 't3';
    const f1: Filter = { must: [{ key: 'tenant', match: { value: 't3' } }] };
    expect(await svc.count('c', parseFilter(f1), false)).toBe(truth(t3));
    expect(await svc.count('c', parseFilter(f1), true)).toBe(truth(t3));

    // two served conditions: independence, total · Π p (segment) + tail; here they are correlated (n < 100
    // implies n < 150), so the estimate is far from the count
    const small = (_: number, p: ReturnType<typeof payloadOf>) => p.n < 150;
    const smaller = (_: number, p: ReturnType<typeof payloadOf>) => p.n < 100;
    const f2: Filter = {
      must: [
        { key: 'n', range: { lt: 150 } },
        { key: 'n', range: { lt: 100 } },
      ],
    };
    const both = (id: number, p: ReturnType<typeof payloadOf>) => small(id, p) && smaller(id, p);
    const exp2 = Math.round(total * (sealed(small) / total) * (sealed(smaller) / total)) + tailTruth(both);
    expect(await svc.count('c', parseFilter(f2), false)).toBe(exp2);
    expect(await svc.count('c', parseFilter(f2), true)).toBe(truth(both));
    expect(exp2).not.toBe(truth(both)); // an estimate, not a disguised exact count

    // an unindexed key is Qdrant's `unknown`: half the segment's live points
    const f3: Filter = { must: [{ key: 'other', match: { value: 1 } }] };
    const o1 = (_: number, p: ReturnType<typeof payloadOf>) => p.other === 1;
    expect(await svc.count('c', parseFilter(f3), false)).toBe(Math.floor(total / 2) + tailTruth(o1));
    expect(await svc.count('c', parseFilter(f3), true)).toBe(truth(o1));

    // must_not inverts, has_id counts the ids present
    const f4: Filter = {
      must_not: [{ key: 'tenant', match: { any: ['t1', 't2'] } }],
      must: [{ has_id: [0, 1, 2, 3] }],
    };
    const pred4 = (id: number, p: ReturnType<typeof payloadOf>) => id <= 3 && p.tenant !== 't1' && p.tenant !== 't2';
    const notT12 = total - sealed((_, p) => p.tenant === 't1' || p.tenant === 't2');
    const ids = sealedLive.filter((id) => id <= 3).length;
    expect(await svc.count('c', parseFilter(f4), false)).toBe(
      Math.round(total * (ids / total) * (notT12 / total)) + tailTruth(pred4),
    );
    expect(await svc.count('c', parseFilter(f4), true)).toBe(truth(pred4));

    // no filter: exact, as in Qdrant
    expect(await svc.count('c', undefined, false)).toBe(live.size);
  });

  it('reads no payload object, even for a condition no index serves', async () => {
    const { store } = await collection();
    const spy = spying(store);
    const cold = service(spy.store, directInvoker(spy.store));
    await cold.count(
      'c',
      parseFilter({
        must: [
          { key: 'other', match: { value: 1 } },
          { key: 'n', range: { gte: 10 } },
        ],
      }),
      false,
    );
    expect(spy.keys.filter((k) => k.endsWith('/payload'))).toEqual([]);
    await cold.count('c', parseFilter({ must: [{ key: 'other', match: { value: 1 } }] }), true);
    expect(spy.keys.filter((k) => k.endsWith('/payload')).length).toBeGreaterThan(0);
  });
});
