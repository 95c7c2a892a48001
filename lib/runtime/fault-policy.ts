/**
 * The one fault policy for every invoker (direct, worker-thread pool, Lambda): an attempt that throws, times out or
 * answers garbage is retried exactly once; a second failure becomes StrataError 'unavailable', which the API maps to
 * a 5xx (DESIGN.md §4.5: no silent partial answers).
 *
 * Throttling is not a failure of the worker but a full queue in front of it (Lambda's 429 when a function's
 * reserved concurrency is in use): the invoke never ran, so it is retried for as long as the deadline allows, after
 * a full-jitter exponential backoff (sleep uniform in [0, min(cap, base·2^n)]) so throttled callers spread out
 * instead of knocking again together. Throttled attempts do not use up the one retry a failed attempt gets.
 *
 * Invariants:
 * - The caller never waits past the deadline: each attempt races a timer, so even an attempt that ignores its
 *   AbortSignal is abandoned on time (its late answer is dropped); a backoff never sleeps past it either.
 * - The first real attempt gets a share of the remaining budget (default half) so a hung worker still leaves time
 *   for the retry; the retry gets whatever remains.
 * - 'invalid' errors are the caller's fault and deterministic: they are not retried and keep their kind.
 */
import { isStrataError, unavailable } from '../model/errors.js';
import { Deadline } from '../model/deadline.js';

export interface FaultPolicyOptions {
  /** time budget in ms for the whole call, retry included (ignored when `deadline` is given) */
  deadlineMs?: number;
  /** the instant the whole call must be done by (a caller that splits one budget over several calls) */
  deadline?: Deadline;
  /** names the worker in error messages, e.g. "segment worker 3" */
  label: string;
  /** share of the budget the first attempt may use; default 0.5 */
  firstAttemptShare?: number;
  /** injected clock for tests */
  now?: () => number;
  /** called once per failed attempt (logging, metrics) */
  onFailure?: (error: unknown, attempt: number) => void;
  /** whether an error is throttling (retried with backoff until the deadline); default: none is */
  isThrottled?: (error: unknown) => boolean;
  /** first backoff cap after a throttle, doubled per throttle @default 25 */
  backoffBaseMs?: number;
  /** largest backoff cap @default 1000 */
  backoffMaxMs?: number;
  /**
   * whether each attempt gets an AbortSignal that fires at its timeout. false: attempts get a signal that never
   * fires, for callers that know their timeout anyway (the attempt's `timeoutMs`): an AbortController per attempt
   * was ~4% of the local server's main thread under query load. @default true
   */
  abortSignals?: boolean;
  /** injectable for deterministic tests @default Math.random */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One attempt: must honour `signal` when it can; the policy stops waiting at the timeout either way. `timeoutMs` is
 * the attempt's share of the budget, for workers that stop cooperatively (a task's budgetMs).
 */
export type Attempt<T> = (signal: AbortSignal, attempt: number, timeoutMs: number) => Promise<T>;

export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export async function withFaultPolicy<T>(attempt: Attempt<T>, options: FaultPolicyOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const deadline = (options.deadline ?? Deadline.in(options.deadlineMs ?? 0, now)).at;
  const share = options.firstAttemptShare ?? 0.5;
  const throttled = options.isThrottled ?? (() => false);
  const base = options.backoffBaseMs ?? 25;
  const cap = options.backoffMaxMs ?? 1000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  // null until an attempt fails: an Error built up front (its stack captured) on every call was ~1.7% of the local
  // server's main thread under query load; no attempt at all is reported as a timeout, as before
  let lastError: unknown = null;
  let lastThrottle: unknown = null;
  let attempts = 0;
  let failures = 0;
  let throttles = 0;
  while (failures < 2) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    const timeoutMs = failures === 0 ? Math.max(1, Math.ceil(remaining * share)) : remaining;
    attempts++;
    try {
      return await runAttempt(attempt, attempts - 1, Math.min(timeoutMs, remaining), options.abortSignals !== false);
    } catch (error) {
      if (isStrataError(error, 'invalid')) throw error;
      lastError = error;
      options.onFailure?.(error, attempts - 1);
      if (!throttled(error)) {
        failures++;
        continue;
      }
      throttles++;
      lastThrottle = error;
      // full jitter, never past the deadline; a deadline that leaves no time ends the loop above
      const pause = random() * Math.min(cap, base * 2 ** (throttles - 1));
      await sleep(Math.min(pause, Math.max(0, deadline - now())));
    }
  }
  lastError ??= new AttemptTimeoutError(0);
  const throttleNote = throttles > 0 ? ` (${throttles} throttled)` : '';
  // the last attempt may be one the deadline cut short after throttles: the throttle is the cause worth naming too
  const causeNote =
    lastThrottle !== null && lastThrottle !== lastError ? ` (last throttle: ${describeError(lastThrottle)})` : '';
  throw unavailable(
    `${options.label} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}${throttleNote}: ${describeError(lastError)}${causeNote}`,
    lastError,
  );
}

/** what attempts get when the caller asked for no abort signals */
const NEVER_ABORTED = new AbortController().signal;

function runAttempt<T>(attempt: Attempt<T>, index: number, timeoutMs: number, abortable: boolean): Promise<T> {
  const controller = abortable ? new AbortController() : null;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      controller?.abort(error);
      reject(error);
    }, timeoutMs);
    let settled: Promise<T>;
    try {
      settled = attempt(controller?.signal ?? NEVER_ABORTED, index, timeoutMs);
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function describeError(error: unknown): string {
  if (isStrataError(error)) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
