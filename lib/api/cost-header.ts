/**
 * What one query cost (DESIGN.md §8), on request, in a response header: a request that carries
 * `strata-debug: cost` gets `x-strata-cost: <JSON>` on its answer. The dashboard's query console draws it; a client
 * or a benchmark can read it without a second API. The header is opt-in because the JSON is a few hundred bytes on
 * every answer; the counts are taken for every query request, and `/metrics` adds them up (metrics.ts).
 *
 * | field                         | what                                                                            |
 * |-------------------------------|---------------------------------------------------------------------------------|
 * | `invocations`                 | segment tasks fanned out (worker threads or segment-search functions)          |
 * | `segments`, `cold`            | segments searched, of them opened cold (their int8 set read from the store)     |
 * | `distances`                   | distance computations in the workers                                            |
 * | `gets`, `bytes`, `rounds`     | the workers' S3 GETs and bytes read (summed), and rounds of the slowest task    |
 * | `tailPoints`                  | unsealed WAL points the coordinator searched exactly                            |
 * | `coordinator`                 | the coordinator's own reads: `gets` (plain, ranged, conditional), `bytes`, `rounds` |
 * | `stageMs`                     | coordinator wall time per stage: snapshot, tail, fanOut, fetch; `workerMs`: the slowest task |
 * | `totalMs`                     | the whole request, as the server saw it                                        |
 * | `roundsBeforeFirstDistance`   | the slowest segment's store rounds before its first similarity (-1: none)       |
 * | `total`                       | the whole request's store reads: `gets` (every GET, ranged, conditional, HEAD   |
 * |                               | and LIST), `bytes`, and `rounds` on the critical path: the coordinator's (snapshot |
 * |                               | before the fan-out, payload fetch after it) plus the slowest task's             |
 *
 * Invariants:
 * - A request without the header gets no header; its counts still reach `/metrics` (one trace per query request).
 * - Only routes that run queries attach a trace (`costTrace`); every other route answers without the header even
 *   when asked, so the header's presence means "these counts describe this answer", and `/metrics` counts queries
 *   only.
 * - Every query of a batch is charged to the same trace: the header describes the whole request.
 */
import type { MiddlewareHandler } from 'hono';
import { emptyQueryStats } from '../collection/query.js';
import type { QueryStats, QueryTrace } from '../collection/query.js';
import { IoScope } from '../storage/io-stats.js';
import type { AppEnv, Ctx } from './http.js';

export const COST_REQUEST_HEADER = 'strata-debug';
export const COST_RESPONSE_HEADER = 'x-strata-cost';

export interface CostReport {
  invocations: number;
  segments: number;
  cold: number;
  distances: number;
  gets: number;
  bytes: number;
  rounds: number;
  tailPoints: number;
  coordinator: { gets: number; bytes: number; rounds: number; lists: number };
  stageMs: QueryStats['stageMs'] & { workerMs: number };
  totalMs: number;
  roundsBeforeFirstDistance: number;
  total: { gets: number; bytes: number; rounds: number };
}

interface CostTrace extends QueryTrace {
  stats: QueryStats;
  io: IoScope;
}

/** True when the request asks for its cost (`strata-debug: cost`, possibly among other comma-separated words). */
export function wantsCost(c: Ctx): boolean {
  const v = c.req.header(COST_REQUEST_HEADER);
  return v?.split(',').some((w) => w.trim().toLowerCase() === 'cost') ?? false;
}

/** The trace a query route hands the service: one per request, shared by every query the request runs. */
export function costTrace(c: Ctx): QueryTrace {
  const existing = c.get('costTrace');
  if (existing !== undefined) return existing;
  const trace: CostTrace = { stats: emptyQueryStats(), io: new IoScope() };
  c.set('costTrace', trace);
  return trace;
}

export function costReport(trace: QueryTrace, totalMs: number): CostReport {
  const s = trace.stats ?? emptyQueryStats();
  const io = trace.io?.snapshot();
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    invocations: s.tasks,
    segments: s.segments,
    cold: s.cold,
    distances: s.distances,
    gets: s.gets,
    bytes: s.bytes,
    rounds: s.rounds,
    tailPoints: s.tailPoints,
    coordinator: {
      gets: io ? io.gets + io.rangedGets + io.conditionalGets : 0,
      bytes: io ? io.bytesIn : 0,
      rounds: io ? io.rounds : 0,
      lists: io ? io.lists : 0,
    },
    stageMs: {
      snapshot: round(s.stageMs.snapshot),
      tail: round(s.stageMs.tail),
      fanOut: round(s.stageMs.fanOut),
      fetch: round(s.stageMs.fetch),
      workerMs: round(s.millis),
    },
    totalMs: round(totalMs),
    roundsBeforeFirstDistance: s.roundsBeforeFirstDistance ?? -1,
    total: {
      gets: s.gets + (io ? io.gets + io.rangedGets + io.conditionalGets + io.heads + io.lists : 0),
      bytes: s.bytes + (io ? io.bytesIn : 0),
      // the coordinator's rounds bracket the fan-out (snapshot before, payload fetch after); tasks run between
      rounds: s.rounds + (io ? io.rounds : 0),
    },
  };
}

/**
 * After a request whose route attached a trace: hands its cost to `record` (the /metrics counters), and sets
 * `x-strata-cost` when the request asked for it (see the header).
 */
export function costHeader(record: (report: CostReport) => void = () => {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const trace = c.get('costTrace');
    if (trace === undefined) return;
    const report = costReport(trace, performance.now() - c.get('startedAt'));
    record(report);
    if (wantsCost(c)) c.res.headers.set(COST_RESPONSE_HEADER, JSON.stringify(report));
  };
}
