/**
 * The per-process registry of opened segments, LRU by bytes (lru-cache). A warm container (Lambda) or worker thread keeps the
 * segments it was routed (DESIGN.md §5) so their int8 codes, in-memory tiers, ids and tombstones are reused: the
 * second query on a segment reads nothing that is already resident.
 *
 * Invariants:
 * - One open per key at a time: concurrent callers share the in-flight open (no duplicate cold reads).
 * - A failed open leaves nothing behind, so the next caller retries from scratch.
 * - Sizes may grow after open (tombstone versions, decoded payloads for filters); callers report growth with
 *   `touch`, and eviction runs on every insert/touch. The most recently used entry is never evicted, so one
 *   segment larger than the budget still works (it is simply not kept alongside others).
 * - Paged tiers (graph/vectors on disk) live in the storage PageCache, which has its own budget; the registry
 *   accounts only for what a segment holds itself.
 */

import { LRUCache } from 'lru-cache';

export interface Sized {
  /** bytes the entry holds in memory */
  memoryBytes(): number;
}

export interface RegistryOptions {
  /** budget in bytes; default 512 MiB */
  budgetBytes?: number;
}

export const DEFAULT_REGISTRY_BUDGET = 512 * 1024 * 1024;

export class SegmentRegistry<T extends Sized = Sized> {
  readonly budgetBytes: number;
  /**
   * LRU by bytes (lru-cache). An entry is charged at most the whole budget, so an entry larger than the budget
   * evicts every other one and stays, alone: the most recently used entry is never evicted.
   */
  private readonly entries: LRUCache<string, T>;
  private readonly opening = new Map<string, Promise<T>>();
  /** what an entry is charged: its bytes, at least 1 and at most the budget */
  private readonly charge: (v: T) => number;
  private evictions = 0;

  constructor(options: RegistryOptions = {}) {
    this.budgetBytes = options.budgetBytes ?? DEFAULT_REGISTRY_BUDGET;
    const budget = Math.max(1, Math.floor(this.budgetBytes));
    this.charge = (v) => Math.min(budget, Math.max(1, Math.ceil(v.memoryBytes())));
    this.entries = new LRUCache<string, T>({
      maxSize: budget,
      sizeCalculation: this.charge,
      dispose: (_v, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  /**
   * The entry for key, opening it with `open` when absent. `cold` is true when this call (or the in-flight open it
   * joined) had to open it.
   */
  async getOrOpen(key: string, open: () => Promise<T>): Promise<{ value: T; cold: boolean }> {
    const hit = this.get(key);
    if (hit !== undefined) return { value: hit, cold: false };
    let pending = this.opening.get(key);
    if (pending === undefined) {
      pending = open().then(
        (v) => {
          this.opening.delete(key);
          this.entries.set(key, v);
          return v;
        },
        (e: unknown) => {
          this.opening.delete(key);
          throw e;
        },
      );
      this.opening.set(key, pending);
    }
    return { value: await pending, cold: true };
  }

  /**
   * Marks key most recently used and re-charges its size (call after an entry may have grown), evicting others to
   * fit. Every segment task touches its segment, and most did not grow it: an unchanged charge stops at the get.
   */
  touch(key: string): void {
    const v = this.entries.get(key);
    if (v === undefined || this.entries.info(key)?.size === this.charge(v)) return;
    // lru-cache re-sizes only a changed value: re-insert to charge the entry's current size
    this.entries.delete(key);
    this.entries.set(key, v);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  bytes(): number {
    let total = 0;
    for (const v of this.entries.values()) total += v.memoryBytes();
    return total;
  }

  stats(): { entries: number; bytes: number; evictions: number; budgetBytes: number } {
    return {
      entries: this.entries.size,
      bytes: this.bytes(),
      evictions: this.evictions,
      budgetBytes: this.budgetBytes,
    };
  }
}
