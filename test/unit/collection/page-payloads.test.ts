/**
 * Page payloads (segment-access.ts): the payloads a query's final page read from a sealed segment are kept by
 * (segment, offset), so a warm query repeating a top-k reads no payload object; a payload update is seen at once
 * (its WAL record shadows the kept copy) and after its seal (a new segment, new keys).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { GetOptions } from '../../../lib/storage/object-store.js';
import { config, directInvoker, service, tempStore } from '../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A folder store counting reads of segments' `payload` objects (whole or ranged). */
function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const reads = { payload: 0 };
  const get = t.store.get.bind(t.store);
  t.store.get = async (key: string, options?: GetOptions) => {
    if (key.endsWith('/payload')) reads.payload++;
    return get(key, options);
  };
  return { store: t.store, reads };
}

const query = (x: number, withVector = false) => ({
  vector: [x, 1, 0, 0],
  limit: 5,
  offset: 0,
  params: { exact: true },
  with_payload: true,
  with_vector: withVector,
});

describe('page payloads at the coordinator', () => {
  it('a repeated top-k reads no payload; a payload update is seen before and after its seal', async () => {
    const { store, reads } = setup();
    const svc = service(store, directInvoker(store));
    await svc.createCollection('c', config(4, 'Euclid', { segments: 2 }));
    await svc.upsertPoints(
      'c',
      Array.from({ length: 200 }, (_, i) => ({ id: i, vector: [i, 1, 0, 0], payload: { i, tag: `t${i}` } })),
      true,
    );
    await optimize(store, collectionPrefix('', 'c'));

    const first = await svc.query('c', query(10));
    expect(first.map((p) => p.payload)).toEqual([10, 9, 11, 8, 12].map((i) => ({ i, tag: `t${i}` })));
    const afterFirst = reads.payload;
    expect(afterFirst).toBeGreaterThan(0);
    expect(await svc.query('c', query(10))).toEqual(first);
    expect(reads.payload).toBe(afterFirst);
    // vectors asked for too: the vectors are read, the kept payloads are not
    const withVectors = await svc.query('c', query(10, true));
    expect(withVectors.map((p) => p.payload)).toEqual(first.map((p) => p.payload));
    expect(withVectors[0].vector).toEqual([10, 1, 0, 0]);
    expect(reads.payload).toBe(afterFirst);
    // a page that shares some points reads only the others
    const shifted = await svc.query('c', query(12));
    expect(shifted.map((p) => p.payload)).toEqual([12, 11, 13, 10, 14].map((i) => ({ i, tag: `t${i}` })));
    expect(reads.payload).toBeGreaterThan(afterFirst);
    const afterShifted = reads.payload;
    expect(await svc.getPoints('c', [13, 14], true, false)).toEqual([
      { id: 13, payload: { i: 13, tag: 't13' }, vector: null },
      { id: 14, payload: { i: 14, tag: 't14' }, vector: null },
    ]);
    expect(reads.payload).toBe(afterShifted);

    // an update: the WAL tail shadows the kept copy at once, and the seal's new segment carries it
    await svc.setPayload('c', { tag: 'new' }, { points: [10] }, true);
    const updated = (await svc.query('c', query(10)))[0];
    expect(updated).toMatchObject({ id: 10, payload: { i: 10, tag: 'new' } });
    await optimize(store, collectionPrefix('', 'c'));
    expect((await svc.query('c', query(10)))[0]).toMatchObject({ id: 10, payload: { i: 10, tag: 'new' } });
    expect((await svc.getPoints('c', [10, 9], true, false)).map((p) => p.payload)).toEqual([
      { i: 10, tag: 'new' },
      { i: 9, tag: 't9' },
    ]);
  });
});
