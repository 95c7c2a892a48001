/**
 * The AWS invoker: worker i is the i-th segment-search Lambda function (STRATA_WORKER_FUNCTIONS, lib/collection/routing.ts), invoked
 * synchronously (RequestResponse) so its warm containers keep serving the same segments.
 *
 * Invariants:
 * - Faults follow the shared policy (fault-policy.ts): a service error (5xx), a timeout, a FunctionError or a
 *   garbage answer is retried exactly once, then the call fails 'unavailable'; a throttled invoke (429: the
 *   function's reserved concurrency is in use, so the invoke never ran) is retried with jittered backoff while the
 *   query deadline allows. The SDK's own retries are off (maxAttempts 1) so the policy alone decides.
 * - Each attempt is aborted at its timeout through the SDK's AbortSignal: no caller waits past its deadline.
 * - Lambda caps a synchronous request and response at 6 MB. A task whose request would exceed it is refused before
 *   any invoke; a task whose answer could exceed it (limit × segments candidates) is split into segment groups
 *   invoked concurrently on the same function, whose answers are concatenated.
 * - Concurrency per container is capped (a semaphore); queueing counts against the deadline.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { Invoker } from '../collection/invoker.js';
import type { SegmentRef, SegmentSearchResult, SegmentSearchTask } from '../segment/task-contract.js';
import { internal, invalid, unavailable } from '../model/errors.js';
import { Deadline } from '../model/deadline.js';
import { type FaultPolicyOptions, withFaultPolicy } from './fault-policy.js';
import { Semaphore } from './semaphore.js';
import { mergeResults } from '../segment/task-contract.js';
import { parseSegmentResult, parseSegmentTask } from '../segment/task-schema.js';

/** Lambda's synchronous invocation payload limit, request and response alike. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** Headroom under the limit for the JSON envelope and stats. */
const PAYLOAD_HEADROOM = 64 * 1024;
/** Upper bound of one serialized candidate without its segment id: a UUID id, a 2^53 version, a 17-digit score. */
const CANDIDATE_BYTES = 120;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LambdaClientSettings {
  region?: string;
  /** endpoint override (tests, LocalStack) */
  endpoint?: string;
  /** sockets kept per container; match the invoker's concurrency */
  maxSockets?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A Lambda client for the invokers: SDK retries off (the fault policy owns retries), keep-alive sockets. */
export function createLambdaClient(settings: LambdaClientSettings = {}): LambdaClient {
  return new LambdaClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: settings.maxSockets ?? 64 },
      httpsAgent: { keepAlive: true, maxSockets: settings.maxSockets ?? 64 },
    },
  });
}

export interface LambdaInvokerOptions {
  client: LambdaClient;
  /** worker i = functionNames[i] */
  functionNames: readonly string[];
  /** concurrent invokes in flight from this container. @default 64 */
  concurrency?: number;
  /** version or alias to invoke */
  qualifier?: string;
  /** payload limit, request and response; lowered by tests. @default 6 MB */
  payloadLimit?: number;
  onFailure?: (error: unknown, worker: number) => void;
  /** backoff after a throttled invoke (fault-policy.ts); tests shorten it. @default the policy's */
  backoff?: Pick<FaultPolicyOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'random' | 'sleep'>;
}

/** Error payload of a failed Lambda function (FunctionError 'Unhandled' or 'Handled'). */
interface FunctionErrorPayload {
  errorType?: string;
  errorMessage?: string;
}

export class LambdaInvoker implements Invoker {
  readonly workers: number;
  readonly #client: LambdaClient;
  readonly #names: readonly string[];
  readonly #slots: Semaphore;
  readonly #qualifier: string | undefined;
  readonly #limit: number;
  readonly #onFailure: ((error: unknown, worker: number) => void) | undefined;
  readonly #backoff: NonNullable<LambdaInvokerOptions['backoff']>;

  constructor(options: LambdaInvokerOptions) {
    if (options.functionNames.length === 0) throw invalid('LambdaInvoker needs at least one segment-search function');
    this.workers = options.functionNames.length;
    this.#client = options.client;
    this.#names = options.functionNames;
    this.#slots = new Semaphore(options.concurrency ?? 64);
    this.#qualifier = options.qualifier;
    this.#limit = (options.payloadLimit ?? LAMBDA_PAYLOAD_LIMIT) - PAYLOAD_HEADROOM;
    this.#onFailure = options.onFailure;
    this.#backoff = options.backoff ?? {};
  }

