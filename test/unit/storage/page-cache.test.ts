import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { IoScope, diffCounts } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { MemoryStore } from '../../support/memory-store.js';

const PAGE = 100;
/** 9 full pages and a short 10th (37 bytes); byte i holds i mod 251 so every page is recognisable */
const SIZE = 937;
const body = new Uint8Array(SIZE).map((_, i) => i % 251);
const page = (i: number) => Array.from(body.subarray(i * PAGE, Math.min((i + 1) * PAGE, SIZE)));
/** pages i of PAGE bytes, the last one short; a page wholly past the end keeps its nominal range */
const spans = (...pages: number[]) =>
  pages.map((i) => ({
    page: i,
    start: i * PAGE,
    end: i * PAGE >= SIZE ? (i + 1) * PAGE : Math.min((i + 1) * PAGE, SIZE),
  }));
/** the identity format: a copy of the page's bytes (the decoder must not keep the run's buffer) */
const raw = (_page: number, bytes: Uint8Array) => bytes.slice();

async function setup(options?: ConstructorParameters<typeof PageCache>[1]) {
  const inner = new MemoryStore();
  await inner.put('seg/vectors', body);
  const store = new FaultStore(inner);
  inner.stats.reset();
  return { inner, store, cache: new PageCache(store, options) };
}

