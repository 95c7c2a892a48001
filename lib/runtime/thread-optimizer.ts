/**
 * Local optimizer runs on a worker thread (optimizer-thread.ts) instead of the request thread: a seal builds HNSW
 * graphs, which is pure CPU, and on the event loop it left `/healthz` and every other collection unanswered for as
 * long as it ran (DESIGN.md §4.7: no optimizer run can stall the server for others).
 *
 * One thread (a one-thread piscina pool, started on the first run and kept, so its caches stay warm); runs for
 * different collections queue on it (the trigger already keeps one run per collection in flight). A thread that dies
 * fails its run and piscina replaces it. Errors come back with their StrataError kind, so callers still tell a
 * deleted collection (`not_found`) from a failure.
 */
import { Piscina } from 'piscina';
import type { OptimizeRun } from '../collection/optimizer.js';
import { StrataError } from '../model/errors.js';
import type { OptimizeReply, OptimizerThreadSetup, OptimizeTask } from './optimizer-thread.js';
import { execArgvFor, siblingScript } from './worker-script.js';

export class ThreadOptimizer {
  readonly #pool: Piscina;

  constructor(setup: OptimizerThreadSetup) {
    const filename = siblingScript(import.meta.url, 'optimizer-thread');
    this.#pool = new Piscina({
      filename,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // async work (store I/O) between CPU stretches: the thread's event loop must keep running
      atomics: 'disabled',
      execArgv: execArgvFor(filename),
      workerData: setup,
    });
  }

  /** optimizeUntil(collection, a deadline `budgetMs` from now), on the thread. */
  async optimizeUntil(collection: string, budgetMs: number): Promise<OptimizeRun> {
    const reply = (await this.#pool.run({ collection, budgetMs } satisfies OptimizeTask)) as OptimizeReply;
    if ('run' in reply) return reply.run;
    const { kind, message } = reply.error;
    throw kind === null ? new Error(message) : new StrataError(kind, message);
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