  async invoke(worker: number, task: SegmentSearchTask, deadlineMs: number): Promise<SegmentSearchResult> {
    const name = this.#names[worker];
    if (name === undefined) throw new RangeError(`worker ${worker} out of range 0..${this.workers - 1}`);
    parseSegmentTask(task);
    // one instant for every split group of this task: the budget is the call's, not each group's
    const deadline = Deadline.in(deadlineMs);
    const groups = this.#splitForResponse(task);
    const results = await Promise.all(
      groups.map((segments) => this.#invokeOne(worker, name, { ...task, segments }, deadline)),
    );
    return results.length === 1 ? results[0] : mergeResults(results);
  }

  async close(): Promise<void> {
    // the client is shared at module scope and owned by the entry point; nothing per-invoker to release
  }

  #invokeOne(worker: number, name: string, task: SegmentSearchTask, deadline: Deadline): Promise<SegmentSearchResult> {
    const payload = taskPayload(task);
    if (payload.byteLength > this.#limit) {
      // the query vector and the WAL-shadowed ids travel whole with every task: splitting segments cannot help
      throw unavailable(
        `segment search task for ${name} is ${payload.byteLength} bytes, over Lambda's ${this.#limit + PAYLOAD_HEADROOM}-byte ` +
          `request limit (exclude list of ${task.exclude?.length ?? 0} ids: run the optimizer to seal the WAL)`,
      );
    }
    return withFaultPolicy(
      (signal) =>
        this.#slots.run(async () => {
          const out = await this.#client.send(
            new InvokeCommand({
              FunctionName: name,
              InvocationType: 'RequestResponse',
              Payload: payload,
              ...(this.#qualifier ? { Qualifier: this.#qualifier } : {}),
            }),
            { abortSignal: signal },
          );
          return decodeInvokeOutput(name, out);
        }, signal),
      {
        deadline,
        label: `segment worker ${worker} (${name})`,
        onFailure: (e) => this.#onFailure?.(e, worker),
        isThrottled: isThrottle,
        ...this.#backoff,
      },
    );
  }

  /** Segment groups whose worst-case answer fits the response limit. */
  #splitForResponse(task: SegmentSearchTask): SegmentRef[][] {
    const idBytes = Math.max(...task.segments.map((s) => s.id.length));
    const perSegment = task.limit * (CANDIDATE_BYTES + idBytes);
    if (perSegment > this.#limit) {
      throw invalid(
        `limit ${task.limit} is too large: one segment's candidates would exceed Lambda's ` +
          `${this.#limit + PAYLOAD_HEADROOM}-byte response limit`,
      );
    }
    const perGroup = Math.max(1, Math.floor(this.#limit / perSegment));
    if (task.segments.length <= perGroup) return [task.segments];
    const groups: SegmentRef[][] = [];
    for (let i = 0; i < task.segments.length; i += perGroup) groups.push(task.segments.slice(i, i + perGroup));
    return groups;
  }
}

/** below this many elements an array is serialized with its task */
const ARRAY_JSON_MIN = 64;
/**
 * Long arrays serialized (and encoded) once, by array: the WAL tail winners' ids (thousands under a writer) are the
 * same list for every query and every worker until the next WAL object, and a query's vector is the same in its K
 * tasks; each was serialized and encoded once per invoke.
 */
const arrayBytes = new WeakMap<readonly unknown[], Uint8Array>();

function bytesOf(array: readonly unknown[]): Uint8Array {
  let bytes = arrayBytes.get(array);
  if (bytes === undefined) arrayBytes.set(array, (bytes = encoder.encode(JSON.stringify(array))));
  return bytes;
}

const VECTOR_KEY = encoder.encode(',"vector":');
const EXCLUDE_KEY = encoder.encode(',"exclude":');
const CLOSE = encoder.encode('}');

/**
 * The task as its invoke payload: JSON.stringify's bytes, but for the key order (a long `vector` and `exclude`
 * last), each long array serialized and encoded once per array (the task already checked).
 */
export function taskPayload(task: SegmentSearchTask): Uint8Array {
  const { vector, exclude } = task;
  const longVector = vector.length >= ARRAY_JSON_MIN;
  const longExclude = exclude != null && exclude.length >= ARRAY_JSON_MIN;
  if (!longVector && !longExclude) return encoder.encode(JSON.stringify(task));
  const head = JSON.stringify({
    ...task,
    ...(longVector ? { vector: undefined } : {}),
    ...(longExclude ? { exclude: undefined } : {}),
  });
  return Buffer.concat([
    encoder.encode(head.slice(0, -1)),
    ...(longVector ? [VECTOR_KEY, bytesOf(vector)] : []),
    ...(longExclude ? [EXCLUDE_KEY, bytesOf(exclude)] : []),
    CLOSE,
  ]);
}

/**
 * Whether an Invoke error is throttling: Lambda's TooManyRequestsException (reserved or account concurrency in use,
 * HTTP 429), or any 429 the SDK surfaces under another name. The invoke did not run, so retrying cannot repeat work.
 */
export function isThrottle(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (
    e.name === 'TooManyRequestsException' || e.name === 'ThrottlingException' || e.$metadata?.httpStatusCode === 429
  );
}

/** A synchronous Invoke's output → the result; FunctionError and garbage become errors (retried by the policy). */
export function decodeInvokeOutput(name: string, out: InvokeCommandOutput): SegmentSearchResult {
  const text = out.Payload ? decoder.decode(out.Payload) : '';
  if (out.FunctionError) {
    const e = parseJson(text) as FunctionErrorPayload | undefined;
    const what =
      e && (e.errorType || e.errorMessage) ? `${e.errorType ?? 'Error'}: ${e.errorMessage ?? ''}` : text.slice(0, 500);
    throw unavailable(`segment-search function ${name} failed (${out.FunctionError}): ${what}`);
  }
  if (out.StatusCode !== undefined && out.StatusCode !== 200) {
    throw unavailable(`segment-search function ${name} answered status ${out.StatusCode}`);
  }
  const value = parseJson(text);
  if (value === undefined)
    throw internal(`segment-search function ${name} answered unparseable JSON: ${text.slice(0, 200)}`);
  return parseSegmentResult(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