describe('PageCache', () => {
  it('coalesces each run of adjacent missing pages into one ranged GET, all in one round', async () => {
    const { inner, cache } = await setup();
    const io = new IoScope();
    const got = await cache.getPages('seg/vectors', spans(5, 0, 2, 1, 6, 9), raw, io);
    expect(got.map((p) => Array.from(p))).toEqual([page(5), page(0), page(2), page(1), page(6), page(9)]);
    expect(got[5].byteLength).toBe(37); // the short last page
    expect(inner.stats.snapshot()).toMatchObject({ rangedGets: 3, gets: 0, bytesIn: 300 + 200 + 37 });
    expect(io.snapshot()).toMatchObject({ rangedGets: 3, rounds: 1 });
    expect(cache.stats).toMatchObject({ hits: 0, misses: 6, fetches: 3, pages: 6, bytes: 537 });
  });

  it('serves cached pages from memory and fetches only the gap', async () => {
    const { inner, cache } = await setup();
    await cache.getPages('seg/vectors', spans(1, 2), raw);
    const before = inner.stats.snapshot();
    const io = new IoScope();
    const got = await cache.getPages('seg/vectors', spans(1, 2, 3, 4, 2), raw, io);
    expect(got.map((p) => Array.from(p))).toEqual([page(1), page(2), page(3), page(4), page(2)]);
    const d = diffCounts(inner.stats.snapshot(), before);
    expect(d.rangedGets).toBe(1);
    expect(d.bytesIn).toBe(200);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 4 });
    const warm = new IoScope();
    await cache.getPages('seg/vectors', spans(1, 2, 3, 4), raw, warm);
    expect(warm.snapshot()).toMatchObject({ rangedGets: 0, rounds: 0 });
  });

  it('with gapBytes, reads spans at most that far apart in one GET, cutting each out of it and dropping the gap', async () => {
    const { inner, cache } = await setup();
    // record-sized spans: 10-byte records at 0, 15 (gap 5), 40 (gap 15) and 100 (gap 50)
    const records = [0, 15, 40, 100].map((start, i) => ({ page: i, start, end: start + 10 }));
    const io = new IoScope();
    const got = await cache.getPages('seg/vectors', records, raw, io, { gapBytes: 16 });
    expect(got.map((p) => Array.from(p))).toEqual(records.map((r) => Array.from(body.subarray(r.start, r.end))));
    // [0, 50) with its gaps, then [100, 110): one round
    expect(inner.stats.snapshot()).toMatchObject({ rangedGets: 2, bytesIn: 50 + 10 });
    expect(io.snapshot()).toMatchObject({ rangedGets: 2, rounds: 1 });
    // only the records are kept, each charged its own bytes
    expect(cache.stats).toMatchObject({ pages: 4, bytes: 40 });
    const none = await setup();
    await none.cache.getPages('seg/vectors', records, raw, undefined, { gapBytes: 0 });
    expect(none.inner.stats.snapshot().rangedGets).toBe(4);
  });

  it('splits a long run at maxRunPages', async () => {
    const { inner, cache } = await setup({ maxRunPages: 4 });
    await cache.getPages('seg/vectors', spans(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), raw);
    expect(inner.stats.snapshot().rangedGets).toBe(3);
  });

  it('shares one in-flight GET between concurrent callers of the same page', async () => {
    const { inner, store, cache } = await setup();
    const gate = store.gate({ op: 'get' });
    const a = cache.getPages('seg/vectors', spans(0, 1), raw);
    await gate.reached(1);
    const ioB = new IoScope();
    const b = cache.getPages('seg/vectors', spans(1, 2), raw, ioB); // page 1 is in flight for a; page 2 is new
    const others = Array.from({ length: 5 }, () => cache.getPages('seg/vectors', spans(0), raw));
    await gate.reached(2);
    expect(gate.held).toBe(2);
    gate.release();
    const [ra, rb, ...rest] = await Promise.all([a, b, ...others]);
    expect(ra.map((p) => Array.from(p))).toEqual([page(0), page(1)]);
    expect(rb.map((p) => Array.from(p))).toEqual([page(1), page(2)]);
    for (const r of rest) expect(Array.from(r[0])).toEqual(page(0));
    expect(inner.stats.snapshot().rangedGets).toBe(2); // not 1 + 2 + 5
    expect(cache.stats.sharedFetches).toBe(6);
    expect(ioB.snapshot()).toMatchObject({ rangedGets: 1, sharedWaits: 1, rounds: 1 });
  });

  it('evicts the least recently used pages to stay within its byte budget', async () => {
    const { inner, cache } = await setup({ maxBytes: 250 });
    await cache.getPages('seg/vectors', spans(0), raw);
    await cache.getPages('seg/vectors', spans(1), raw);
    await cache.getPages('seg/vectors', spans(0), raw); // touch 0: page 1 is now the least recent
    await cache.getPages('seg/vectors', spans(2), raw); // 300 bytes > 250: evict page 1
    expect(cache.stats).toMatchObject({ evictions: 1, bytes: 200, pages: 2 });
    const before = inner.stats.snapshot().rangedGets;
    await cache.getPages('seg/vectors', spans(0, 2), raw);
    expect(inner.stats.snapshot().rangedGets).toBe(before); // both still cached
    await cache.getPages('seg/vectors', spans(1), raw);
    expect(inner.stats.snapshot().rangedGets).toBe(before + 1); // evicted: fetched again
    expect(cache.stats.bytes).toBeLessThanOrEqual(250);
  });

  it('does not cache a failed fetch: every waiter gets the error and the next call fetches again', async () => {
    const { inner, store, cache } = await setup();
    store.inject({ op: 'get', nth: 1 });
    const [a, b] = await Promise.allSettled([
      cache.getPages('seg/vectors', spans(3), raw),
      cache.getPages('seg/vectors', spans(3), raw),
    ]);
    expect(a.status === 'rejected' && isStrataError(a.reason, 'unavailable')).toBe(true);
    expect(b.status === 'rejected' && isStrataError(b.reason, 'unavailable')).toBe(true);
    const again = await cache.getPages('seg/vectors', spans(3), raw);
    expect(Array.from(again[0])).toEqual(page(3));
    expect(inner.stats.snapshot().rangedGets).toBe(1); // the failed call never reached the inner store
  });

  it('reports a page past the end as invalid and a missing object as not_found', async () => {
    const { cache } = await setup();
    await expect(cache.getPages('seg/vectors', spans(10), raw)).rejects.toSatisfy((e) => isStrataError(e, 'invalid'));
    await expect(cache.getPages('seg/missing', spans(0), raw)).rejects.toSatisfy((e) => isStrataError(e, 'not_found'));
  });

  it('decodes (and so checksums) a page once, when it enters the cache; warm reads return the same decoded page', async () => {
    const { cache } = await setup();
    let decodes = 0;
    const decode = (_p: number, bytes: Uint8Array) => {
      decodes++;
      return Uint32Array.from(bytes);
    };
    const [first] = await cache.getPages('seg/vectors', spans(4), decode);
    for (let i = 0; i < 5; i++) {
      const [again] = await cache.getPages('seg/vectors', spans(4), decode);
      expect(again).toBe(first); // no copy, no decode: the very array decoded first
    }
    expect(cache.peek('seg/vectors', 4)).toBe(first);
    expect(cache.peek('seg/vectors', 5)).toBeUndefined();
    expect(decodes).toBe(1);
    expect(cache.stats).toMatchObject({ decodes: 1, misses: 1, hits: 6, bytes: 4 * PAGE });
  });

  it('does not cache a page its decoder rejects (a checksum mismatch): the next read fetches and checks it again', async () => {
    const { inner, cache } = await setup();
    let calls = 0;
    const corruptOnce = (p: number, bytes: Uint8Array) => {
      if (calls++ === 0) throw new Error(`page ${p}: checksum mismatch`);
      return bytes.slice();
    };
    await expect(cache.getPages('seg/vectors', spans(2), corruptOnce)).rejects.toThrow('checksum mismatch');
    await new Promise((r) => setImmediate(r));
    expect(cache.peek('seg/vectors', 2)).toBeUndefined();
    const [ok] = await cache.getPages('seg/vectors', spans(2), corruptOnce);
    expect(Array.from(ok)).toEqual(page(2));
    expect(inner.stats.snapshot().rangedGets).toBe(2);
  });

  it('with maxBytes 0 keeps nothing but still coalesces each request into one ranged GET per run', async () => {
    const { inner, cache } = await setup({ maxBytes: 0 });
    await cache.getPages('seg/vectors', spans(0, 1, 2), raw);
    await cache.getPages('seg/vectors', spans(0, 1, 2), raw);
    expect(inner.stats.snapshot().rangedGets).toBe(2);
    expect(cache.stats).toMatchObject({ pages: 0, bytes: 0 });
  });
});
