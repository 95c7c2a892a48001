/**
 * Records read one by one (lib/segment/page-io.ts recordReader, the cold walk's reads): records at most `gapBytes`
 * apart share a ranged GET, and the records that GET carries between them are kept too, at no GET or byte more.
 */
import { describe, expect, it } from 'vitest';
import { RECORD_INDEX_BASE, recordReader } from '../../../lib/segment/page-io.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { MemoryStore } from '../../support/memory-store.js';

/** 40 records of 10 bytes after an 8-byte header; record i's bytes all hold i */
const RECORD = 10;
const HEADER = 8;
const body = new Uint8Array(HEADER + 40 * RECORD).map((_, b) => (b < HEADER ? 255 : Math.floor((b - HEADER) / RECORD)));
const rangeOf = (id: number) => ({ start: HEADER + id * RECORD, end: HEADER + (id + 1) * RECORD });
const decode = (id: number, bytes: Uint8Array) => {
  expect(bytes.every((v) => v === id)).toBe(true);
  return bytes.slice();
};

describe('recordReader', () => {
  it('keeps the records a shared GET carries between two wanted ones, and only those', async () => {
    const store = new MemoryStore();
    await store.put('seg/vectors', body);
    const cache = new PageCache(store);
    const io = new IoScope();
    const reader = recordReader(cache, 'seg/vectors', rangeOf, decode, io, 25);
    // 3 and 6 are 20 bytes apart: one GET [3, 7), carrying 4 and 5; 30 is far: a GET of its own
    const got = await reader.load([6, 30, 3]);
    expect(got.map((r) => r[0])).toEqual([6, 30, 3]);
    expect(io.snapshot()).toMatchObject({ rangedGets: 2, rounds: 1, bytesIn: 4 * RECORD + RECORD });
    expect(reader.resident(4)?.[0]).toBe(4);
    expect(reader.resident(5)?.[0]).toBe(5);
    for (const far of [2, 7, 29, 31]) expect(reader.resident(far)).toBeUndefined();
    expect(cache.stats.pages).toBe(5);
    // the carried records are the cache's like any other: a later load of them reads nothing
    const later = new IoScope();
    await recordReader(cache, 'seg/vectors', rangeOf, decode, later, 25).load([4, 5]);
    expect(later.snapshot()).toMatchObject({ rangedGets: 0, rounds: 0 });
    expect(cache.peek('seg/vectors', RECORD_INDEX_BASE + 4)).toBeDefined();
  });

  it('carries nothing without a gap allowance', async () => {
    const store = new MemoryStore();
    await store.put('seg/vectors', body);
    const cache = new PageCache(store);
    const io = new IoScope();
    await recordReader(cache, 'seg/vectors', rangeOf, decode, io, 0).load([3, 5]);
    expect(io.snapshot()).toMatchObject({ rangedGets: 2, bytesIn: 2 * RECORD });
    expect(recordReader(cache, 'seg/vectors', rangeOf, decode, undefined, 0).resident(4)).toBeUndefined();
  });
});
