/**
 * The ObjectStore conformance suite: one set of behaviours (object-store.ts header) run against every store (the
 * filesystem store in test/unit, moto and LocalStack in test/integration). Each case works under its own random
 * key prefix, so cases never see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { isStrataError } from '../../lib/model/errors.js';
import { casUpdate } from '../../lib/storage/cas.js';
import { IoScope, diffCounts } from '../../lib/storage/io-stats.js';
import { NOT_MODIFIED, isPreconditionFailed } from '../../lib/storage/object-store.js';
import type { ObjectStore } from '../../lib/storage/object-store.js';

export interface ConformanceTarget {
  store: ObjectStore;
  /** the LIST page size the store was configured with, when it pages (S3); asserts the request count */
  listPageSize?: number;
  cleanup?: () => Promise<void>;
}

export interface ConformanceOptions {
  /**
   * Set when the store is known NOT to make concurrent conditional PUTs atomic; the race cases then run as
   * `it.fails` with this reason in their title, so a fix shows up as a failure to update, never as silence.
   */
  racesNotAtomic?: string;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

export function describeObjectStoreConformance(
  name: string,
  open: () => Promise<ConformanceTarget>,
  options: ConformanceOptions = {},
): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let store: ObjectStore;
    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => {
      await target?.cleanup?.();
    });
    const fresh = () => `t-${randomBytes(5).toString('hex')}/`;

    it('returns exactly the bytes put, with the ETag put returned', async () => {
      const p = fresh();
      const body = new Uint8Array(randomBytes(300_000));
      const { etag } = await store.put(`${p}blob`, body);
      const got = await store.get(`${p}blob`);
      expect(got).not.toBeNull();
      expect(Buffer.from(got!.body).equals(Buffer.from(body))).toBe(true);
      expect(got!.etag).toBe(etag);
      expect(got!.size).toBe(body.byteLength);
      const head = await store.head(`${p}blob`);
      expect(head).toMatchObject({ key: `${p}blob`, size: body.byteLength, etag });
    });

    it('round-trips an empty object', async () => {
      const p = fresh();
      await store.put(`${p}empty`, new Uint8Array(0));
      const got = await store.get(`${p}empty`);
      expect(got!.body.byteLength).toBe(0);
      expect(got!.size).toBe(0);
    });

    it('gives a new ETag and the new bytes after an overwrite', async () => {
      const p = fresh();
      const a = await store.put(`${p}k`, enc('first'));
      const b = await store.put(`${p}k`, enc('second'));
      expect(b.etag).not.toBe(a.etag);
      const got = await store.get(`${p}k`);
      expect(dec(got!.body)).toBe('second');
      expect(got!.etag).toBe(b.etag);
    });

    it('answers null for a missing key from get, head and getIfNoneMatch; delete of a missing key succeeds', async () => {
      const p = fresh();
      expect(await store.get(`${p}nope`)).toBeNull();
      expect(await store.get(`${p}nope`, { range: { offset: 0, length: 10 } })).toBeNull();
      expect(await store.head(`${p}nope`)).toBeNull();
      expect(await store.getIfNoneMatch(`${p}nope`, '"x"')).toBeNull();
      await expect(store.delete(`${p}nope`)).resolves.toBeUndefined();
    });

    it('reads byte ranges, the last page short, and rejects a range past the end', async () => {
      const p = fresh();
      const body = new Uint8Array(1000).map((_, i) => i % 251);
      await store.put(`${p}paged`, body);
      const before = store.stats.snapshot();
      const mid = await store.get(`${p}paged`, { range: { offset: 256, length: 256 } });
      expect(Array.from(mid!.body)).toEqual(Array.from(body.subarray(256, 512)));
      expect(mid!.size).toBe(1000);
      const last = await store.get(`${p}paged`, { range: { offset: 768, length: 256 } });
      expect(last!.body.byteLength).toBe(232);
      expect(Array.from(last!.body)).toEqual(Array.from(body.subarray(768)));
      const oneByte = await store.get(`${p}paged`, { range: { offset: 999, length: 1 } });
      expect(Array.from(oneByte!.body)).toEqual([body[999]]);
      const d = diffCounts(store.stats.snapshot(), before);
      expect(d.rangedGets).toBe(3);
      expect(d.gets).toBe(0);
      expect(d.bytesIn).toBe(256 + 232 + 1);
      await expect(store.get(`${p}paged`, { range: { offset: 1000, length: 10 } })).rejects.toSatisfy((e) =>
        isStrataError(e, 'invalid'),
      );
      await expect(store.get(`${p}paged`, { range: { offset: -1, length: 10 } })).rejects.toSatisfy((e) =>
        isStrataError(e, 'invalid'),
      );
    });

    it('revalidates with If-None-Match: not modified without a body, the new object once changed', async () => {
      const p = fresh();
      const { etag } = await store.put(`${p}m`, enc('v1'));
      const before = store.stats.snapshot();
      expect(await store.getIfNoneMatch(`${p}m`, etag)).toBe(NOT_MODIFIED);
      const d = diffCounts(store.stats.snapshot(), before);
      expect(d).toMatchObject({ conditionalGets: 1, notModified: 1, bytesIn: 0 });
      const b = await store.put(`${p}m`, enc('v2'));
      const got = await store.getIfNoneMatch(`${p}m`, etag);
      expect(got).not.toBe(NOT_MODIFIED);
      expect(got).not.toBeNull();
      if (got !== null && got !== NOT_MODIFIED) {
        expect(dec(got.body)).toBe('v2');
        expect(got.etag).toBe(b.etag);
      }
    });

    it('lists every key under a prefix (string prefix, not folder), sorted, across pages', async () => {
      const p = fresh();
      const keys = Array.from({ length: 23 }, (_, i) => `${p}a/${String(22 - i).padStart(3, '0')}`);
      await Promise.all([
        ...keys.map((k) => store.put(k, enc(k))),
        store.put(`${p}ab`, enc('x')),
        store.put(`${p}b/1`, enc('y')),
      ]);
      const before = store.stats.snapshot();
      const listed = await store.list(`${p}a/`);
      expect(listed.map((e) => e.key)).toEqual([...keys].sort());
      expect(listed[0].size).toBe(enc(listed[0].key).byteLength);
      if (target.listPageSize !== undefined) {
        expect(diffCounts(store.stats.snapshot(), before).lists).toBe(Math.ceil(23 / target.listPageSize));
      }
      const partial = await store.list(`${p}a`);
      expect(partial.map((e) => e.key)).toEqual([...keys, `${p}ab`].sort());
      expect(await store.list(`${p}zzz`)).toEqual([]);
    });

    it('lists from startAfter: only later keys, and only the pages they fill', async () => {
      const p = fresh();
      const keys = Array.from({ length: 23 }, (_, i) => `${p}w/${String(i).padStart(4, '0')}.x`);
      await Promise.all(keys.map((k) => store.put(k, enc(k))));
      const before = store.stats.snapshot();
      const listed = await store.list(`${p}w/`, { startAfter: `${p}w/0019.~` });
      expect(listed.map((e) => e.key)).toEqual(keys.slice(20));
      if (target.listPageSize !== undefined) expect(diffCounts(store.stats.snapshot(), before).lists).toBe(1);
      expect((await store.list(`${p}w/`, { startAfter: `${p}w/0005.x` })).map((e) => e.key)).toEqual(keys.slice(6));
      expect(await store.list(`${p}w/`, { startAfter: `${p}x` })).toEqual([]);
    });

    it('lists at most `limit` keys, the first ones, in one request when they fit a page', async () => {
      const p = fresh();
      const keys = Array.from({ length: 23 }, (_, i) => `${p}l/${String(i).padStart(4, '0')}.x`);
      await Promise.all(keys.map((k) => store.put(k, enc(k))));
      const before = store.stats.snapshot();
      const head = await store.list(`${p}l/`, { startAfter: `${p}l/0002.x`, limit: 4 });
      expect(head.map((e) => e.key)).toEqual(keys.slice(3, 7));
      expect(diffCounts(store.stats.snapshot(), before).lists).toBe(1);
      // beyond one page (the S3 targets page by 10): whole pages, then cut
      if (target.listPageSize !== undefined) {
        expect((await store.list(`${p}l/`, { limit: 15 })).map((e) => e.key)).toEqual(keys.slice(0, 15));
      }
      expect((await store.list(`${p}l/`, { limit: 100 })).map((e) => e.key)).toEqual(keys);
      // a keys-only listing (the WAL tail's) names exactly the keys of the full one, start and limit applied alike
      const only = await store.list(`${p}l/`, { startAfter: `${p}l/0002.x`, limit: 4, keysOnly: true });
      expect(only.map((e) => e.key)).toEqual(keys.slice(3, 7));
      expect((await store.list(`${p}l/`, { keysOnly: true })).map((e) => e.key)).toEqual(keys);
    });

    it('lists folders under a prefix with a delimiter: one entry per folder, not per object', async () => {
      const p = fresh();
      await Promise.all([
        ...Array.from({ length: 7 }, (_, i) => store.put(`${p}c/one/wal/${i}`, enc('x'))),
        store.put(`${p}c/one/manifest.json`, enc('m')),
        store.put(`${p}c/two/manifest.json`, enc('m')),
        store.put(`${p}c/three/deep/er/key`, enc('k')),
        store.put(`${p}c/loose`, enc('not a folder')),
        store.put(`${p}cx/other/key`, enc('elsewhere')),
      ]);
      const before = store.stats.snapshot();
      expect(await store.listPrefixes(`${p}c/`)).toEqual([`${p}c/one/`, `${p}c/three/`, `${p}c/two/`]);
      if (target.listPageSize !== undefined) expect(diffCounts(store.stats.snapshot(), before).lists).toBe(1);
      expect(await store.listPrefixes(`${p}c/three/`)).toEqual([`${p}c/three/deep/`]);
      expect(await store.listPrefixes(`${p}none/`)).toEqual([]);
    });

    it('deletes: the key is gone from get, head and list', async () => {
      const p = fresh();
      await store.put(`${p}d/1`, enc('1'));
      await store.put(`${p}d/2`, enc('2'));
      await store.delete(`${p}d/1`);
      expect(await store.get(`${p}d/1`)).toBeNull();
      expect(await store.head(`${p}d/1`)).toBeNull();
      expect((await store.list(`${p}d/`)).map((e) => e.key)).toEqual([`${p}d/2`]);
    });

    it('create-only put fails with a precondition error when the key exists and leaves it unchanged', async () => {
      const p = fresh();
      await store.put(`${p}c`, enc('original'), { ifNoneMatch: '*' });
      const err = await store.put(`${p}c`, enc('intruder'), { ifNoneMatch: '*' }).catch((e: unknown) => e);
      expect(isPreconditionFailed(err)).toBe(true);
      expect(isStrataError(err, 'conflict')).toBe(true);
      expect(dec((await store.get(`${p}c`))!.body)).toBe('original');
    });

    it('compare-and-swap succeeds on the current ETag and fails on a stale one or a missing key', async () => {
      const p = fresh();
      const v1 = await store.put(`${p}cas`, enc('1'));
      const v2 = await store.put(`${p}cas`, enc('2'), { ifMatch: v1.etag });
      const stale = await store.put(`${p}cas`, enc('3'), { ifMatch: v1.etag }).catch((e: unknown) => e);
      expect(isPreconditionFailed(stale)).toBe(true);
      expect((await store.get(`${p}cas`))!.etag).toBe(v2.etag);
      const missing = await store.put(`${p}absent`, enc('x'), { ifMatch: v1.etag }).catch((e: unknown) => e);
      expect(isPreconditionFailed(missing)).toBe(true);
      expect(await store.get(`${p}absent`)).toBeNull();
    });

    const race = options.racesNotAtomic === undefined ? it : it.fails;
    const raceNote = options.racesNotAtomic === undefined ? '' : ` [expected to fail: ${options.racesNotAtomic}]`;

    race(`lets exactly one of 8 concurrent compare-and-swaps on the same ETag win${raceNote}`, async () => {
      const p = fresh();
      const base = await store.put(`${p}race`, enc('base'));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put(`${p}race`, enc(`writer-${i}`), { ifMatch: base.etag })),
      );
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(isPreconditionFailed(o.reason)).toBe(true);
      expect(dec((await store.get(`${p}race`))!.body)).toBe(`writer-${won[0]}`);
    });

    race(`lets exactly one of 8 concurrent create-only puts win${raceNote}`, async () => {
      const p = fresh();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put(`${p}once`, enc(`creator-${i}`), { ifNoneMatch: '*' })),
      );
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(isPreconditionFailed(o.reason)).toBe(true);
      expect(dec((await store.get(`${p}once`))!.body)).toBe(`creator-${won[0]}`);
    });

    race(`never loses an increment when 5 writers each CAS-increment a counter 4 times${raceNote}`, async () => {
      const p = fresh();
      // Each increment carries its own id, as the manifest's changes do (segment ids, WAL names): a bare number
      // could not be judged after an ambiguous PUT (a timeout under load), since another writer's "n + 1" from the
      // same base has the very bytes ours would have had; see lib/storage/cas.ts.
      const bump = (id: string) =>
        casUpdate<string[]>(store, `${p}counter`, {
          decode: (b) => JSON.parse(dec(b)) as string[],
          encode: (ids) => enc(JSON.stringify(ids)),
          change: (ids) => (ids?.includes(id) === true ? null : [...(ids ?? []), id]),
          isApplied: (stored) => stored.includes(id),
          maxAttempts: 100,
          baseDelayMs: 2,
          maxDelayMs: 40,
        });
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          for (let i = 0; i < 4; i++) await bump(`w${w}-${i}`);
        }),
      );
      const ids = JSON.parse(dec((await store.get(`${p}counter`))!.body)) as string[];
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('charges a query scope: a concurrent batch is one round, a dependent read one more', async () => {
      const p = fresh();
      await Promise.all([
        store.put(`${p}r/1`, enc('a')),
        store.put(`${p}r/2`, enc('bb')),
        store.put(`${p}r/3`, enc('ccc')),
      ]);
      const io = new IoScope();
      await Promise.all([store.get(`${p}r/1`, { io }), store.get(`${p}r/2`, { range: { offset: 0, length: 1 }, io })]);
      await store.get(`${p}r/3`, { io });
      expect(io.snapshot()).toMatchObject({ gets: 2, rangedGets: 1, bytesIn: 1 + 1 + 3, rounds: 2 });
    });
  });
}
