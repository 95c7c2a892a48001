/**
 * What queries cost, added up for `/metrics` (Prometheus text, metrics.ts): the per-request cost report of
 * cost-header.ts (DESIGN.md §8) turned into counters, so an operator sees store reads and rounds per query over time
 * without asking each request for its header.
 *
 * | series                                          | what it adds per query request                              |
 * |-------------------------------------------------|-------------------------------------------------------------|
 * | `strata_query_requests_total`                   | 1                                                           |
 * | `strata_query_invocations_total`                | segment tasks fanned out                                    |
 * | `strata_query_segments_total{state}`            | segments searched, `cold` (int8 set read from the store) or `warm` |
 * | `strata_query_distances_total`                  | distance computations in the workers                        |
 * | `strata_query_tail_points_total`                | unsealed WAL points the coordinator searched exactly        |
 * | `strata_query_store_gets_total{side}`           | store requests: `workers` (GETs), `coordinator` (GETs, HEADs, LISTs) |
 * | `strata_query_store_bytes_total{side}`          | bytes read by each side                                     |
 * | `strata_query_store_rounds` (histogram)         | dependent store rounds on the request's critical path       |
 *
 * Invariants:
 * - One request is one observation, a batch included (its queries share a trace): `_count` of the rounds histogram
 *   equals `strata_query_requests_total`, and its `_sum` is the total of the `x-strata-cost` headers' `total.rounds`.
 * - The series are per process (per warm api container in AWS), like every counter of /metrics; no label carries a
 *   collection or a query, so the series count is fixed.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { CostReport } from './cost-header.js';

/** rounds per query: warm queries take 0-2, cold ones a few more, a cold paged walk up to ~10 */
const ROUND_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20];

/** Registers the series in `registry`; answers the function that records one request's cost. */
export function registerQueryCosts(registry: Registry): (report: CostReport) => void {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const requests = counter('strata_query_requests_total', 'Query requests answered (a batch counts once)');
  const invocations = counter('strata_query_invocations_total', 'Segment tasks fanned out by query requests');
  const segments = counter('strata_query_segments_total', 'Segments searched by query requests, cold or warm', [
    'state',
  ]);
  const distances = counter('strata_query_distances_total', 'Distance computations in the segment workers');
  const tail = counter('strata_query_tail_points_total', 'Unsealed WAL points searched exactly by the coordinator');
  const gets = counter('strata_query_store_gets_total', 'Store requests made by query requests, by side', ['side']);
  const bytes = counter('strata_query_store_bytes_total', 'Store bytes read by query requests, by side', ['side']);
  const rounds = new Histogram({
    name: 'strata_query_store_rounds',
    help: 'Dependent store rounds on a query request critical path',
    buckets: ROUND_BUCKETS,
    registers: [registry],
  });
  return (r) => {
    requests.inc();
    invocations.inc(r.invocations);
    segments.inc({ state: 'cold' }, r.cold);
    segments.inc({ state: 'warm' }, Math.max(0, r.segments - r.cold));
    distances.inc(r.distances);
    tail.inc(r.tailPoints);
    gets.inc({ side: 'workers' }, r.gets);
    gets.inc({ side: 'coordinator' }, Math.max(0, r.total.gets - r.gets));
    bytes.inc({ side: 'workers' }, r.bytes);
    bytes.inc({ side: 'coordinator' }, r.coordinator.bytes);
    rounds.observe(r.total.rounds);
  };
}
