/**
 * A byte-bounded cache of DECODED, VERIFIED pages of immutable objects (segment graph layer 0 and original vectors,
 * DESIGN §1), read through ranged GETs.
 *
 * - A page is named by (object key, page index) and located by the byte range [start, end) its format gives it (the
 *   engine's pages start after a header and have their own stride). The caller passes the format's `decode`, which
 *   checks the page (CRC, bounds) and turns its bytes into the typed array the engine walks. It runs ONCE, when the
 *   page enters the cache: a warm query reads the decoded page in place, with no copy, no checksum and no decode.
 *   A page that fails its check is never cached; every waiter gets the error.
 * - Only IMMUTABLE objects belong here: a cached page is never revalidated. Segment objects never change once
 *   written (DESIGN §3); invalidate() exists for deletes. One object is always decoded by one format, so the page
 *   index alone names its decoded value.
 * - getPages() serves what it can from memory, then fetches the missing pages concurrently, coalescing each run of
 *   byte-adjacent missing pages (or, with `gapBytes`, pages at most that far apart) into ONE ranged GET (capped at
 *   maxRunPages), so a rescoring batch or a graph step costs one round of as few requests as its page set allows. A caller may cap the requests of one call
 *   (`maxRequests`, e.g. rescoring: S3 bills per GET): the runs separated by the smallest gaps are then merged, the
 *   gap bytes fetched and dropped, until the cap holds.
 * - A page already being fetched (by this call or any other) is awaited, not fetched again: concurrent queries
 *   touching the same cold page share one GET.
 * - Eviction is least-recently-used by bytes (lru-cache, sized by each decoded page's byteLength). LRU fits the
 *   access pattern: a warm container serves queries whose hot set (upper HNSW neighbourhoods, popular regions) is
 *   reused, and full scans never go through pages (they read the in-memory int8 set), so scan resistance (2Q,
 *   SIEVE) would buy little. `maxBytes: 0` keeps nothing (a direct reader that still coalesces and shares).
 */
import { LRUCache } from 'lru-cache';
import { invalid, notFound } from '../model/errors.js';
import type { IoScope } from './io-stats.js';
import type { ObjectStore } from './object-store.js';

export interface PageCacheOptions {
  /** memory budget for cached pages; 0 caches nothing @default 64 MiB */
  maxBytes?: number;
  /** longest run of adjacent pages fetched by one ranged GET @default 256 */
  maxRunPages?: number;
}

export interface PageCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  /** page requests that joined a GET already in flight */
  sharedFetches: number;
  /** ranged GETs issued */
  fetches: number;
  /** pages decoded (and checksummed): once per page entering the cache */
  decodes: number;
  bytes: number;
  pages: number;
}

/** One page of an object: its index and its bytes [start, end) in the object. */
export interface PageSpan {
  page: number;
  start: number;
  end: number;
}

/** What a cache holds: a decoded page; its byteLength is the memory it is charged. */
export interface DecodedPage {
  readonly byteLength: number;
}

/** Per-call options of getPages. */
export interface GetPagesOptions {
  /** at most this many ranged GETs for the missing pages (nearest runs merged, gaps read and dropped) */
  maxRequests?: number;
  /**
   * spans at most this many bytes apart share one ranged GET (the gap read and dropped) @default 0: only
   * byte-adjacent spans do. For record-sized spans (lib/segment/cold-records.ts), where a GET costs more than a
   * few hundred bytes.
   */
  gapBytes?: number;
}

/** Checks a page's bytes and decodes them; throws when the page is corrupt. */
export type PageDecoder<T extends DecodedPage> = (page: number, bytes: Uint8Array) => T;

export class PageCache {
  private readonly maxRunPages: number;
  private readonly pages: LRUCache<string, DecodedPage> | null;
  private readonly inflight = new Map<string, Promise<DecodedPage>>();
  private counters = { hits: 0, misses: 0, evictions: 0, sharedFetches: 0, fetches: 0, decodes: 0 };

  constructor(
    private readonly store: ObjectStore,
    options: PageCacheOptions = {},
  ) {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxRunPages = options.maxRunPages ?? 256;
    if (!(maxBytes >= 0) || !Number.isSafeInteger(this.maxRunPages) || this.maxRunPages < 1) {
      throw invalid(`PageCache: bad options maxBytes=${maxBytes} maxRunPages=${this.maxRunPages}`);
    }
    this.pages =
      maxBytes < 1
        ? null
        : new LRUCache<string, DecodedPage>({
            maxSize: Math.floor(maxBytes),
            sizeCalculation: (page) => Math.max(1, page.byteLength),
            dispose: (_page, _id, reason) => {
              if (reason === 'evict') this.counters.evictions += 1;
            },
          });
  }

  get stats(): PageCacheStats {
    return { ...this.counters, bytes: this.pages?.calculatedSize ?? 0, pages: this.pages?.size ?? 0 };
  }

  /** The decoded page when it is resident (marks it recently used); never fetches. */
  peek<T extends DecodedPage>(key: string, page: number): T | undefined {
    const hit = this.pages?.get(cacheId(key, page));
    if (hit !== undefined) this.counters.hits += 1;
    return hit as T | undefined;
  }

