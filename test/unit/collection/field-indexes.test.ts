import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { Filter } from '../../../lib/model/filter.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { META, fieldIndexName, segmentObjectKey, segmentPrefix } from '../../../lib/segment/keys.js';
import { parseMeta } from '../../../lib/segment/meta.js';
import { compileFilter } from '../../../lib/segment/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const N = 300;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const texts = ['The quick brown fox', 'a lazy dog sleeps', 'quick thinking wins', 'brown bread and butter'];
const payloadOf = (i: number) => ({
  tenant: `t${i % 20}`,
  n: i,
  txt: texts[i % texts.length],
  loc: { lon: (i % 36) * 10 - 180, lat: (i % 18) * 10 - 85 },
  ...(i % 7 === 0 ? { tags: ['x', 'y'] } : {}),
});

/** Every GET a store serves, with whether it was ranged. */
function spying(store: ObjectStore): { store: ObjectStore; gets: { key: string; ranged: boolean }[] } {
  const gets: { key: string; ranged: boolean }[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'get' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (key: string, options?: { range?: unknown }) => {
        gets.push({ key, ranged: options?.range !== undefined });
        return v.call(target, key, options);
      };
    },
  });
  return { store: proxy, gets };
}

async function collection(name: string, indexes: boolean) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection(name, config(DIM, 'Euclid', { segments: 2, indexingKb: 1 }));
  if (indexes) {
    await svc.createFieldIndex(name, 'tenant', { type: 'keyword', is_tenant: true });
    await svc.createFieldIndex(name, 'n', 'integer');
    await svc.createFieldIndex(name, 'loc', 'geo');
    await svc.createFieldIndex(name, 'txt', { type: 'text', stopwords: 'english', phrase_matching: true });
  }
  const vectors = randomVectors(N, DIM, 3);
  await svc.upsertPoints(
    name,
    vectors.map((v, i) => ({ id: i, vector: v, payload: payloadOf(i) })),
    true,
  );
  await optimize(t.store, collectionPrefix('', name), { now: () => 1_000_000, skipGc: true });
  return { svc, store: t.store, vectors };
}

const query = (vector: number[], filter: Filter): QueryRequest => ({
  vector,
  limit: 10,
  offset: 0,
  filter: parseFilter(filter),
  params: { exact: false },
  with_payload: false,
  with_vector: false,
});

