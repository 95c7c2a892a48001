/**
 * has_vector through the collection: points holding different subsets of a dense name, a multivector name and a
 * sparse name, spread over sealed segments (two seals) and the WAL tail, after upserts that drop a vector, vector
 * deletes, vector updates and point deletes. Every read that filters (count exact and estimated, scroll, exact
 * dense and sparse search, delete by filter) is held against a model of which vectors each point holds; and a
 * has_vector filter reads no payload.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../../lib/collection/service.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { Filter } from '../../../lib/model/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, rng, service, tempStore } from '../../support/collection-harness.js';
import { vectorFilterArb } from '../../support/filter-arbitraries.js';
import { referenceMatch } from '../../support/filter-reference.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const CONFIG: CollectionConfig = {
  vectors: {
    a: { size: 3, distance: 'Dot', on_disk: false },
    m: { size: 2, distance: 'Dot', on_disk: false, multivector_config: { comparator: 'max_sim' } },
  },
  sparse_vectors: { s: {} },
  hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
  quantization_config: null,
  optimizers_config: { default_segment_number: 2, indexing_threshold: 0 },
};
const NAMES = ['a', 'm', 's'] as const;
type Name = (typeof NAMES)[number];

/** A point's vectors for the names it holds; every sparse vector shares dimension 0, so a sparse search sees it. */
function vectorsOf(id: number, names: readonly Name[]): Record<string, unknown> {
  const r = rng(id + 1);
  const out: Record<string, unknown> = {};
  for (const n of names) {
    if (n === 'a') out.a = [r() + 0.1, r(), r()];
    if (n === 'm') out.m = [[r(), r()], Array.from({ length: 2 }, () => r())];
    if (n === 's') out.s = { indices: [0, 3 + (id % 5)], values: [1 + r(), r()] };
  }
  return out;
}

/** Which names each live point holds, and its payload, as the operations below leave them. */
type Model = Map<number, { names: Set<string>; payload: { g: number; items: { k: string }[] } }>;

/** The subsets of names the points cycle through: each single name, pairs, all three (never none). */
const SUBSETS: Name[][] = [['a'], ['m'], ['s'], ['a', 'm'], ['a', 's'], ['m', 's'], ['a', 'm', 's']];

async function upsert(svc: StrataCollectionService, model: Model, id: number, names: readonly Name[]) {
  const payload = { g: id % 3, items: [{ k: id % 2 === 0 ? 'even' : 'odd' }] };
  await svc.upsertPoints('c', [{ id, vector: vectorsOf(id, names) as never, payload }], true);
  model.set(id, { names: new Set(names), payload });
}

const seal = (store: ObjectStore, at: number) =>
  optimize(store, collectionPrefix('', 'c'), { now: () => at, skipGc: true });

/**
 * 0..59 sealed; 60..89 sealed by a second seal with 0..9 overwritten dropping names; then in the tail: 90..109 new,
 * overwrites that drop a vector (10..14) or add one (15..19), vectors deleted (`a` of 20..29, `s` of 60..64, of sealed
 * and tail points alike), vectors updated (`a` given to 30..34), points deleted (40..44).
 */
async function build(store: ObjectStore): Promise<{ svc: StrataCollectionService; model: Model }> {
  const svc = service(store, directInvoker(store));
  const model: Model = new Map();
  await svc.createCollection('c', CONFIG);
  for (let id = 0; id < 60; id++) await upsert(svc, model, id, SUBSETS[id % SUBSETS.length]);
  await seal(store, 1_000_000);
  for (let id = 60; id < 90; id++) await upsert(svc, model, id, SUBSETS[id % SUBSETS.length]);
  for (let id = 0; id < 10; id++) await upsert(svc, model, id, [NAMES[id % 3]]);
  await seal(store, 2_000_000);
  for (let id = 90; id < 110; id++) await upsert(svc, model, id, SUBSETS[id % SUBSETS.length]);
  for (let id = 10; id < 15; id++) await upsert(svc, model, id, ['m']);
  for (let id = 15; id < 20; id++) await upsert(svc, model, id, ['a', 'm', 's']);
  const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  await svc.deleteVectors('c', { points: [...ids(20, 30), 95] }, ['a'], true);
  for (const id of [...ids(20, 30), 95]) model.get(id)?.names.delete('a');
  await svc.deleteVectors('c', { points: ids(60, 65) }, ['s'], true);
  for (const id of ids(60, 65)) model.get(id)?.names.delete('s');
  await svc.updateVectors(
    'c',
    ids(30, 35).map((id) => ({ id, vector: { a: [0.5, 0.5, id / 100] } })),
    true,
  );
  for (const id of ids(30, 35)) model.get(id)?.names.add('a');
  await svc.deletePoints('c', { points: ids(40, 45) }, true);
  for (const id of ids(40, 45)) model.delete(id);
  return { svc, model };
}

