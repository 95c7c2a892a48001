import { describe, expect, it, vi } from 'vitest';
import type { SegmentSearchResult, SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { StrataError, invalid, isStrataError } from '../../../lib/model/errors.js';
import { DirectInvoker, type SegmentRunner } from '../../../lib/runtime/direct-invoker.js';
import { withFaultPolicy } from '../../../lib/runtime/fault-policy.js';
import { Deadline } from '../../../lib/model/deadline.js';

const task: SegmentSearchTask = {
  collectionPrefix: 'collections/c',
  segments: [{ id: 'seg-a', deletedVersion: 0 }],
  vector: [0.1, 0.2],
  limit: 3,
  params: { exact: false },
};

const good: SegmentSearchResult = {
  candidates: [{ id: 7, version: 1, similarity: 0.9, segment: 'seg-a', offset: 3 }],
  stats: { segments: 1, distances: 10, gets: 0, bytes: 0, rounds: 0, cold: 0, millis: 1 },
};

const never = <T>(): Promise<T> => new Promise<T>(() => {});

async function failure(p: Promise<unknown>): Promise<StrataError> {
  const error = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrataError);
  return error as StrataError;
}

describe('fault policy: one retry, then unavailable', () => {
  it('retries a throwing attempt once and returns the second answer', async () => {
    const attempt = vi.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValueOnce('ok');
    await expect(withFaultPolicy(attempt, { deadlineMs: 1000, label: 'w' })).resolves.toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('fails with unavailable after exactly two throwing attempts, naming the worker and the cause', async () => {
    const attempt = vi.fn().mockRejectedValue(new Error('boom'));
    const error = await failure(withFaultPolicy(attempt, { deadlineMs: 1000, label: 'segment worker 3' }));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/segment worker 3 failed after 2 attempts: Error: boom/);
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('does not retry invalid input and keeps its kind', async () => {
    const attempt = vi.fn().mockRejectedValue(invalid('bad filter'));
    const error = await failure(withFaultPolicy(attempt, { deadlineMs: 1000, label: 'w' }));
    expect(error.kind).toBe('invalid');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('abandons a hung first attempt at its share of the budget, aborts it, and retries in the remaining time', async () => {
    const signals: AbortSignal[] = [];
    const started = Date.now();
    const result = await withFaultPolicy(
      (signal, i) => {
        signals.push(signal);
        return i === 0 ? never<string>() : Promise.resolve('second');
      },
      { deadlineMs: 1000, label: 'w' },
    );
    expect(result).toBe('second');
    expect(signals[0].aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(495);
    expect(Date.now() - started).toBeLessThan(990);
  });

  it('without abort signals, still abandons a hung attempt at its share and retries; the signal never fires', async () => {
    const seen: { signal: AbortSignal; timeoutMs: number }[] = [];
    const result = await withFaultPolicy(
      (signal, i, timeoutMs) => {
        seen.push({ signal, timeoutMs });
        return i === 0 ? never<string>() : Promise.resolve('second');
      },
      { deadlineMs: 400, label: 'w', abortSignals: false },
    );
    expect(result).toBe('second');
    // the attempt learns when it is abandoned from its timeout, not from the signal
    expect(seen.map((s) => s.signal.aborted)).toEqual([false, false]);
    expect(seen[0].timeoutMs).toBeGreaterThan(100);
    expect(seen[0].timeoutMs).toBeLessThanOrEqual(200);
  });

  it('never keeps the caller past the deadline when every attempt hangs', async () => {
    const started = Date.now();
    const error = await failure(withFaultPolicy(() => never(), { deadlineMs: 300, label: 'w' }));
    const elapsed = Date.now() - started;
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/timed out/);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(800);
  });

  it('accepts a Deadline (an instant) as well as a budget', async () => {
    const started = Date.now();
    await failure(withFaultPolicy(() => never(), { deadline: Deadline.at(Date.now() + 100), label: 'w' }));
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('treats a synchronous throw like a rejected attempt', async () => {
    let calls = 0;
    const error = await failure(
      withFaultPolicy(
        () => {
          calls++;
          throw new Error('sync');
        },
        { deadlineMs: 500, label: 'w' },
      ),
    );
    expect(calls).toBe(2);
    expect(error.kind).toBe('unavailable');
  });
});

describe('DirectInvoker', () => {
  it('runs the task in-process and returns the validated result', async () => {
    const run = vi.fn<SegmentRunner>().mockResolvedValue(good);
    const invoker = new DirectInvoker({ run, workers: 4 });
    await expect(invoker.invoke(2, task, 1000)).resolves.toEqual(good);
    expect(run).toHaveBeenCalledWith(task, 2, expect.any(AbortSignal));
  });

  it('hands the runner a copy that crossed JSON, as a thread or Lambda would', async () => {
    let seen: SegmentSearchTask | undefined;
    const invoker = new DirectInvoker({
      run: async (t) => {
        seen = t;
        return good;
      },
    });
    await invoker.invoke(0, task, 1000);
    expect(seen).toEqual(task);
    expect(seen).not.toBe(task);
  });

  it('treats a garbage result as a failure: one retry, then unavailable', async () => {
    const run = vi.fn<SegmentRunner>().mockResolvedValue({ candidates: 'nope' } as unknown as SegmentSearchResult);
    const error = await failure(new DirectInvoker({ run }).invoke(0, task, 1000));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/garbage segment search result/);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('recovers when only the first attempt answers garbage', async () => {
    const run = vi
      .fn<SegmentRunner>()
      .mockResolvedValueOnce({
        candidates: [{ id: 1, version: 1, similarity: Number.NaN, segment: 's', offset: 0 }],
        stats: good.stats,
      })
      .mockResolvedValueOnce(good);
    await expect(new DirectInvoker({ run }).invoke(0, task, 1000)).resolves.toEqual(good);
  });

  it('honours the deadline with a slow runner', async () => {
    const started = Date.now();
    const error = await failure(new DirectInvoker({ run: () => never() }).invoke(0, task, 120));
    expect(isStrataError(error, 'unavailable')).toBe(true);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('rejects a malformed task as invalid without running it', async () => {
    const run = vi.fn<SegmentRunner>().mockResolvedValue(good);
    const error = await failure(new DirectInvoker({ run }).invoke(0, { ...task, segments: [] }, 1000));
    expect(error.kind).toBe('invalid');
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses a worker outside 0..K-1', async () => {
    await expect(new DirectInvoker({ run: async () => good, workers: 2 }).invoke(2, task, 100)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('fault policy: throttling is retried with jittered backoff inside the deadline', () => {
  class Throttled extends Error {
    override name = 'TooManyRequestsException';
  }
  const isThrottled = (e: unknown) => e instanceof Throttled;

  it('retries a burst of throttles with full-jitter exponential backoff, then answers', async () => {
    const pauses: number[] = [];
    const attempt = vi.fn();
    for (let i = 0; i < 5; i++) attempt.mockRejectedValueOnce(new Throttled('Rate Exceeded.'));
    attempt.mockResolvedValueOnce('ok');
    const result = await withFaultPolicy(attempt, {
      deadlineMs: 10_000,
      label: 'w',
      isThrottled,
      backoffBaseMs: 10,
      backoffMaxMs: 40,
      random: () => 0.5,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(result).toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(6);
    // half of min(cap, base·2^n): the window doubles per throttle up to the cap
    expect(pauses).toEqual([5, 10, 20, 20, 20]);
  });

  it('spreads the pauses of concurrent callers (the jitter comes from `random`)', async () => {
    const pausesOf = async (r: number) => {
      const pauses: number[] = [];
      await withFaultPolicy(vi.fn().mockRejectedValueOnce(new Throttled()).mockResolvedValueOnce('ok'), {
        deadlineMs: 1000,
        label: 'w',
        isThrottled,
        random: () => r,
        sleep: async (ms) => {
          pauses.push(ms);
        },
      });
      return pauses[0];
    };
    expect(await pausesOf(0.1)).toBeLessThan(await pausesOf(0.9));
  });

  it('throttles do not use up the one retry a failed attempt gets', async () => {
    const attempt = vi
      .fn()
      .mockRejectedValueOnce(new Throttled())
      .mockRejectedValueOnce(new Error('boom'))
      .mockRejectedValueOnce(new Throttled())
      .mockResolvedValueOnce('ok');
    await expect(
      withFaultPolicy(attempt, { deadlineMs: 1000, label: 'w', isThrottled, sleep: async () => {} }),
    ).resolves.toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(4);
  });

  it('a throttle that outlasts the deadline fails unavailable on time, saying it was throttled', async () => {
    const attempt = vi.fn().mockRejectedValue(new Throttled('Rate Exceeded.'));
    const started = Date.now();
    const error = await failure(
      withFaultPolicy(attempt, { deadlineMs: 300, label: 'segment worker 2', isThrottled, backoffBaseMs: 20 }),
    );
    expect(Date.now() - started).toBeLessThan(600);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/segment worker 2 failed after \d+ attempts \(\d+ throttled\): .*Rate Exceeded/);
    expect(attempt.mock.calls.length).toBeGreaterThan(2);
  });

  it('an attempt the deadline cuts short after throttles still names the throttle as the cause', async () => {
    // throttled twice, then a last attempt that never answers: the deadline ends it
    const attempt = vi
      .fn()
      .mockRejectedValueOnce(new Throttled('Rate Exceeded.'))
      .mockRejectedValueOnce(new Throttled('Rate Exceeded.'))
      .mockImplementation(() => new Promise(() => {}));
    const error = await failure(
      withFaultPolicy(attempt, { deadlineMs: 200, label: 'w', isThrottled, sleep: async () => {} }),
    );
    expect(error.message).toMatch(
      /^w failed after \d+ attempts \(2 throttled\): AttemptTimeoutError: .* \(last throttle: TooManyRequestsException: Rate Exceeded\.\)$/,
    );
  });

  it('without a throttle classifier every error counts as a failure (two attempts)', async () => {
    const attempt = vi.fn().mockRejectedValue(new Throttled());
    await failure(withFaultPolicy(attempt, { deadlineMs: 1000, label: 'w' }));
    expect(attempt).toHaveBeenCalledTimes(2);
  });
});
