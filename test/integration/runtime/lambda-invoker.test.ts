/**
 * LambdaInvoker through the real @aws-sdk/client-lambda against a local Invoke API (test/support/lambda-server.ts):
 * real wire format, real error decoding, real aborts. The handler here is an in-process stand-in; the acceptance
 * test runs the built segment-search bundle behind the same server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentSearchResult, SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { StrataError } from '../../../lib/model/errors.js';
import { LambdaInvoker, createLambdaClient, taskPayload } from '../../../lib/runtime/lambda-invoker.js';
import { startLambdaServer, type LambdaServer } from '../../support/lambda-server.js';

const task = (segments: string[], limit = 2): SegmentSearchTask => ({
  collectionPrefix: 'collections/c',
  segments: segments.map((id) => ({ id, deletedVersion: 0 })),
  vector: [0.5, 0.5],
  limit,
  params: { exact: true },
});

/** in-flight counts of the concurrency test's own tasks (a slow invoke an earlier test abandoned may still land) */
const COUNTED = 'collections/counted';
let inFlight = 0;
let maxInFlight = 0;
/** the exclude lists the functions received, in order */
const excludesSeen: unknown[] = [];
/** the query vectors they received, in order */
const vectorsSeen: unknown[] = [];

async function fakeSegmentSearch(event: unknown): Promise<SegmentSearchResult> {
  const t = event as SegmentSearchTask;
  if (t.exclude !== undefined) {
    excludesSeen.push(t.exclude);
    vectorsSeen.push(t.vector);
  }
  const counted = t.collectionPrefix === COUNTED;
  if (counted) inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((r) => setTimeout(r, 20));
  if (counted) inFlight--;
  return {
    candidates: t.segments.flatMap((s) =>
      Array.from({ length: t.limit }, (_, i) => ({
        id: i,
        version: 1,
        similarity: 1 - i / 10,
        segment: s.id,
        offset: i,
      })),
    ),
    stats: {
      segments: t.segments.length,
      distances: t.segments.length * 10,
      gets: 1,
      bytes: 100,
      rounds: 1,
      cold: 0,
      millis: 20,
    },
  };
}