const expected = (model: Model, filter: Filter, also: (names: Set<string>) => boolean = () => true): number[] =>
  [...model]
    .filter(([id, p]) => also(p.names) && referenceMatch(filter, id, p.payload, {}, p.names))
    .map(([id]) => id)
    .sort((x, y) => x - y);

const sorted = (ids: readonly unknown[]) => (ids as number[]).slice().sort((x, y) => x - y);

/** A universal-query node's fixed fields in these tests: exact, every hit on one page, ids only. */
const node = {
  prefetch: [],
  params: { exact: true },
  limit: 1000,
  offset: 0,
  with_payload: false,
  with_vector: false,
};

/** Every read that takes a filter, against the model. */
async function checkReads(svc: StrataCollectionService, model: Model, raw: Filter): Promise<number> {
  const filter = parseFilter(raw);
  const want = expected(model, filter);
  expect(await svc.count('c', filter, true)).toBe(want.length);
  const page = await svc.scroll('c', { filter, limit: 1000, with_payload: false, with_vector: false });
  expect(page.points.map((p) => p.id)).toEqual(want);
  const common = { limit: 1000, offset: 0, filter, params: { exact: true }, with_payload: false, with_vector: false };
  // a search over a name finds only the points holding it, as Qdrant's
  const dense = await svc.query('c', { ...common, vector: [1, 1, 1], using: 'a' });
  expect(sorted(dense.map((h) => h.id))).toEqual(expected(model, filter, (n) => n.has('a')));
  const multi = await svc.query('c', { ...common, vector: [[1, 1]], using: 'm' });
  expect(sorted(multi.map((h) => h.id))).toEqual(expected(model, filter, (n) => n.has('m')));
  const sparseQuery = { kind: 'nearest', input: { sparse: { indices: [0], values: [1] } } };
  const [sparse] = await svc.queryUniversal('c', [{ ...node, query: sparseQuery, using: 's', filter }] as never);
  expect(sorted(sparse.map((h) => h.id))).toEqual(expected(model, filter, (n) => n.has('s')));
  // the filter of a prefetch (the query API's leaves), rescored by the dense name above it
  const [staged] = await svc.queryUniversal('c', [
    {
      ...node,
      prefetch: [{ ...node, query: sparseQuery, using: 's', filter }],
      query: { kind: 'nearest', input: { vector: [1, 1, 1] } },
      using: 'a',
    },
  ] as never);
  expect(sorted(staged.map((h) => h.id))).toEqual(expected(model, filter, (n) => n.has('s') && n.has('a')));
  return want.length;
}

