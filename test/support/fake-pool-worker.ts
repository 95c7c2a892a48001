/**
 * A stand-in worker script for LocalInvoker tests: it answers with its thread id in each candidate's `segment`, and
 * misbehaves on request. The behaviour is chosen by the task's collectionPrefix:
 * - `ok`                 answer
 * - `throw`              reject
 * - `garbage`            answer a wrong shape
 * - `crash`              kill the thread (process.exit inside a worker ends only the thread)
 * - `crash-once:<file>`  kill the thread the first time (marker file), answer afterwards
 * - `spin`               busy-loop forever (only thread termination stops it)
 * - `budget`             wait in 20 ms steps until its `budgetMs` is spent, then fail as a late task does
 * - `sleep:<ms>`          answer after ms
 * - `together:<n>`       wait (as a store round does) until n tasks are in flight on this thread, or 3 s pass; the
 *                        answer's `distances` is the most tasks seen in flight at once
 */
import { existsSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import type { SegmentSearchResult, SegmentSearchTask } from '../../lib/segment/task-contract.js';

const setup = workerData as { worker: number };
let inFlight = 0;
let mostInFlight = 0;

export default async function run(task: SegmentSearchTask): Promise<SegmentSearchResult | object> {
  const mode = task.collectionPrefix;
  if (mode === 'throw') throw new Error('fake worker failure');
  if (mode === 'garbage') return { candidates: 'garbage' };
  if (mode === 'crash') process.exit(1);
  if (mode.startsWith('crash-once:')) {
    const marker = mode.slice('crash-once:'.length);
    if (!existsSync(marker)) {
      writeFileSync(marker, String(threadId));
      process.exit(1);
    }
  }
  if (mode === 'spin') for (;;);
  if (mode.startsWith('sleep:')) await new Promise((r) => setTimeout(r, Number(mode.slice('sleep:'.length))));
  let distances = 0;
  if (mode.startsWith('together:')) {
    const want = Number(mode.slice('together:'.length));
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    const started = Date.now();
    while (mostInFlight < want && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 5));
    distances = mostInFlight;
    inFlight -= 1;
  }
  if (mode === 'budget') {
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (Date.now() - started > (task.budgetMs ?? Number.POSITIVE_INFINITY)) throw new Error('budget spent');
    }
  }
  return {
    candidates: task.segments.map((_s, i) => ({
      id: i,
      version: setup.worker,
      similarity: 1,
      segment: `thread-${threadId}`,
      offset: i,
    })),
    stats: { segments: task.segments.length, distances, gets: 0, bytes: 0, rounds: 0, cold: 0, millis: 0 },
  };
}
