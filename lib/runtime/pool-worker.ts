/**
 * The worker-thread script of LocalInvoker: one instance per thread, serving exactly one worker index. The context
 * (store, page cache, registry) is built on the first task and kept for the thread's life; a failed build is
 * retried by the next task rather than poisoning the thread.
 */
import { workerData } from 'piscina';
import type { SegmentSearchResult } from '../segment/task-contract.js';
import type { SegmentTaskContext } from '../segment/task.js';
import { runSegmentTask } from '../segment/task.js';
import { createSegmentContext, type WorkerSetup } from './segment-context.js';
import { parseSegmentTask } from '../segment/task-schema.js';
import { receivedTask } from './shared-exclude.js';

let context: Promise<SegmentTaskContext> | undefined;

function contextOnce(): Promise<SegmentTaskContext> {
  context ??= createSegmentContext(workerData as WorkerSetup).catch((error: unknown) => {
    context = undefined;
    throw error;
  });
  return context;
}

export default async function run(message: unknown): Promise<SegmentSearchResult> {
  // a shared exclude list becomes the task's own (parsed and checked once per key on this thread)
  const parsed = receivedTask(message, parseSegmentTask);
  return runSegmentTask(parsed, await contextOnce());
}