describe('has_vector through the collection (WAL tail, two seals of segments, vector deletes)', () => {
  it('count, scroll, dense, multivector and sparse search equal the model, in every clause', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const { svc, model } = await build(t.store);
    const filters: Filter[] = [
      ...NAMES.map((n) => ({ must: [{ has_vector: n }] })),
      ...NAMES.map((n) => ({ must_not: [{ has_vector: n }] })),
      { should: [{ has_vector: 'a' }, { has_vector: 's' }] },
      { must: [{ has_vector: 'a' }], must_not: [{ has_vector: 'm' }] },
      { must: [{ has_vector: 's' }, { key: 'g', match: { value: 1 } }] },
      { should: [{ has_vector: 'm' }, { key: 'g', match: { value: 0 } }] },
      { min_should: { conditions: NAMES.map((n) => ({ has_vector: n })), min_count: 2 } },
      { must: [{ must_not: [{ has_vector: 'a' }] }, { should: [{ has_vector: 'm' }] }] },
      // inside nested it never holds: must gives none, must_not every point with such an object
      { must: [{ nested: { key: 'items', filter: { must: [{ has_vector: 'a' }] } } }] },
      { must_not: [{ nested: { key: 'items', filter: { must: [{ has_vector: 'a' }] } } }] },
      // a name the collection does not have (nor the unnamed one): no error, no point holds it
      { must: [{ has_vector: 'image' }] },
      { must_not: [{ has_vector: 'image' }] },
      { must: [{ has_vector: '' }] },
    ];
    const sizes: number[] = [];
    for (const f of filters) sizes.push(await checkReads(svc, model, f));
    // the model is not degenerate: each name is held by some live points and missed by others
    for (const n of NAMES) {
      const held = [...model.values()].filter((p) => p.names.has(n)).length;
      expect(held).toBeGreaterThan(10);
      expect(held).toBeLessThan(model.size - 10);
    }
    expect(sizes.slice(0, 3).every((n) => n > 0 && n < model.size)).toBe(true);
    // random filters mixing has_vector (on a, '' and s; x unknown) with payload conditions
    for (const raw of fc.sample(vectorFilterArb, { seed: 77, numRuns: 25 })) await checkReads(svc, model, raw);
  }, 120_000);

  it('set payload by filter, facet, recommend, groups and a formula take it too', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const { svc, model } = await build(t.store);
    const noText = parseFilter({ must_not: [{ has_vector: 'a' }], must: [{ has_vector: 's' }] });
    const want = expected(model, noText);
    await svc.setPayload('c', { todo: true }, { filter: noText }, true);
    const flagged = parseFilter({ must: [{ key: 'todo', match: { value: true } }] });
    expect(await svc.count('c', flagged, true)).toBe(want.length);
    expect(
      (await svc.scroll('c', { filter: flagged, limit: 1000, with_payload: false, with_vector: false })).points.map(
        (p) => p.id,
      ),
    ).toEqual(want);
    await svc.createFieldIndex('c', 'g', 'integer');
    const facet = await svc.facet('c', { key: 'g', limit: 10, filter: noText, exact: true });
    const byGroup = new Map<number, number>();
    for (const id of want) byGroup.set(id % 3, (byGroup.get(id % 3) ?? 0) + 1);
    expect(new Map(facet.map((h) => [h.value as number, h.count]))).toEqual(byGroup);
    const holdsM = parseFilter({ must: [{ has_vector: 'm' }] });
    const [recommended] = await svc.queryUniversal('c', [
      {
        ...node,
        query: { kind: 'recommend', positive: [{ vector: [1, 0, 0] }], negative: [], strategy: 'best_score' },
        using: 'a',
        filter: holdsM,
      },
    ] as never);
    expect(sorted(recommended.map((h) => h.id))).toEqual(expected(model, holdsM, (n) => n.has('a')));
    const { groups } = await svc.queryGroups('c', {
      query: { ...node, query: { kind: 'nearest', input: { vector: [1, 1, 1] } }, using: 'a', filter: holdsM },
      group_by: 'g',
      group_size: 1000,
      limit: 10,
    } as never);
    const grouped = groups.flatMap((g) => g.hits.map((h) => h.id));
    expect(sorted(grouped)).toEqual(expected(model, holdsM, (n) => n.has('a')));
    // a score-boosting formula: +10 for the candidates holding `s` (Dot scores here stay below 2)
    const [boosted] = await svc.queryUniversal('c', [
      {
        ...node,
        prefetch: [{ ...node, query: { kind: 'nearest', input: { vector: [1, 0, 0] } }, using: 'a' }],
        query: { kind: 'formula', formula: { sum: ['$score', { mult: [10, { has_vector: 's' }] }] }, defaults: {} },
        using: '',
      },
    ] as never);
    expect(boosted.length).toBe(expected(model, parseFilter({}), (n) => n.has('a')).length);
    for (const h of boosted) expect(h.score >= 10).toBe(model.get(h.id as number)?.names.has('s'));
  }, 120_000);

  it('estimates a has_vector count exactly (as Qdrant counts a vector storage) and deletes by it', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const { svc, model } = await build(t.store);
    for (const n of NAMES) {
      const filter = parseFilter({ must: [{ has_vector: n }] });
      expect(await svc.count('c', filter, false)).toBe(expected(model, filter).length);
    }
    // points still missing their `a` embedding, removed by a delete by filter
    const missing = parseFilter({ must_not: [{ has_vector: 'a' }] });
    const gone = expected(model, missing);
    expect(gone.length).toBeGreaterThan(0);
    await svc.deletePoints('c', { filter: missing }, true);
    for (const id of gone) model.delete(id);
    expect(await svc.count('c', missing, true)).toBe(0);
    const page = await svc.scroll('c', { limit: 1000, with_payload: false, with_vector: false });
    expect(page.points.map((p) => p.id)).toEqual(expected(model, parseFilter({ must: [{ has_vector: 'a' }] })));
    // sealed again: the same answers from the new segments alone
    await seal(t.store, 3_000_000);
    await checkReads(svc, model, { must: [{ has_vector: 's' }] });
    await checkReads(svc, model, { must_not: [{ has_vector: 'm' }] });
  }, 120_000);

  it('counts an empty sparse vector as held, and a deleted then re-created name as held by none of its old points', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const { svc, model } = await build(t.store);
    // an empty sparse vector is a stored vector (Qdrant keeps it and does not mark it deleted)
    await svc.upsertPoints('c', [{ id: 200, vector: { a: [1, 0, 0], s: { indices: [], values: [] } } as never }], true);
    model.set(200, { names: new Set(['a', 's']), payload: { g: 0, items: [] } });
    const ids = async (raw: Filter) =>
      (await svc.scroll('c', { filter: parseFilter(raw), limit: 1000, with_payload: false, with_vector: false })).points
        .map((p) => p.id as number)
        .sort((x, y) => x - y);
    const holdsS = { must: [{ has_vector: 's' }] };
    expect(await ids(holdsS)).toEqual(expected(model, parseFilter(holdsS)));
    expect(await ids(holdsS)).toContain(200);
    await seal(t.store, 3_000_000);
    expect(await ids(holdsS)).toEqual(expected(model, parseFilter(holdsS)));
    // `m` deleted from the config and created again: the points that held the old `m` hold no `m` now, sealed or not
    await svc.deleteVectorName('c', 'm');
    await svc.createVectorName('c', 'm', { dense: { size: 2, distance: 'Dot' } });
    const holdsM = parseFilter({ must: [{ has_vector: 'm' }] });
    expect(await svc.count('c', holdsM, true)).toBe(0);
    const common = { limit: 1000, offset: 0, filter: holdsM, params: { exact: true }, with_payload: false };
    expect(await svc.query('c', { ...common, vector: [1, 1, 1], using: 'a', with_vector: false })).toEqual([]);
    await svc.updateVectors('c', [{ id: 1, vector: { m: [0.5, 0.5] } }], true);
    expect(await ids({ must: [{ has_vector: 'm' }] })).toEqual([1]);
    await seal(t.store, 4_000_000);
    expect(await ids({ must: [{ has_vector: 'm' }] })).toEqual([1]);
    const hits = await svc.query('c', { ...common, vector: [1, 1, 1], using: 'a', with_vector: false });
    expect(hits.map((h) => h.id)).toEqual(model.get(1)?.names.has('a') ? [1] : []);
  }, 120_000);

  it('the unnamed vector is the name "": every point of an unnamed collection holds it, sealed or not', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store));
    await svc.createCollection('u', config(2, 'Dot'));
    await svc.upsertPoints(
      'u',
      [0, 1, 2].map((id) => ({ id, vector: [id, 1] })),
      true,
    );
    await optimize(t.store, collectionPrefix('', 'u'), { now: () => 1_000_000, skipGc: true });
    await svc.upsertPoints('u', [{ id: 3, vector: [3, 1] }], true);
    expect(await svc.count('u', parseFilter({ must: [{ has_vector: '' }] }), true)).toBe(4);
    expect(await svc.count('u', parseFilter({ must_not: [{ has_vector: '' }] }), true)).toBe(0);
    expect(await svc.count('u', parseFilter({ must: [{ has_vector: 'a' }] }), true)).toBe(0);
  });

  it('reads no payload: a has_vector filter is answered from the vectors held, not from payloads', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    await build(t.store);
    const spy = spying(t.store);
    const cold = service(spy.store, directInvoker(spy.store));
    const filter = parseFilter({ must: [{ has_vector: 's' }], must_not: [{ has_vector: 'a' }] });
    await cold.count('c', filter, true);
    await cold.scroll('c', { filter, limit: 10, with_payload: false, with_vector: false });
    const common = { limit: 5, offset: 0, filter, with_payload: false, with_vector: false };
    await cold.query('c', { ...common, vector: [1, 1, 1], using: 'a', params: { exact: false } });
    await cold.query('c', { ...common, vector: [1, 1, 1], using: 'a', params: { exact: true } });
    const sparseQuery = { kind: 'nearest', input: { sparse: { indices: [0], values: [1] } } };
    await cold.queryUniversal('c', [{ ...common, prefetch: [], params: {}, query: sparseQuery, using: 's' }] as never);
    // payload objects are opened only for their offset table (the head a point source reads with meta.json)
    expect(spy.reads.filter((r) => r.key.endsWith('/payload') && r.start !== 0)).toEqual([]);
    expect(spy.reads.filter((r) => r.key.endsWith('/payload') && r.start === undefined)).toEqual([]);
    // the spy sees payload reads: a payload condition on the same collection reads payload blobs
    await cold.count('c', parseFilter({ must: [{ key: 'g', match: { value: 1 } }] }), true);
    expect(spy.reads.filter((r) => r.key.endsWith('/payload') && r.start !== 0).length).toBeGreaterThan(0);
  }, 120_000);
});

/** Every GET a store serves, with its range start (undefined: the whole object). */
function spying(store: ObjectStore): { store: ObjectStore; reads: { key: string; start?: number }[] } {
  const reads: { key: string; start?: number }[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'get' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (key: string, options?: { range?: { offset: number } }) => {
        reads.push({ key, start: options?.range?.offset });
        return v.call(target, key, options);
      };
    },
  });
  return { store: proxy, reads };
}
