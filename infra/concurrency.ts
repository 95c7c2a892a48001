/**
 * Reserved concurrency and the HTTP API throttle, derived from ONE setting: the number of concurrent executions the
 * stack may take from the account (`concurrencyBudget`), checked against the account's quota.
 *
 * The split follows the query's shape (DESIGN.md §5): a query holds one api execution and at most one execution of
 * each of the K worker functions, so with A api executions every worker function needs A too:
 *
 *     A + K·A + optimizer ≤ budget   →   A = floor((budget − optimizer) / (K + 1))
 *
 * Then a throttled worker never fails a query that the api function accepted, and the throttle (rate A / typical
 * latency, burst A) makes API Gateway answer 429 before Lambda throttles the api function.
 *
 * Invariants (checked here, at synth, with messages naming the context keys):
 * - every reserved value ≥ 1 (the budget must cover one execution of the api, of each worker and of the optimizer);
 * - the reserved total, explicit `*ReservedConcurrency` overrides included, leaves AWS's 100 unreserved executions:
 *   total ≤ accountConcurrencyQuota − 100. Lambda would otherwise reject the deployment at the first function.
 * A budget of 0 reserves nothing; the throttle is then sized as if the whole reservable quota were the budget.
 */
import { API_THROTTLE_SIZING, CONCURRENCY_DEFAULTS } from './defaults.js';

export interface ConcurrencyInput {
  /** Executions the stack reserves in total; 0 = no reservation. */
  readonly budget: number;
  /** The account's concurrent-execution quota. */
  readonly accountQuota: number;
  /** K, worker functions. */
  readonly workers: number;
  /** Explicit per-function reservations; each replaces its derived value and counts in the total. */
  readonly apiOverride?: number;
  readonly workerOverride?: number;
  readonly optimizerOverride?: number;
  /** Explicit stage throttle; replaces the derived value. */
  readonly rateOverride?: number;
  readonly burstOverride?: number;
}

export interface ConcurrencyPlan {
  /** Reserved executions of the api function; undefined = unreserved. */
  readonly api?: number;
  /** Reserved executions of EACH worker function. */
  readonly worker?: number;
  readonly optimizer?: number;
  /** Sum over all functions (api + K × worker + optimizer). */
  readonly reservedTotal: number;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
}

export function planConcurrency(input: ConcurrencyInput): ConcurrencyPlan {
  const { budget, accountQuota, workers } = input;
  const reservable = accountQuota - CONCURRENCY_DEFAULTS.unreservedMinimum;
  if (reservable < 1) {
    throw new Error(
      `context 'accountConcurrencyQuota' is ${accountQuota}: AWS keeps ${CONCURRENCY_DEFAULTS.unreservedMinimum} ` +
        'executions unreserved, so nothing can be reserved; ask for a quota increase (Service Quotas, Lambda, ' +
        "'Concurrent executions') or set -c concurrencyBudget=0",
    );
  }
  const optimizerShare = budget > 0 ? CONCURRENCY_DEFAULTS.optimizer : 0;
  const perFunction = budget > 0 ? Math.floor((budget - optimizerShare) / (workers + 1)) : 0;
  if (budget > 0 && perFunction < 1) {
    throw new Error(
      `context 'concurrencyBudget' is ${budget}: one execution for the api function, each of the ${workers} workers ` +
        `and ${optimizerShare} for the optimizer need at least ${workers + 1 + optimizerShare}`,
    );
  }
  const derived = (value: number): number | undefined => (value > 0 ? value : undefined);
  const api = input.apiOverride ?? derived(perFunction);
  const worker = input.workerOverride ?? derived(perFunction);
  const optimizer = input.optimizerOverride ?? derived(optimizerShare);
  const reservedTotal = (api ?? 0) + workers * (worker ?? 0) + (optimizer ?? 0);
  if (reservedTotal > reservable) {
    throw new Error(
      `reserved concurrency api ${api ?? 0} + ${workers} workers × ${worker ?? 0} + optimizer ${optimizer ?? 0} = ` +
        `${reservedTotal} exceeds the account quota ${accountQuota} minus the ` +
        `${CONCURRENCY_DEFAULTS.unreservedMinimum} executions AWS keeps unreserved (at most ${reservable}): lower ` +
        "'concurrencyBudget' (or the '*ReservedConcurrency' overrides), or raise 'accountConcurrencyQuota' after a " +
        'quota increase',
    );
  }
  // without a reservation the api may use what the account could give it
  const apiExecutions = api ?? Math.max(1, Math.floor(reservable / (workers + 1)));
  return {
    ...(api !== undefined ? { api } : {}),
    ...(worker !== undefined ? { worker } : {}),
    ...(optimizer !== undefined ? { optimizer } : {}),
    reservedTotal,
    throttleRateLimit:
      input.rateOverride ?? Math.max(1, Math.floor((apiExecutions * 1000) / API_THROTTLE_SIZING.typicalQueryLatencyMs)),
    throttleBurstLimit: input.burstOverride ?? apiExecutions,
  };
}
