import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { Filter } from '../../../lib/model/filter.js';
import type { PayloadFieldSchema } from '../../../lib/model/payload-schema.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 4;
const N = 3000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Every GET of a field index object, with whether it was ranged. */
function spying(store: ObjectStore): { store: ObjectStore; gets: { key: string; ranged: boolean }[] } {
  const gets: { key: string; ranged: boolean }[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'get' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (key: string, options?: { range?: unknown }) => {
        if (key.includes('/index/')) gets.push({ key, ranged: options?.range !== undefined });
        return v.call(target, key, options);
      };
    },
  });
  return { store: proxy, gets };
}

async function collection(tenant: PayloadFieldSchema, n: PayloadFieldSchema) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2, indexingKb: 1 }));
  await svc.createFieldIndex('c', 'tenant', tenant);
  await svc.createFieldIndex('c', 'n', n);
  const vectors = randomVectors(N, DIM, 9);
  await svc.upsertPoints(
    'c',
    vectors.map((v, i) => ({ id: i, vector: v, payload: { tenant: `t${i % 100}`, n: i % 1000 } })),
    true,
  );
  await optimize(t.store, collectionPrefix('', 'c'), { now: () => 1_000_000, skipGc: true });
  return { svc, store: t.store, vectors };
}

describe('cold field indexes through the collection', () => {
  it('answer scroll, count (exact and estimated) and filtered queries as pinned ones, reading no index whole', async () => {
    const cold = await collection({ type: 'keyword', on_disk: true }, { type: 'integer', memory: 'cold' });
    const pinned = await collection('keyword', 'integer');
    expect((await cold.svc.getCollection('c')).config.payload_schema).toEqual({
      tenant: { type: 'keyword', on_disk: true },
      n: { type: 'integer', memory: 'cold' },
    });
    const spy = spying(cold.store);
    const fresh = service(spy.store, directInvoker(spy.store));
    const filters: Filter[] = [
      { must: [{ key: 'tenant', match: { value: 't7' } }] },
      {
        must: [
          { key: 'tenant', match: { any: ['t1', 't2'] } },
          { key: 'n', range: { lt: 400 } },
        ],
      },
      { must_not: [{ key: 'tenant', match: { except: ['t3'] } }] },
    ];
    for (const raw of filters) {
      const f = parseFilter(raw);
      for (const exact of [true, false])
        expect(await fresh.count('c', f, exact)).toBe(await pinned.svc.count('c', f, exact));
      const page = { filter: f, limit: 50, with_payload: false, with_vector: false } as const;
      expect((await fresh.scroll('c', page)).points.map((p) => p.id)).toEqual(
        (await pinned.svc.scroll('c', page)).points.map((p) => p.id),
      );
      const q = {
        vector: cold.vectors[5],
        limit: 10,
        offset: 0,
        filter: f,
        params: { exact: true },
        with_payload: false,
        with_vector: false,
      };
      expect((await fresh.query('c', q)).map((h) => h.id)).toEqual((await pinned.svc.query('c', q)).map((h) => h.id));
    }
    expect(spy.gets.length).toBeGreaterThan(0);
    expect(spy.gets.filter((g) => !g.ranged)).toEqual([]);
  });

  it('a cached index is read through the page cache: once, then resident, same answers as pinned', async () => {
    const cached = await collection({ type: 'keyword', memory: 'cached' }, 'integer');
    const pinned = await collection('keyword', 'integer');
    const spy = spying(cached.store);
    const fresh = service(spy.store, directInvoker(spy.store));
    const f = parseFilter({ must: [{ key: 'tenant', match: { any: ['t1', 't2'] } }] });
    const tenantGets = () => spy.gets.filter((g) => g.key.endsWith(`/index/tenant`));
    expect(await fresh.count('c', f, true)).toBe(await pinned.svc.count('c', f, true));
    // one read per segment (2 segments), ranged through the coordinator's page cache; then resident
    expect(tenantGets().length).toBe(2);
    expect(tenantGets().every((g) => g.ranged)).toBe(true);
    const page = { filter: f, limit: 100, with_payload: false, with_vector: false } as const;
    expect((await fresh.scroll('c', page)).points.map((p) => p.id)).toEqual(
      (await pinned.svc.scroll('c', page)).points.map((p) => p.id),
    );
    expect(tenantGets().length).toBe(2);
  });
});
