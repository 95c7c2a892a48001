/**
 * The port through which the coordinator runs segment search tasks. The collection layer plans and merges; how a
 * task reaches a worker (in-process, worker thread, Lambda) is lib/runtime's business, which implements this.
 */
import type { SegmentSearchResult, SegmentSearchTask } from '../segment/task-contract.js';

/** Runs one task: in-process, on a worker thread, or in a Lambda. Implemented by lib/runtime. */
export interface Invoker {
  /** number of workers K; segment s goes to worker hash(s) mod K */
  readonly workers: number;
  invoke(worker: number, task: SegmentSearchTask, deadlineMs: number): Promise<SegmentSearchResult>;
  close(): Promise<void>;
}
