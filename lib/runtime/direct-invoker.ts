/**
 * The in-process invoker: runs every task in the calling thread, for tests and single-thread embedding. It keeps
 * the process boundary honest anyway: the task goes through a JSON round trip and worker-side validation, and the
 * result through the same validation a Lambda response gets, so code that works here works across threads and
 * Lambdas. Faults follow the shared policy (fault-policy.ts): one retry, then 'unavailable'; the deadline holds
 * even when the runner never settles.
 */
import type { Invoker } from '../collection/invoker.js';
import type { SegmentSearchResult, SegmentSearchTask } from '../segment/task-contract.js';
import { withFaultPolicy } from './fault-policy.js';
import { parseSegmentResult, parseSegmentTask } from '../segment/task-schema.js';

/**
 * Searches one task. In production this is lib/segment's `runSegmentTask(task, ctx)` bound to a context
 * (see segment-context.ts); tests pass fakes. `signal` aborts when the attempt's time is up.
 */
export type SegmentRunner = (
  task: SegmentSearchTask,
  worker: number,
  signal: AbortSignal,
) => Promise<SegmentSearchResult>;

export interface DirectInvokerOptions {
  run: SegmentRunner;
  /** number of logical workers K (routing only; everything runs in this thread). @default 1 */
  workers?: number;
  /** injected clock for the deadline. @default Date.now */
  now?: () => number;
}

export class DirectInvoker implements Invoker {
  readonly workers: number;
  readonly #run: SegmentRunner;
  readonly #now: () => number;
  #closed = false;

  constructor(options: DirectInvokerOptions) {
    this.workers = options.workers ?? 1;
    if (!Number.isInteger(this.workers) || this.workers < 1)
      throw new RangeError(`workers must be ≥ 1, got ${this.workers}`);
    this.#run = options.run;
    this.#now = options.now ?? Date.now;
  }

  invoke(worker: number, task: SegmentSearchTask, deadlineMs: number): Promise<SegmentSearchResult> {
    if (this.#closed) return Promise.reject(new Error('invoker is closed'));
    if (!Number.isInteger(worker) || worker < 0 || worker >= this.workers) {
      return Promise.reject(new RangeError(`worker ${worker} out of range 0..${this.workers - 1}`));
    }
    const wire = JSON.stringify(task);
    return withFaultPolicy(
      async (signal) => parseSegmentResult(await this.#run(parseSegmentTask(JSON.parse(wire)), worker, signal)),
      { deadlineMs, label: `segment worker ${worker}`, now: this.#now },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