  /**
   * The decoded pages `spans` of object `key`, in the order asked (duplicates allowed). Missing pages are fetched
   * concurrently in coalesced runs, charged to `io`, and decoded once with `decode`.
   */
  async getPages<T extends DecodedPage>(
    key: string,
    spans: readonly PageSpan[],
    decode: PageDecoder<T>,
    io?: IoScope,
    options: GetPagesOptions = {},
  ): Promise<T[]> {
    const found = new Map<number, DecodedPage | Promise<DecodedPage>>();
    const missing: PageSpan[] = [];
    const seen = new Set<number>();
    for (const span of spans) {
      const { page, start, end } = span;
      if (seen.has(page)) continue;
      seen.add(page);
      if (!Number.isSafeInteger(page) || page < 0 || !(start >= 0 && end > start)) {
        throw invalid(`PageCache: bad page ${page} [${start}, ${end}) of ${key}`);
      }
      const id = cacheId(key, page);
      const hit = this.pages?.get(id);
      if (hit !== undefined) {
        this.counters.hits += 1;
        found.set(page, hit);
        continue;
      }
      const pending = this.inflight.get(id);
      if (pending !== undefined) {
        this.counters.sharedFetches += 1;
        found.set(page, io !== undefined ? io.join(pending) : pending);
        continue;
      }
      this.counters.misses += 1;
      missing.push(span);
    }
    let runs = coalesce(missing, this.maxRunPages, Math.max(0, options.gapBytes ?? 0));
    if (options.maxRequests !== undefined) runs = mergeNearest(runs, Math.max(1, options.maxRequests));
    for (const run of runs) {
      const fetched = this.fetchRun(key, run, decode, io);
      run.forEach((span, j) => found.set(span.page, fetched[j]));
    }
    const out = new Array<T>(spans.length);
    await Promise.all(
      spans.map(async (span, i) => {
        out[i] = (await found.get(span.page)!) as T;
      }),
    );
    return out;
  }

  /** Forgets every page of `key` (after the object was deleted). */
  invalidate(key: string): void {
    if (this.pages === null) return;
    const head = `${key}\u0000`;
    for (const id of [...this.pages.keys()]) if (id.startsWith(head)) this.pages.delete(id);
  }

  clear(): void {
    this.pages?.clear();
  }

  /** Starts one ranged GET for a run of adjacent pages; returns one promise per decoded page, registered in flight. */
  private fetchRun<T extends DecodedPage>(
    key: string,
    run: PageSpan[],
    decode: PageDecoder<T>,
    io: IoScope | undefined,
  ): Promise<T>[] {
    this.counters.fetches += 1;
    const first = run[0].start;
    const last = run[run.length - 1].end;
    const request = this.store.get(key, { range: { offset: first, length: last - first }, io }).then((got) => {
      if (got === null) throw notFound(`Object ${key} not found (reading pages ${run[0].page}..${run.at(-1)!.page})`);
      return got.body;
    });
    const perPage = run.map((span) =>
      request.then((body) => {
        const from = span.start - first;
        if (body.byteLength < span.end - first) {
          throw invalid(`Page ${span.page} [${span.start}, ${span.end}) of ${key} is past the end of the object`);
        }
        this.counters.decodes += 1;
        return decode(span.page, body.subarray(from, span.end - first));
      }),
    );
    const ids = run.map((span) => cacheId(key, span.page));
    ids.forEach((id, j) => this.inflight.set(id, perPage[j]));
    void Promise.allSettled(perPage).then((outcomes) => {
      outcomes.forEach((o, j) => {
        if (this.inflight.get(ids[j]) === perPage[j]) this.inflight.delete(ids[j]);
        if (o.status === 'fulfilled') this.pages?.set(ids[j], o.value);
      });
    });
    // keep an unawaited rejection (a caller that stopped waiting) from becoming an unhandled rejection
    for (const p of perPage) p.catch(() => undefined);
    return perPage;
  }
}

function cacheId(key: string, page: number): string {
  return `${key}\u0000${page}`;
}

/** Spans → runs of spans (sorted by start) at most `gap` bytes apart, each at most `max` spans long. */
function coalesce(spans: readonly PageSpan[], max: number, gap: number): PageSpan[][] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: PageSpan[][] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && span.start <= last[last.length - 1].end + gap && last.length < max) last.push(span);
    else out.push([span]);
  }
  return out;
}

/**
 * Runs (sorted by start, disjoint) merged until at most `max` remain, always joining the two neighbours with the
 * smallest byte gap between them: fewest wasted bytes for the requests saved. A merged run's pages keep their own
 * spans, so each is still cut out of the one body and decoded alone.
 */
function mergeNearest(runs: PageSpan[][], max: number): PageSpan[][] {
  const out = runs.map((r) => r.slice());
  while (out.length > max) {
    let best = 0;
    let bestGap = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < out.length; i++) {
      const gap = out[i + 1][0].start - out[i][out[i].length - 1].end;
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    out.splice(best, 2, [...out[best], ...out[best + 1]]);
  }
  return out;
}
