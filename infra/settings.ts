/**
 * Deployment settings read from CDK context (`cdk.json` or `cdk deploy -c key=value`), parsed once and typed. Values
 * given on the command line arrive as strings, so every number is parsed and range-checked here and a bad value fails
 * the synth with a message naming the key, before anything reaches CloudFormation.
 *
 * | context key                    | meaning                                              | default            |
 * |--------------------------------|------------------------------------------------------|--------------------|
 * | workers                        | K, segment-search functions in the pool               | 8                  |
 * | apiMemory, workerMemory, optimizerMemory | Lambda memory in MiB (128..10240)           | 1024, 2048, 3008   |
 * | concurrencyBudget              | executions the stack reserves in total (concurrency.ts | 500                |
 * |                                | splits it; 0 = reserve nothing)                        |                    |
 * | accountConcurrencyQuota        | the account's concurrent-execution quota               | 1000               |
 * | apiReservedConcurrency, workerReservedConcurrency, optimizerReservedConcurrency | overrides | derived      |
 * | queryDeadlineMs                | one query's fan-out budget; sets the worker timeout    | 10000              |
 * | sourceMaps                     | NODE_OPTIONS=--enable-source-maps (slower cold start)  | false              |
 * | prefix                         | object-key prefix in the bucket                        | `strata`           |
 * | logRetentionDays               | CloudWatch Logs retention (a value CloudWatch accepts) | 30                 |
 * | optimizerScheduleMinutes       | period of the scheduled optimizer run                  | 5                  |
 * | alarmEmail                     | if set, alarms notify an SNS topic with this subscriber| no topic           |
 * | removalPolicy                  | `retain` or `destroy` for the data and log buckets     | `retain`           |
 * | throttleRateLimit, throttleBurstLimit | HTTP API stage throttling overrides             | derived            |
 * | endpoint                       | `http-api` (API Gateway) or `function-url` (http-api.ts)| `http-api`         |
 */
import type { Node } from 'constructs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Endpoint } from './http-api.js';
import {
  CONCURRENCY_DEFAULTS,
  DEFAULT_PREFIX,
  MAX_QUERY_DEADLINE_MS,
  OBSERVABILITY_DEFAULTS,
  QUERY_DEADLINE,
  SIZING_DEFAULTS,
} from './defaults.js';

export interface StrataSettings {
  readonly workers: number;
  readonly apiMemoryMiB: number;
  readonly workerMemoryMiB: number;
  readonly optimizerMemoryMiB: number;
  /** Executions the stack reserves in total (concurrency.ts); 0 = none. */
  readonly concurrencyBudget: number;
  readonly accountConcurrencyQuota: number;
  /** Overrides of the values derived from the budget. */
  readonly apiReservedConcurrency?: number;
  readonly workerReservedConcurrency?: number;
  readonly optimizerReservedConcurrency?: number;
  readonly prefix: string;
  readonly logRetention: RetentionDays;
  readonly optimizerScheduleMinutes: number;
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
  /** Overrides of the throttle derived from the api's concurrency. */
  readonly throttleRateLimit?: number;
  readonly throttleBurstLimit?: number;
  readonly queryDeadlineMs: number;
  readonly sourceMaps: boolean;
  /** The api function's front door. */
  readonly endpoint: Endpoint;
}

export function readSettings(node: Node): StrataSettings {
  const get = (key: string): unknown => node.tryGetContext(key);
  return {
    // the real maximum depends on the template (limits.ts checks it after the stack is built)
    workers: integer(get, 'workers', SIZING_DEFAULTS.workers, 1, 1024),
    apiMemoryMiB: integer(get, 'apiMemory', SIZING_DEFAULTS.apiMemoryMiB, 128, 10240),
    workerMemoryMiB: integer(get, 'workerMemory', SIZING_DEFAULTS.workerMemoryMiB, 128, 10240),
    optimizerMemoryMiB: integer(get, 'optimizerMemory', SIZING_DEFAULTS.optimizerMemoryMiB, 128, 10240),
    concurrencyBudget: integer(get, 'concurrencyBudget', CONCURRENCY_DEFAULTS.budget, 0, 1_000_000),
    accountConcurrencyQuota: integer(get, 'accountConcurrencyQuota', CONCURRENCY_DEFAULTS.accountQuota, 1, 1_000_000),
    apiReservedConcurrency: optionalInteger(get, 'apiReservedConcurrency', 1, 100_000),
    workerReservedConcurrency: optionalInteger(get, 'workerReservedConcurrency', 1, 100_000),
    optimizerReservedConcurrency: optionalInteger(get, 'optimizerReservedConcurrency', 1, 100_000),
    prefix: prefix(get('prefix')),
    logRetention: retention(get('logRetentionDays')),
    optimizerScheduleMinutes: integer(
      get,
      'optimizerScheduleMinutes',
      SIZING_DEFAULTS.optimizerScheduleMinutes,
      1,
      1440,
    ),
    alarmEmail: optionalString(get('alarmEmail')),
    removalPolicy: removal(get('removalPolicy')),
    throttleRateLimit: optionalInteger(get, 'throttleRateLimit', 1, 1_000_000),
    throttleBurstLimit: optionalInteger(get, 'throttleBurstLimit', 1, 1_000_000),
    queryDeadlineMs: integer(
      get,
      'queryDeadlineMs',
      QUERY_DEADLINE.defaultMs,
      QUERY_DEADLINE.minimumMs,
      MAX_QUERY_DEADLINE_MS,
    ),
    sourceMaps: flag(get('sourceMaps'), 'sourceMaps'),
    endpoint: endpoint(get('endpoint')),
  };
}

type Get = (key: string) => unknown;

function integer(get: Get, key: string, fallback: number, min: number, max: number): number {
  return optionalInteger(get, key, min, max) ?? fallback;
}

function optionalInteger(get: Get, key: string, min: number, max: number): number | undefined {
  const raw = get(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`context '${key}' must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(raw: unknown, key: string): boolean {
  if (raw === undefined || raw === null || raw === '' || raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`context '${key}' must be true or false, got ${JSON.stringify(raw)}`);
}

function optionalString(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw).trim();
  return value === '' ? undefined : value;
}

/** No leading or trailing slash: keys are `{prefix}/collections/...` and IAM resources `{bucket}/{prefix}/*`. */
function prefix(raw: unknown): string {
  if (raw === undefined || raw === null) return DEFAULT_PREFIX;
  const value = String(raw).trim();
  if (!/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/.test(value)) {
    throw new Error(
      `context 'prefix' must be a non-empty S3 key prefix without leading/trailing '/' or '*', got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

function retention(raw: unknown): RetentionDays {
  if (raw === undefined || raw === null || raw === '') return OBSERVABILITY_DEFAULTS.logRetention;
  const days = Number(raw);
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`context 'logRetentionDays' must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return days as RetentionDays;
}

function endpoint(raw: unknown): Endpoint {
  if (raw === undefined || raw === null || raw === '' || raw === 'http-api') return 'http-api';
  if (raw === 'function-url') return 'function-url';
  throw new Error(`context 'endpoint' must be 'http-api' or 'function-url', got ${JSON.stringify(raw)}`);
}

function removal(raw: unknown): RemovalPolicy {
  if (raw === undefined || raw === null || raw === '' || raw === 'retain') return RemovalPolicy.RETAIN;
  if (raw === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`context 'removalPolicy' must be 'retain' or 'destroy', got ${JSON.stringify(raw)}`);
}
