/**
 * Per-query cost a client can see (DESIGN.md §8), opt-in: a query (`points/query`, `points/search`, and their
 * batches) sent with the request header `strata-debug: cost` is answered with an `x-strata-cost` response header
 * holding one JSON object (a batch: the whole batch's cost):
 *
 * | field               | meaning                                                                                  |
 * |---------------------|------------------------------------------------------------------------------------------|
 * | segments, tasks     | segments searched, worker invocations (one per worker holding segments)                  |
 * | cold                | segments a worker had to open (read from the store) for this query; 0 = warm             |
 * | gets, bytes         | store requests (GET, ranged GET, conditional GET, HEAD, LIST) and bytes read, all parts  |
 * | rounds              | dependent store rounds on the critical path: coordinator's + the slowest task's          |
 * | roundsBeforeFirstDistance | the slowest segment's rounds before its first similarity (-1: none computed)       |
 * | coordinator, workers| the same counts split by where they were spent                                           |
 * | distances, tailPoints | similarity computations in the workers; unsealed WAL points searched at the coordinator |
 * | stageMs, totalMs    | coordinator wall time per stage (snapshot, tail, fanOut, fetch) and for the whole request |
 *
 * Invariants: off unless asked (no counting overhead, no header); the header never changes the answer's body; it
 * holds counts and times only (no keys, paths or payloads), so exposing it leaks nothing about the data.
 */
import type { QueryTrace } from '../collection/query.js';
import { emptyQueryStats } from '../collection/query.js';
import { IoScope } from '../storage/io-stats.js';
import type { Ctx } from './http.js';

export const COST_REQUEST_HEADER = 'strata-debug';
export const COST_REQUEST_VALUE = 'cost';
export const COST_RESPONSE_HEADER = 'x-strata-cost';

/** A fresh trace when this request asked for its cost, else undefined. */
export function costTrace(c: Ctx): QueryTrace | undefined {
  const asked = (c.req.header(COST_REQUEST_HEADER) ?? '')
    .split(',')
    .some((v) => v.trim().toLowerCase() === COST_REQUEST_VALUE);
  if (!asked) return undefined;
  return { stats: emptyQueryStats(), io: new IoScope() };
}

export interface QueryCost {
  segments: number;
  tasks: number;
  cold: number;
  gets: number;
  bytes: number;
  rounds: number;
  roundsBeforeFirstDistance: number;
  coordinator: { gets: number; lists: number; bytes: number; rounds: number };
  workers: { gets: number; bytes: number; rounds: number };
  distances: number;
  tailPoints: number;
  stageMs: Record<string, number>;
  totalMs: number;
}

/** The cost a trace collected (see the header's table). */
export function queryCost(trace: QueryTrace, totalMs: number): QueryCost {
  const s = trace.stats ?? emptyQueryStats();
  const io = trace.io?.snapshot();
  const coordinator = {
    gets: io === undefined ? 0 : io.gets + io.rangedGets + io.conditionalGets + io.heads + io.lists,
    lists: io?.lists ?? 0,
    bytes: io?.bytesIn ?? 0,
    rounds: io?.rounds ?? 0,
  };
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    segments: s.segments,
    tasks: s.tasks,
    cold: s.cold,
    gets: coordinator.gets + s.gets,
    bytes: coordinator.bytes + s.bytes,
    // the coordinator's rounds bracket the fan-out (snapshot before, payload fetch after); tasks run between
    rounds: coordinator.rounds + s.rounds,
    roundsBeforeFirstDistance: s.roundsBeforeFirstDistance ?? -1,
    coordinator,
    workers: { gets: s.gets, bytes: s.bytes, rounds: s.rounds },
    distances: s.distances,
    tailPoints: s.tailPoints,
    stageMs: Object.fromEntries(Object.entries(s.stageMs).map(([k, v]) => [k, round(v)])),
    totalMs: round(totalMs),
  };
}

/** Sets `x-strata-cost` on the response when the request is traced. */
export function writeCostHeader(c: Ctx, trace: QueryTrace | undefined): void {
  if (trace === undefined) return;
  const started = c.get('startedAt') ?? performance.now();
  c.header(COST_RESPONSE_HEADER, JSON.stringify(queryCost(trace, performance.now() - started)));
}
