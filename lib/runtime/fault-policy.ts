/**
 * The one fault policy for every invoker (direct, worker-thread pool, Lambda): an attempt that throws, times out or
 * answers garbage is retried exactly once; a second failure becomes StrataError 'unavailable', which the API maps to
 * a 5xx (DESIGN.md §4.5: no silent partial answers).
 *
 * Invariants:
 * - The caller never waits past the deadline: each attempt races a timer, so even an attempt that ignores its
 *   AbortSignal is abandoned on time (its late answer is dropped).
 * - The first attempt gets a share of the budget (default half) so a hung worker still leaves time for the retry;
 *   the retry gets whatever remains.
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
}

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
  const start = now();
  const deadline = (options.deadline ?? Deadline.in(options.deadlineMs ?? 0, now)).at;
  const share = options.firstAttemptShare ?? 0.5;
  let lastError: unknown = new AttemptTimeoutError(0);
  let attempts = 0;
  for (let i = 0; i < 2; i++) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    const timeoutMs = i === 0 ? Math.max(1, Math.ceil((deadline - start) * share)) : remaining;
    attempts++;
    try {
      return await runAttempt(attempt, i, Math.min(timeoutMs, remaining));
    } catch (error) {
      if (isStrataError(error, 'invalid')) throw error;
      lastError = error;
      options.onFailure?.(error, i);
    }
  }
  throw unavailable(
    `${options.label} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describeError(lastError)}`,
    lastError,
  );
}

function runAttempt<T>(attempt: Attempt<T>, index: number, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    let settled: Promise<T>;
    try {
      settled = attempt(controller.signal, index, timeoutMs);
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
