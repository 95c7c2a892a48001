/**
 * A byte-bounded cache of fixed-size pages of immutable objects (segment graph and original vectors, DESIGN §1),
 * read through ranged GETs.
 *
 * - Keyed by (object key, page size, page index). Only IMMUTABLE objects belong here: a cached page is never
 *   revalidated. Segment objects never change once written (DESIGN §3); invalidate() exists for deletes.
 * - getPages() serves what it can from memory, then fetches the missing pages concurrently, coalescing each run
 *   of adjacent missing pages into ONE ranged GET (capped at maxRunPages), so a rescoring batch or a graph step
 *   costs one round of as few requests as its page set allows.
 * - A page already being fetched (by this call or any other) is awaited, not fetched again: concurrent queries
 *   touching the same cold page share one GET.
 * - Pages are `pageSize` bytes; the object's last page may be short. Asking for a page wholly past the end is
 *   'invalid'.
 * - Eviction is least-recently-used by bytes (a Map in recency order: O(1) touch and evict). LRU fits the access
 *   pattern: a warm container serves queries whose hot set (upper HNSW neighbourhoods, popular regions) is reused,
 *   and full scans never go through pages (they read the in-memory int8 set), so scan resistance (2Q, SIEVE)
 *   would buy little. Fetched pages are copied out of the run's buffer so the byte count is the memory held.
 */
import { internal, invalid, notFound } from '../model/errors.js';
import type { IoScope } from './io-stats.js';
import type { ObjectStore } from './object-store.js';

export interface PageCacheOptions {
  /** memory budget for cached pages @default 64 MiB */
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
  bytes: number;
  pages: number;
}

export class PageCache {
  private readonly maxBytes: number;
  private readonly maxRunPages: number;
  private readonly pages = new Map<string, Uint8Array>();
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;
  private counters = { hits: 0, misses: 0, evictions: 0, sharedFetches: 0, fetches: 0 };

  constructor(
    private readonly store: ObjectStore,
    options: PageCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxRunPages = options.maxRunPages ?? 256;
    if (!(this.maxBytes >= 0) || !Number.isSafeInteger(this.maxRunPages) || this.maxRunPages < 1) {
      throw invalid(`PageCache: bad options maxBytes=${this.maxBytes} maxRunPages=${this.maxRunPages}`);
    }
  }

  get stats(): PageCacheStats {
    return { ...this.counters, bytes: this.bytes, pages: this.pages.size };
  }

  /**
   * The pages `indices` of object `key` cut in `pageSize`-byte pages, in the order asked (duplicates allowed).
   * Missing pages are fetched concurrently in coalesced runs, charged to `io`.
   */
  async getPages(key: string, pageSize: number, indices: readonly number[], io?: IoScope): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw invalid(`PageCache: bad page size ${pageSize}`);
    const wanted = [...new Set(indices)].sort((a, b) => a - b);
    const found = new Map<number, Uint8Array | Promise<Uint8Array>>();
    const missing: number[] = [];
    for (const i of wanted) {
      if (!Number.isSafeInteger(i) || i < 0) throw invalid(`PageCache: bad page index ${i} of ${key}`);
      const id = cacheId(key, pageSize, i);
      const page = this.pages.get(id);
      if (page !== undefined) {
        this.pages.delete(id); // touch: move to the most recent end
        this.pages.set(id, page);
        this.counters.hits += 1;
        found.set(i, page);
        continue;
      }
      const pending = this.inflight.get(id);
      if (pending !== undefined) {
        this.counters.sharedFetches += 1;
        found.set(i, io !== undefined ? io.join(pending) : pending);
        continue;
      }
      this.counters.misses += 1;
      missing.push(i);
    }
    for (const run of runs(missing, this.maxRunPages)) {
      const fetched = this.fetchRun(key, pageSize, run, io);
      run.forEach((i, j) => found.set(i, fetched[j]));
    }
    const settled = new Map<number, Uint8Array>();
    await Promise.all(
      wanted.map(async (i) => {
        settled.set(i, await found.get(i)!);
      }),
    );
    return indices.map((i) => settled.get(i)!);
  }

  /** Forgets every page of `key` (after the object was deleted). */
  invalidate(key: string): void {
    const head = `${key}\u0000`;
    for (const [id, page] of this.pages) {
      if (id.startsWith(head)) {
        this.pages.delete(id);
        this.bytes -= page.byteLength;
      }
    }
  }

  clear(): void {
    this.pages.clear();
    this.bytes = 0;
  }

  /** Starts one ranged GET for a run of adjacent pages; returns one promise per page, registered as in flight. */
  private fetchRun(key: string, pageSize: number, run: number[], io: IoScope | undefined): Promise<Uint8Array>[] {
    this.counters.fetches += 1;
    const first = run[0];
    const request = this.store
      .get(key, { range: { offset: first * pageSize, length: run.length * pageSize }, io })
      .then((got) => {
        if (got === null) throw notFound(`Object ${key} not found (reading pages ${first}..${first + run.length - 1})`);
        return got.body;
      });
    const ids = run.map((i) => cacheId(key, pageSize, i));
    const perPage = run.map((i, j) =>
      request.then((body) => {
        const start = j * pageSize;
        if (start >= body.byteLength && !(start === 0 && body.byteLength === 0)) {
          throw invalid(`Page ${i} of ${key} is past the end of the object`);
        }
        return body.slice(start, Math.min(start + pageSize, body.byteLength));
      }),
    );
    ids.forEach((id, j) => this.inflight.set(id, perPage[j]));
    void Promise.allSettled(perPage).then((outcomes) => {
      outcomes.forEach((o, j) => {
        if (this.inflight.get(ids[j]) === perPage[j]) this.inflight.delete(ids[j]);
        if (o.status === 'fulfilled') this.insert(ids[j], o.value);
      });
    });
    // keep an unawaited rejection (a caller that stopped waiting) from becoming an unhandled rejection
    for (const p of perPage) p.catch(() => undefined);
    return perPage;
  }

  private insert(id: string, page: Uint8Array): void {
    if (page.byteLength > this.maxBytes) return;
    const old = this.pages.get(id);
    if (old !== undefined) {
      this.pages.delete(id);
      this.bytes -= old.byteLength;
    }
    this.pages.set(id, page);
    this.bytes += page.byteLength;
    while (this.bytes > this.maxBytes) {
      const oldest = this.pages.entries().next();
      if (oldest.done === true) throw internal('PageCache: byte count out of step with its pages');
      const [oldId, oldPage] = oldest.value;
      this.pages.delete(oldId);
      this.bytes -= oldPage.byteLength;
      this.counters.evictions += 1;
    }
  }
}

function cacheId(key: string, pageSize: number, index: number): string {
  return `${key}\u0000${pageSize}\u0000${index}`;
}

/** Sorted unique indices → runs of consecutive indices, each at most `max` long. */
function runs(sorted: readonly number[], max: number): number[][] {
  const out: number[][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[last.length - 1] === i - 1 && last.length < max) last.push(i);
    else out.push([i]);
  }
  return out;
}
