/**
 * Deployment settings read from CDK context (`cdk.json` or `cdk deploy -c key=value`), parsed once and typed. Values
 * given on the command line arrive as strings, so every number is parsed and range-checked here and a bad value fails
 * the synth with a message naming the key, before anything reaches CloudFormation.
 *
 * | context key                    | meaning                                              | default            |
 * |--------------------------------|------------------------------------------------------|--------------------|
 * | workers                        | K, segment-search functions in the pool               | 8                  |
 * | apiMemory, workerMemory, optimizerMemory | Lambda memory in MiB (128..10240)           | 1024, 2048, 3008   |
 * | apiReservedConcurrency, workerReservedConcurrency, optimizerReservedConcurrency | optional | none (unreserved)  |
 * | prefix                         | object-key prefix in the bucket                        | `strata`           |
 * | logRetentionDays               | CloudWatch Logs retention (a value CloudWatch accepts) | 30                 |
 * | optimizerScheduleMinutes       | period of the scheduled optimizer run                  | 5                  |
 * | alarmEmail                     | if set, alarms notify an SNS topic with this subscriber| no topic           |
 * | removalPolicy                  | `retain` or `destroy` for the data and log buckets     | `retain`           |
 * | throttleRateLimit, throttleBurstLimit | HTTP API stage throttling                       | 200, 400           |
 */
import type { Node } from 'constructs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { API_THROTTLE_DEFAULTS, DEFAULT_PREFIX, OBSERVABILITY_DEFAULTS, SIZING_DEFAULTS } from './defaults.js';

export interface StrataSettings {
  readonly workers: number;
  readonly apiMemoryMiB: number;
  readonly workerMemoryMiB: number;
  readonly optimizerMemoryMiB: number;
  readonly apiReservedConcurrency?: number;
  readonly workerReservedConcurrency?: number;
  readonly optimizerReservedConcurrency?: number;
  readonly prefix: string;
  readonly logRetention: RetentionDays;
  readonly optimizerScheduleMinutes: number;
  readonly alarmEmail?: string;
  readonly removalPolicy: RemovalPolicy;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
}

export function readSettings(node: Node): StrataSettings {
  const get = (key: string): unknown => node.tryGetContext(key);
  return {
    workers: integer(get, 'workers', SIZING_DEFAULTS.workers, 1, 256),
    apiMemoryMiB: integer(get, 'apiMemory', SIZING_DEFAULTS.apiMemoryMiB, 128, 10240),
    workerMemoryMiB: integer(get, 'workerMemory', SIZING_DEFAULTS.workerMemoryMiB, 128, 10240),
    optimizerMemoryMiB: integer(get, 'optimizerMemory', SIZING_DEFAULTS.optimizerMemoryMiB, 128, 10240),
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
    throttleRateLimit: integer(get, 'throttleRateLimit', API_THROTTLE_DEFAULTS.rateLimit, 1, 1_000_000),
    throttleBurstLimit: integer(get, 'throttleBurstLimit', API_THROTTLE_DEFAULTS.burstLimit, 1, 1_000_000),
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

function removal(raw: unknown): RemovalPolicy {
  if (raw === undefined || raw === null || raw === '' || raw === 'retain') return RemovalPolicy.RETAIN;
  if (raw === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`context 'removalPolicy' must be 'retain' or 'destroy', got ${JSON.stringify(raw)}`);
}
