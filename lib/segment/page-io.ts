/**
 * Page reads of the paged tiers (graph layer 0, float originals). A segment asks for the engine's pages by index,
 * with the byte range of each (lib/index's layouts compute them) and the format's decoder; a PageSource decides how
 * they are fetched:
 * - the process's storage PageCache: decoded, verified pages shared by every query, in-flight reads shared between
 *   concurrent queries, adjacent missing pages coalesced into one ranged GET;
 * - `directPages(store)`: the same reader with no memory (tests, tools, the coordinator's one-off reads).
 *
 * Invariants: one load = one round on the query's critical path, whatever the number of pages; a page's checksum is
 * verified by its decoder once, when it is read from the store (a cached page is trusted: objects are immutable).
 */
import type { ByteRange } from '../index/graph-format.js';
import type { PageReader } from '../index/page-reader.js';
import { internal, isStrataError } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import { type DecodedPage, PageCache, type PageDecoder } from '../storage/page-cache.js';
import type { ObjectStore } from '../storage/object-store.js';

export type PageSource = Pick<PageCache, 'peek' | 'getPages'>;

/** Reads pages straight from the store (coalesced, not kept). */
export function directPages(store: ObjectStore): PageSource {
  return new PageCache(store, { maxBytes: 0 });
}

/**
 * The PageReader of one object for one query: resident pages from `source`, the rest charged to `io`; `maxGets` caps
 * the ranged GETs of one load (rescoring's batch: see PageCache's maxRequests).
 */
export function pageReader<T extends DecodedPage>(
  source: PageSource,
  key: string,
  rangeOf: (page: number) => ByteRange,
  decode: PageDecoder<T>,
  io: IoScope | undefined,
  maxGets?: number,
): PageReader<T> {
  const options = maxGets === undefined ? {} : { maxRequests: maxGets };
  return {
    resident: (page) => source.peek<T>(key, page),
    async load(pages) {
      try {
        return await source.getPages(
          key,
          pages.map((page) => ({ page, ...rangeOf(page) })),
          decode,
          io,
          options,
        );
      } catch (e) {
        if (isStrataError(e, 'not_found')) throw internal(`segment object missing: ${key}`, e);
        throw e;
      }
    },
  };
}

/**
 * The cache index of record `id` of an object read at record granularity (cold-records.ts): past every page index
 * (< 2^32) and below WHOLE_OBJECT, so a record's entry never names a page of the same object.
 */
export const RECORD_INDEX_BASE = 2 ** 32;

/**
 * The PageReader of one object's RECORDS (a node's layer-0 record, a row) for one query: "page" i of this reader is
 * record i, kept by `source` under RECORD_INDEX_BASE + i; missing records are fetched in one round, records at most
 * `gapBytes` apart sharing a ranged GET. The records lying between two that share a GET come in its body anyway: they
 * are decoded and kept too (no GET or byte more), so a later step that needs one finds it resident, as a page read
 * would have left it. `rangeOf` must grow with the id (the formats' records are in id order).
 */
export function recordReader<T extends DecodedPage>(
  source: PageSource,
  key: string,
  rangeOf: (id: number) => ByteRange,
  decode: PageDecoder<T>,
  io: IoScope | undefined,
  gapBytes: number,
): PageReader<T> {
  return {
    resident: (id) => source.peek<T>(key, RECORD_INDEX_BASE + id),
    async load(ids) {
      const spans = ids.map((id) => ({ page: RECORD_INDEX_BASE + id, ...rangeOf(id) }));
      for (const id of carried(ids, rangeOf, gapBytes)) spans.push({ page: RECORD_INDEX_BASE + id, ...rangeOf(id) });
      try {
        const got = await source.getPages(key, spans, (index, bytes) => decode(index - RECORD_INDEX_BASE, bytes), io, {
          gapBytes,
        });
        return got.length === ids.length ? got : got.slice(0, ids.length);
      } catch (e) {
        if (isStrataError(e, 'not_found')) throw internal(`segment object missing: ${key}`, e);
        throw e;
      }
    },
  };
}

/**
 * The ids strictly between two of `ids` (sorted) whose records are at most `gapBytes` apart: the bytes a shared GET
 * reads between them. None of `ids` itself.
 */
function carried(ids: readonly number[], rangeOf: (id: number) => ByteRange, gapBytes: number): number[] {
  if (gapBytes <= 0 || ids.length < 2) return [];
  const sorted = [...ids].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (b - a > 1 && rangeOf(b).start - rangeOf(a).end <= gapBytes) for (let id = a + 1; id < b; id++) out.push(id);
  }
  return out;
}

/**
 * The page index under which a PageSource holds a WHOLE object, decoded (a `cached` component, lib/model/memory.ts):
 * past every real page of any object, so it never names one of the format's pages.
 */
export const WHOLE_OBJECT = Number.MAX_SAFE_INTEGER;

/** A whole object decoded and resident in `source`, or undefined (never fetches). */
export function peekWhole<T extends DecodedPage>(source: PageSource, key: string): T | undefined {
  return source.peek<T>(key, WHOLE_OBJECT);
}

/**
 * Object `key` (`bytes` long) whole: from `source` when resident, else one GET charged to `io`, decoded (and so
 * checked) once by `decode` and kept by `source` as one evictable entry.
 */
export async function loadWhole<T extends DecodedPage>(
  source: PageSource,
  key: string,
  bytes: number,
  decode: (bytes: Uint8Array) => T,
  io: IoScope | undefined,
): Promise<T> {
  try {
    const [whole] = await source.getPages(
      key,
      [{ page: WHOLE_OBJECT, start: 0, end: bytes }],
      (_p, b) => decode(b),
      io,
    );
    return whole;
  } catch (e) {
    if (isStrataError(e, 'not_found')) throw internal(`segment object missing: ${key}`, e);
    throw e;
  }
}
