/**
 * What one process knows about its own operation, for `/metrics`, `/telemetry` and `…/optimizations`: the optimizer
 * runs it started (running now, recently finished, counts by outcome), its object store's I/O counters and, when
 * segment searches run in this process, the page cache's. Counters are cumulative since the process started, as
 * Prometheus counters are; nothing here touches the store.
 *
 * Invariant: `track` records a run as running before it starts and as finished (ok or failed) exactly once, so the
 * running list never keeps a run that ended.
 */
import { randomUUID } from 'node:crypto';
import type { IoCounts } from '../storage/io-stats.js';
import type { PageCacheStats } from '../storage/page-cache.js';

export interface OptimizerRunInfo {
  /** a fresh uuid per run (Qdrant reports one per optimization) */
  uuid: string;
  collection: string;
  startedAt: Date;
  finishedAt?: Date;
  status: 'optimizing' | 'done' | 'error';
}

export interface OperationsSource {
  readonly startedAt: Date;
  storeIo(): IoCounts;
  /** null when segment searches run in other processes or threads (their caches are theirs) */
  pageCache(): PageCacheStats | null;
  optimizerRuns(): { ok: number; failed: number };
  running(collection?: string): OptimizerRunInfo[];
  completed(collection?: string): OptimizerRunInfo[];
}

const COMPLETED_KEPT = 32;

export class OperationsRecorder implements OperationsSource {
  readonly startedAt = new Date();
  readonly #running = new Map<string, OptimizerRunInfo>();
  readonly #completed: OptimizerRunInfo[] = [];
  readonly #runs = { ok: 0, failed: 0 };

  constructor(
    private readonly io: () => IoCounts,
    private readonly cache: () => PageCacheStats | null = () => null,
  ) {}

  storeIo(): IoCounts {
    return this.io();
  }

  pageCache(): PageCacheStats | null {
    return this.cache();
  }

  optimizerRuns(): { ok: number; failed: number } {
    return { ...this.#runs };
  }

  running(collection?: string): OptimizerRunInfo[] {
    return [...this.#running.values()].filter((r) => collection === undefined || r.collection === collection);
  }

  completed(collection?: string): OptimizerRunInfo[] {
    return this.#completed.filter((r) => collection === undefined || r.collection === collection).reverse();
  }

  /** Runs `run` as one optimizer run of `collection`, recorded from start to finish. */
  async track<T>(collection: string, run: () => Promise<T>): Promise<T> {
    const info: OptimizerRunInfo = { uuid: randomUUID(), collection, startedAt: new Date(), status: 'optimizing' };
    this.#running.set(info.uuid, info);
    const finish = (status: 'done' | 'error'): void => {
      this.#running.delete(info.uuid);
      this.#completed.push({ ...info, status, finishedAt: new Date() });
      if (this.#completed.length > COMPLETED_KEPT) this.#completed.shift();
      this.#runs[status === 'done' ? 'ok' : 'failed'] += 1;
    };
    try {
      const result = await run();
      finish('done');
      return result;
    } catch (e) {
      finish('error');
      throw e;
    }
  }
}