describe('payload indexes through the collection service', () => {
  it('report payload_schema with the points each index covers, and count only live points', async () => {
    const { svc } = await collection('c', true);
    const info = await svc.getCollection('c');
    expect(info.config.payload_schema).toEqual({
      tenant: { type: 'keyword', is_tenant: true },
      n: 'integer',
      loc: 'geo',
      txt: { type: 'text', stopwords: 'english', phrase_matching: true },
    });
    expect(info.payload_points).toEqual({ tenant: N, n: N, loc: N, txt: N });
    await svc.deletePoints('c', { points: [0, 1] }, true);
    const overwrite = await svc.overwritePayload('c', { other: 1 }, { points: [2] }, true);
    expect((await svc.getCollection('c')).payload_points).toEqual({ tenant: N - 3, n: N - 3, loc: N - 3, txt: N - 3 });
    // Qdrant logs an index change as a WAL operation: its id follows the write before it and precedes the next
    const dropped = await svc.deleteFieldIndex('c', 'n');
    expect(dropped).toBeGreaterThan(overwrite.operation_id);
    expect((await svc.deletePoints('c', { points: [3] }, true)).operation_id).toBeGreaterThan(dropped);
    expect(Object.keys((await svc.getCollection('c')).config.payload_schema ?? {})).toEqual(['tenant', 'loc', 'txt']);
  });

  it('is_tenant and is_principal hints are accepted, echoed in payload_schema, and change no answer', async () => {
    const { svc } = await collection('c', false);
    await svc.createFieldIndex('c', 'n', { type: 'integer', is_principal: true });
    await svc.createFieldIndex('c', 'at', { type: 'datetime', is_principal: false });
    await svc.createFieldIndex('c', 'tenant', { type: 'keyword', is_tenant: true });
    await svc.createFieldIndex('c', 'id', { type: 'uuid', is_tenant: true });
    expect((await svc.getCollection('c')).config.payload_schema).toEqual({
      n: { type: 'integer', is_principal: true },
      at: { type: 'datetime', is_principal: false },
      tenant: { type: 'keyword', is_tenant: true },
      id: { type: 'uuid', is_tenant: true },
    });
    const f = parseFilter({
      must: [
        { key: 'tenant', match: { value: 't4' } },
        { key: 'n', range: { lt: 200 } },
      ],
    });
    expect(await svc.count('c', f, true)).toBe(10);
  });

  it('re-creating an index with the same schema writes nothing', async () => {
    const { svc, store } = await collection('c', true);
    const before = (await loadManifest(store, manifestKey(collectionPrefix('', 'c'))))!.manifest.epoch;
    await svc.createFieldIndex('c', 'n', 'integer');
    const after = (await loadManifest(store, manifestKey(collectionPrefix('', 'c'))))!.manifest.epoch;
    expect(after).toBe(before);
  });

  it('sealed segments carry one index object per schema key, and filtered reads equal an unindexed collection', async () => {
    const a = await collection('c', true);
    const b = await collection('c', false);
    const m = (await loadManifest(a.store, manifestKey(collectionPrefix('', 'c'))))!.manifest;
    expect(m.segments.length).toBeGreaterThan(0);
    for (const s of m.segments) {
      const prefix = segmentPrefix(collectionPrefix('', 'c'), s.id);
      const meta = parseMeta((await a.store.get(segmentObjectKey(prefix, META)))!.body);
      expect(Object.keys(meta.fieldIndexes ?? {})).toEqual(['tenant', 'n', 'loc', 'txt']);
      expect(await a.store.get(segmentObjectKey(prefix, fieldIndexName('tenant')))).not.toBeNull();
    }
    const filters: Filter[] = [
      { must: [{ key: 'tenant', match: { value: 't3' } }] },
      {
        must: [{ key: 'n', range: { gte: 50, lt: 120 } }],
        must_not: [{ key: 'tenant', match: { any: ['t1', 't2'] } }],
      },
      { should: [{ key: 'loc', geo_radius: { center: { lon: 0, lat: 0 }, radius: 3_000_000 } }, { has_id: [1, 2] }] },
      {
        must: [
          { key: 'tags', match: { value: 'x' } },
          { key: 'n', range: { lt: 100 } },
        ],
      },
    ];
    for (const f of filters) {
      for (const v of a.vectors.slice(0, 3)) {
        const ids = (r: { id: unknown }[]) => r.map((p) => p.id);
        expect(ids(await a.svc.query('c', query(v, f)))).toEqual(ids(await b.svc.query('c', query(v, f))));
      }
      expect(await a.svc.count('c', parseFilter(f), true)).toBe(await b.svc.count('c', parseFilter(f), true));
    }
  });

  it('a tenant filter reads the tenant index, never the whole payload object', async () => {
    const { store, vectors } = await collection('c', true);
    const spy = spying(store);
    const cold = service(spy.store, directInvoker(spy.store));
    const hits = await cold.query('c', query(vectors[0], { must: [{ key: 'tenant', match: { value: 't5' } }] }));
    expect(hits.length).toBe(10);
    const whole = spy.gets.filter((g) => !g.ranged && g.key.endsWith('/payload'));
    expect(whole).toEqual([]);
    expect(spy.gets.some((g) => g.key.endsWith(`/${fieldIndexName('tenant')}`))).toBe(true);
    // an unserved condition (is_empty) does read the payloads
    await cold.query('c', query(vectors[0], { must: [{ is_empty: { key: 'tags' } }] }));
    expect(spy.gets.some((g) => !g.ranged && g.key.endsWith('/payload'))).toBe(true);
  });

  it('is_empty and is_null on an indexed key come from its index: no payload read, in queries and counts', async () => {
    const { store, vectors } = await collection('c', true);
    const spy = spying(store);
    const cold = service(spy.store, directInvoker(spy.store));
    expect(await cold.count('c', parseFilter({ must: [{ is_empty: { key: 'tenant' } }] }), true)).toBe(0);
    expect(await cold.count('c', parseFilter({ must_not: [{ is_null: { key: 'n' } }] }), true)).toBe(N);
    const hits = await cold.query('c', query(vectors[0], { must_not: [{ is_empty: { key: 'loc' } }] }));
    expect(hits.length).toBe(10);
    expect(spy.gets.filter((g) => !g.ranged && g.key.endsWith('/payload'))).toEqual([]);
  });

  it('nested conditions, values_count on [] paths and except on a geo key come from the indexes: no payload read', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store));
    await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2, indexingKb: 1 }));
    await svc.createFieldIndex('c', 'country.cities[].name', 'keyword');
    await svc.createFieldIndex('c', 'country.cities[].population', 'integer');
    await svc.createFieldIndex('c', 'loc', 'geo');
    const payload = (i: number) => ({
      country: {
        cities: [
          { name: `c${i % 5}`, population: i % 10 },
          ...(i % 3 === 0 ? [{ name: [`c${(i + 1) % 5}`, 'x'], population: (i * 7) % 10 }] : []),
        ],
      },
      ...(i % 4 === 0 ? {} : { loc: { lon: i % 90, lat: 0 } }),
    });
    const vectors = randomVectors(N, DIM, 4);
    await svc.upsertPoints(
      'c',
      vectors.map((v, i) => ({ id: i, vector: v, payload: payload(i) })),
      true,
    );
    await optimize(t.store, collectionPrefix('', 'c'), { now: () => 1_000_000, skipGc: true });
    const spy = spying(t.store);
    const cold = service(spy.store, directInvoker(spy.store));
    const nested = (filter: Filter): Filter => ({ must: [{ nested: { key: 'country.cities', filter } }] });
    const filters: Filter[] = [
      nested({ must: [{ key: 'population', range: { gte: 8 } }] }),
      nested({
        should: [
          { key: 'name', match: { value: 'c1' } },
          { key: 'population', match: { value: 0 } },
        ],
      }),
      { must: [{ key: 'country.cities[].name', values_count: { gte: 2 } }] },
      { must: [{ key: 'loc', match: { except: [] } }] },
    ];
    for (const f of filters) {
      const filter = parseFilter(f);
      const scan = compileFilter(filter, {});
      const expected = Array.from({ length: N }, (_, i) => i).filter((i) => scan(i, payload(i), null));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(N);
      expect(await cold.count('c', filter, true)).toBe(expected.length);
      const page = await cold.scroll('c', { filter, limit: N, with_payload: false, with_vector: false });
      expect(page.points.map((p) => p.id)).toEqual(expected);
      const hits = await cold.query('c', query(vectors[0], f));
      expect(hits.every((h) => expected.includes(h.id as number))).toBe(true);
    }
    expect(spy.gets.filter((g) => !g.ranged && g.key.endsWith('/payload'))).toEqual([]);
    // one element must satisfy both conditions: Qdrant checks the payload, and so does this (same answers)
    const both = parseFilter(
      nested({
        must: [
          { key: 'name', match: { value: 'c1' } },
          { key: 'population', match: { value: 1 } },
        ],
      }),
    );
    expect(await cold.count('c', both, true)).toBe(
      Array.from({ length: N }, (_, i) => i).filter((i) => compileFilter(both, {})(i, payload(i), null)).length,
    );
    expect(spy.gets.some((g) => !g.ranged && g.key.endsWith('/payload'))).toBe(true);
  });

  it('count, scroll and delete by filter answer from the indexes: no payload read for a served filter', async () => {
    const { store } = await collection('c', true);
    const spy = spying(store);
    const cold = service(spy.store, directInvoker(spy.store));
    const f = parseFilter({
      must: [
        { key: 'tenant', match: { any: ['t1', 't2'] } },
        { key: 'n', range: { lt: 150 } },
      ],
    });
    const expected = Array.from({ length: N }, (_, i) => i).filter((i) => (i % 20 === 1 || i % 20 === 2) && i < 150);
    expect(await cold.count('c', f, true)).toBe(expected.length);
    const page = await cold.scroll('c', { filter: f, limit: 100, with_payload: false, with_vector: false });
    expect(page.points.map((p) => p.id)).toEqual(expected);
    // only the head of each segment's payload object (its offset index, read when the segment is first opened)
    const payloadGets = spy.gets.filter((g) => g.key.endsWith('/payload'));
    expect(payloadGets.every((g) => g.ranged)).toBe(true);
    expect(new Set(payloadGets.map((g) => g.key)).size).toBe(payloadGets.length);
    await cold.deletePoints('c', { filter: f }, true);
    expect(await cold.count('c', f, true)).toBe(0);
    expect(await cold.count('c', undefined, true)).toBe(N - expected.length);
    // a filter the indexes cannot serve whole still scans payloads, with the same answer
    const mixed = parseFilter({ must: [{ key: 'n', range: { lt: 40 } }, { is_empty: { key: 'tags' } }] });
    expect(await cold.count('c', mixed, true)).toBe(
      Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 7 !== 0 && !expected.includes(i)).length,
    );
  });

  it('text conditions follow the text index: tokens and stopwords, in segments and in the WAL tail alike', async () => {
    const { svc, vectors } = await collection('c', true);
    // one more point stays in the WAL tail (not sealed)
    await svc.upsertPoints('c', [{ id: 10_000, vector: vectors[0], payload: { txt: 'The QUICK fox' } }], true);
    const f: Filter = { must: [{ key: 'txt', match: { text: 'the quick' } }] };
    const expected = Array.from({ length: N }, (_, i) => i).filter((i) => /quick/i.test(texts[i % texts.length]));
    expect(await svc.count('c', parseFilter(f), true)).toBe(expected.length + 1);
    const phrase: Filter = { must: [{ key: 'txt', match: { phrase: 'quick brown' } }] };
    expect(await svc.count('c', parseFilter(phrase), true)).toBe(expected.filter((i) => i % 4 === 0).length);
    // without the index, match.text is a substring test again: "the quick" appears in no text verbatim
    await svc.deleteFieldIndex('c', 'txt');
    expect(await svc.count('c', parseFilter(f), true)).toBe(0);
  });

  it('creating an index on a sealed collection makes it yellow until the optimizer rebuilds the segments', async () => {
    const { svc, store } = await collection('c', false);
    expect((await svc.getCollection('c')).status).toBe('green');
    await svc.createFieldIndex('c', 'tenant', 'keyword');
    expect((await svc.getCollection('c')).status).toBe('yellow');
    await optimize(store, collectionPrefix('', 'c'), { now: () => 2_000_000, skipGc: true });
    expect((await svc.getCollection('c')).status).toBe('green');
    const m = (await loadManifest(store, manifestKey(collectionPrefix('', 'c'))))!.manifest;
    for (const s of m.segments) {
      const prefix = segmentPrefix(collectionPrefix('', 'c'), s.id);
      expect(parseMeta((await store.get(segmentObjectKey(prefix, META)))!.body).fieldIndexes).toEqual({
        tenant: 'keyword',
      });
    }
  });
});
