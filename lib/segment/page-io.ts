/**
 * Page reads of the paged tiers (graph layer 0, float originals). A segment asks for the engine's pages by index
 * with the byte range of each (lib/index's layouts compute them); a PageSource decides how they are fetched:
 * - `cachedPages(cache)`: through the process's storage PageCache — resident pages shared by every query, in-flight
 *   reads shared between concurrent queries, adjacent missing pages coalesced into one ranged GET.
 * - `directPages(store)`: no cache; adjacent pages of one request coalesced into ONE ranged GET (tests, tools).
 *
 * The PageCache cuts objects into fixed `pageSize` pages from byte 0, while the engine's pages start after a
 * header and have their own stride, so they do not line up. The adapter reads engine pages through cache pages of
 * CACHE_PAGE_BYTES (small, so the misalignment wastes at most one cache page at each end of a run) and assembles
 * each engine page from the cache pages that cover it. Checksums are verified by the engine's decoders on the
 * assembled bytes, so a corrupt cached page is still caught.
 *
 * Invariant: one call = one round on the query's critical path, whatever the number of pages.
 */
import { internal, isStrataError } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import { PageCache } from '../storage/page-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import { getRange } from './store-io.js';

export interface PageRequest {
  page: number;
  start: number;
  end: number;
}

export interface PageSource {
  /** bytes of each requested page, in request order */
  getPages(key: string, pages: readonly PageRequest[], io: IoScope | undefined): Promise<Uint8Array[]>;
}

/** Groups requests into runs of byte-adjacent pages (sorted by start); each run is one ranged GET. */
export function coalesce(pages: readonly PageRequest[]): { start: number; end: number; members: number[] }[] {
  const order = pages.map((_, i) => i).sort((a, b) => pages[a].start - pages[b].start);
  const runs: { start: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const p = pages[i];
    const last = runs[runs.length - 1];
    if (last !== undefined && p.start <= last.end) {
      last.end = Math.max(last.end, p.end);
      last.members.push(i);
    } else {
      runs.push({ start: p.start, end: p.end, members: [i] });
    }
  }
  return runs;
}

export function directPages(store: ObjectStore): PageSource {
  return {
    async getPages(key, pages, io) {
      const out = new Array<Uint8Array>(pages.length);
      await Promise.all(
        coalesce(pages).map(async (run) => {
          const bytes = await getRange(store, key, run.start, run.end, io, key);
          for (const i of run.members) out[i] = bytes.subarray(pages[i].start - run.start, pages[i].end - run.start);
        }),
      );
      return out;
    },
  };
}

/** Granularity of the storage cache for segment objects. */
export const CACHE_PAGE_BYTES = 4096;

export function cachedPages(cache: PageCache, cachePageBytes = CACHE_PAGE_BYTES): PageSource {
  return {
    async getPages(key, pages, io) {
      const G = cachePageBytes;
      const indices: number[] = [];
      for (const p of pages) {
        for (let c = Math.floor(p.start / G); c * G < p.end; c++) indices.push(c);
      }
      let got: Uint8Array[];
      try {
        got = await cache.getPages(key, G, indices, io);
      } catch (e) {
        if (isStrataError(e, 'not_found')) throw internal(`segment object missing: ${key}`, e);
        throw e;
      }
      const byIndex = new Map<number, Uint8Array>();
      indices.forEach((c, i) => byIndex.set(c, got[i]));
      return pages.map((p) => {
        const out = new Uint8Array(p.end - p.start);
        for (let c = Math.floor(p.start / G); c * G < p.end; c++) {
          const chunk = byIndex.get(c)!;
          const from = Math.max(p.start, c * G);
          const to = Math.min(p.end, c * G + chunk.byteLength);
          if (to < Math.min(p.end, (c + 1) * G))
            throw internal(`${key}: page bytes [${p.start}, ${p.end}) past the object's end`);
          out.set(chunk.subarray(from - c * G, to - c * G), from - p.start);
        }
        return out;
      });
    },
  };
}

const wrapped = new WeakMap<PageCache, PageSource>();

/** Accepts the storage PageCache (wrapped once) or any PageSource. */
export function toPageSource(cache: PageCache | PageSource): PageSource {
  if (!(cache instanceof PageCache)) return cache;
  let source = wrapped.get(cache);
  if (source === undefined) {
    source = cachedPages(cache);
    wrapped.set(cache, source);
  }
  return source;
}
