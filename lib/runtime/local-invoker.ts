/**
 * The local invoker: K worker threads, with the same routing as the K Lambda functions in AWS (lib/collection/routing.ts).
 *
 * Affinity: worker i is a piscina pool of exactly ONE thread, so worker i's tasks always run on thread i and its
 * int8 sets, page cache and open segments stay hot there. One shared piscina pool of K threads would hand a task to
 * whichever thread is free: every thread would end up loading every segment (K× the memory, K× the cold reads),
 * which is exactly what the routing exists to avoid. Piscina still does the rest per thread: queueing, several
 * concurrent async tasks per thread (S3 waits overlap), and replacing a dead thread.
 *
 * Faults (shared policy, fault-policy.ts): a task that throws, crashes its thread, or outlives its share of the
 * deadline is retried once, then fails 'unavailable'. A timed-out task is NOT killed: it carries its budget
 * (`budgetMs`) and stops itself between store rounds (lib/segment/task.ts), so the thread, its page cache and the
 * pages the late task fetched survive, and a repeated cold query gets cheaper each time. Only a task still running
 * `lastResortMs` past its budget (JavaScript stuck in a loop, which no checkpoint reaches) has its thread
 * terminated (nothing else stops running JavaScript); piscina starts a fresh one, cold.
 *
 * Each thread builds its context (ObjectStore, PageCache, segment registry) once, from `workerData`, in the worker
 * script (pool-worker.ts); the script loads under tsx in dev and as built JS (worker-script.ts).
 */
import { Piscina } from 'piscina';
import type { Invoker } from '../collection/invoker.js';
import type { SegmentSearchResult, SegmentSearchTask } from '../segment/task-contract.js';
import { withFaultPolicy } from './fault-policy.js';
import { parseSegmentResult, parseSegmentTask } from '../segment/task-schema.js';
import { execArgvFor, siblingScript } from './worker-script.js';
import { type PostedTask, postedTask } from './shared-exclude.js';

export interface LocalInvokerOptions {
  /** K threads (one per worker). */
  workers: number;
  /** Passed to every thread as piscina's `workerData` (plus `worker`, the thread's index). */
  workerData?: Record<string, unknown>;
  /** Worker script whose default export runs one task. @default pool-worker beside this module */
  filename?: string;
  /** Concurrent tasks per thread: > 1 lets S3 waits overlap. @default 4 */
  concurrentTasksPerThread?: number;
  /** Heap limit per thread in MiB (int8 sets and caches live there). @default Node's default */
  maxOldGenerationSizeMb?: number;
  /** Called when a thread fails outside a task, or an attempt fails (logging). */
  onError?: (error: unknown, worker: number) => void;
  /** How long past its budget a task may keep running before its thread is terminated. @default 30000 */
  lastResortMs?: number;
}

export class LocalInvoker implements Invoker {
  readonly workers: number;
  readonly #pools: Piscina[];
  readonly #onError: ((error: unknown, worker: number) => void) | undefined;
  readonly #lastResortMs: number;
  /** per worker: when a task on its thread last settled (Date.now; 0: none yet) */
  readonly #settled: number[];
  #closed = false;

  constructor(options: LocalInvokerOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new RangeError(`workers must be ≥ 1, got ${options.workers}`);
    this.workers = options.workers;
    this.#onError = options.onError;
    this.#lastResortMs = options.lastResortMs ?? 30_000;
    this.#settled = new Array<number>(this.workers).fill(0);
    const filename = options.filename ?? siblingScript(import.meta.url, 'pool-worker');
    const execArgv = execArgvFor(filename);
    this.#pools = Array.from({ length: this.workers }, (_, worker) => {
      const pool = new Piscina({
        filename,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Number.POSITIVE_INFINITY,
        concurrentTasksPerWorker: options.concurrentTasksPerThread ?? 4,
        // async tasks: the thread's event loop must keep running between tasks (S3 sockets, timers)
        atomics: 'disabled',
        execArgv,
        workerData: { ...options.workerData, worker },
        ...(options.maxOldGenerationSizeMb
          ? { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } }
          : {}),
      });
      // a thread dying with no task in flight is reported here; without a listener it would crash the process
      pool.on('error', (error: unknown) => this.#onError?.(error, worker));
      return pool;
    });
  }

  invoke(worker: number, task: SegmentSearchTask, deadlineMs: number): Promise<SegmentSearchResult> {
    if (this.#closed) return Promise.reject(new Error('invoker is closed'));
    const pool = this.#pools[worker];
    if (pool === undefined)
      return Promise.reject(new RangeError(`worker ${worker} out of range 0..${this.workers - 1}`));
    let message: PostedTask | SegmentSearchTask;
    try {
      // a malformed task fails here as 'invalid', not as two doomed attempts on the thread
      parseSegmentTask(task);
      // a long keyed exclude list is posted once, in shared memory (shared-exclude.ts)
      message = postedTask(task);
    } catch (error) {
      return Promise.reject(error);
    }
    return withFaultPolicy((_signal, _attempt, budgetMs) => this.#runCooperatively(worker, message, budgetMs), {
      deadlineMs,
      // the policy stops waiting at the attempt's budget, which the task carries: no signal needed to know it
      abortSignals: false,
      label: `segment worker thread ${worker}`,
      onFailure: (error) => this.#onError?.(error, worker),
    });
  }

  /**
   * Runs a task with its budget: when the policy stops waiting (at `budgetMs`), the task is left to stop itself; the
   * thread is terminated only if the task is still running `lastResortMs` later and the thread has settled no task
   * for as long (a thread that keeps settling tasks is not stuck: the late task is queued behind them, or waiting).
   *
   * No AbortSignal goes to piscina: piscina runs a task that has one ALONE on its thread (an abort terminates the
   * thread, so it keeps other tasks off it), which made every thread serve one task at a time and kept store waits
   * from overlapping. A thread that settles nothing for that long is JavaScript stuck in a loop, which holds the
   * thread's other tasks up too, so the whole thread goes (piscina fails its tasks, whose own retries follow, and
   * starts a fresh thread).
   */
  async #runCooperatively(
    worker: number,
    task: PostedTask | SegmentSearchTask,
    budgetMs: number,
  ): Promise<SegmentSearchResult> {
    const pool = this.#pools[worker];
    let timer: ReturnType<typeof setTimeout>;
    const lastResort = () => {
      if (Date.now() - this.#settled[worker] < this.#lastResortMs) {
        timer = setTimeout(lastResort, this.#lastResortMs);
        timer.unref?.();
        return;
      }
      // one thread per pool: the thread this task runs on (or queues behind)
      for (const thread of pool.threads) void thread.terminate();
    };
    timer = setTimeout(lastResort, budgetMs + this.#lastResortMs);
    timer.unref?.();
    try {
      return parseSegmentResult(await pool.run({ ...task, budgetMs }));
    } finally {
      clearTimeout(timer);
      this.#settled[worker] = Date.now();
    }
  }

  /** Thread ids currently serving each worker (diagnostics and tests). */
  threadIds(): number[][] {
    return this.#pools.map((p) => p.threads.map((t) => t.threadId));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#pools.map((p) => p.destroy()));
  }
}