describe('LambdaInvoker over the real SDK and the Invoke wire protocol', () => {
  let server: LambdaServer;
  let invoker: LambdaInvoker;
  const names = ['strata-worker-0', 'strata-worker-1'];

  beforeAll(async () => {
    server = await startLambdaServer(Object.fromEntries(names.map((n) => [n, fakeSegmentSearch])));
    const client = createLambdaClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    invoker = new LambdaInvoker({ client, functionNames: names, concurrency: 2 });
  });
  afterAll(async () => {
    await invoker.close();
    await server.close();
  });
  // a failed assertion must not leave its injected faults to the next test
  afterEach(() => server.clearFaults());

  const countFor = (name: string): number => server.invocations.filter((i) => i.name === name).length;
  const failure = async (p: Promise<unknown>): Promise<StrataError> => {
    const e = await p.then(
      () => new Error('expected failure'),
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  };

  it('invokes worker i as the i-th function, synchronously, and returns its validated answer', async () => {
    const before = countFor('strata-worker-1');
    const result = await invoker.invoke(1, task(['s1']), 5000);
    expect(result.candidates).toHaveLength(2);
    expect(result.stats.segments).toBe(1);
    expect(countFor('strata-worker-1')).toBe(before + 1);
    expect(server.invocations.at(-1)).toMatchObject({ name: 'strata-worker-1', type: 'RequestResponse' });
  });

  it.each([['service-error'], ['function-error'], ['garbage'], ['wrong-shape']] as const)(
    'retries once after a %s and returns the second answer',
    async (fault) => {
      const before = countFor('strata-worker-0');
      server.inject('strata-worker-0', fault);
      const result = await invoker.invoke(0, task(['s0']), 5000);
      expect(result.candidates).toHaveLength(2);
      expect(countFor('strata-worker-0')).toBe(before + 2);
    },
  );

  it('retries a burst of 429 throttles with backoff and answers within the deadline', async () => {
    const before = countFor('strata-worker-0');
    server.inject('strata-worker-0', 'throttle', 'throttle', 'throttle', 'throttle', 'throttle');
    const started = Date.now();
    const result = await invoker.invoke(0, task(['s0']), 5000);
    expect(result.candidates).toHaveLength(2);
    expect(countFor('strata-worker-0')).toBe(before + 6);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails with unavailable when throttling outlasts the deadline, on time and saying why', async () => {
    server.inject('strata-worker-1', ...Array.from({ length: 400 }, () => 'throttle' as const));
    const started = Date.now();
    const error = await failure(invoker.invoke(1, task(['s1']), 800));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/strata-worker-1\) failed after \d+ attempts \(\d+ throttled\)/);
    expect(error.message).toMatch(/TooManyRequestsException|Rate Exceeded/);
    server.clearFaults();
  });

  it.each([
    ['service-error', /ServiceException|internal failure/],
    ['function-error', /failed \(Unhandled\): Sandbox\.Timedout: Task timed out/],
    ['garbage', /unparseable JSON/],
    ['wrong-shape', /garbage segment search result/],
  ] as const)('fails with unavailable after two %s answers, saying why', async (fault, why) => {
    const before = countFor('strata-worker-0');
    server.inject('strata-worker-0', fault, fault);
    const error = await failure(invoker.invoke(0, task(['s0']), 5000));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/segment worker 0 \(strata-worker-0\) failed after 2 attempts/);
    expect(error.message).toMatch(why);
    expect(countFor('strata-worker-0')).toBe(before + 2);
  });

  it('aborts a slow invoke at its timeout and never waits past the deadline', async () => {
    server.inject('strata-worker-0', { delayMs: 3000 }, { delayMs: 3000 });
    const started = Date.now();
    const error = await failure(invoker.invoke(0, task(['s0']), 600));
    expect(error.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('recovers from one slow invoke within the deadline', async () => {
    server.inject('strata-worker-1', { delayMs: 6000 });
    const started = Date.now();
    const result = await invoker.invoke(1, task(['s1']), 4000);
    expect(result.candidates).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('sends every function the exact vector and exclude list, long ones serialized once, and rejects a bad list', async () => {
    const ids = Array.from({ length: 500 }, (_, i) =>
      i % 5 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i * 7919,
    );
    const long = Array.from({ length: 100 }, (_, i) => Math.sin(i) / 3);
    for (const [exclude, vector] of [
      [ids.slice(0, 10), [0.5, 0.5]],
      [ids, [0.5, 0.5]],
      [ids.slice(0, 10), long],
      [ids, long],
    ] as const) {
      const t = { ...task(['s']), vector: [...vector], exclude, excludeKey: 'n.1' };
      // the payload is the task's own JSON, whatever the key order
      expect(JSON.parse(Buffer.from(taskPayload(t)).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(t)));
      excludesSeen.length = 0;
      vectorsSeen.length = 0;
      await Promise.all([0, 1, 0, 1].map((w) => invoker.invoke(w, t, 5000)));
      expect(excludesSeen).toEqual([exclude, exclude, exclude, exclude]);
      expect(vectorsSeen).toEqual([vector, vector, vector, vector]);
    }
    const before = server.invocations.length;
    const bad = { ...task(['s']), exclude: [...ids.slice(0, 100), 'not-an-id'] };
    await expect(invoker.invoke(0, bad, 5000)).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/exclude\.100/),
    });
    expect(server.invocations.length).toBe(before);
  });

  it('keeps at most `concurrency` invokes in flight', async () => {
    maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        invoker.invoke(i % 2, { ...task([`s${i}`]), collectionPrefix: COUNTED }, 5000),
      ),
    );
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(maxInFlight).toBeGreaterThanOrEqual(1);
  });
});

describe('LambdaInvoker payload limits', () => {
  let server: LambdaServer;
  let invoker: LambdaInvoker;

  beforeAll(async () => {
    server = await startLambdaServer({ w: fakeSegmentSearch });
    const client = createLambdaClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    // a 200 KB limit (64 KB of it headroom) makes the limits reachable with small tasks
    invoker = new LambdaInvoker({ client, functionNames: ['w'], payloadLimit: 200 * 1024 });
  });
  afterAll(() => server.close());

  it('splits a task whose answer could exceed the response limit into segment groups, and merges them', async () => {
    const segments = Array.from({ length: 12 }, (_, i) => `segment-${String(i).padStart(4, '0')}`);
    const before = server.invocations.length;
    const result = await invoker.invoke(0, task(segments, 200), 5000);
    const calls = server.invocations.length - before;
    // 136 KB usable / (200 × (120 + 12) bytes per segment) = 5 segments per invoke → 3 invokes
    expect(calls).toBe(3);
    expect(result.stats.segments).toBe(12);
    expect(new Set(result.candidates.map((c) => c.segment))).toEqual(new Set(segments));
    expect(result.candidates).toHaveLength(12 * 200);
  });

  it('refuses a request over the limit without invoking', async () => {
    const before = server.invocations.length;
    const big = { ...task(['s']), exclude: Array.from({ length: 30_000 }, (_, i) => i + 1_000_000) };
    await expect(invoker.invoke(0, big, 5000)).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/request limit/),
    });
    expect(server.invocations.length).toBe(before);
  });

  it('rejects a limit no single response could carry as invalid', async () => {
    await expect(invoker.invoke(0, task(['s'], 5000), 5000)).rejects.toMatchObject({ kind: 'invalid' });
  });
});
