/**
 * The pool of K identical segment-search functions (DESIGN.md §5). The coordinator routes segment s to worker
 * hash(s) mod K so the same warm containers keep the same int8 sets in memory; the routing only works if the
 * coordinator knows the workers in a fixed order, so `functionNames` is ordered by worker index and must be passed
 * on as is (STRATA_WORKER_FUNCTIONS). Changing K reshuffles which worker holds which segment: the next queries are
 * cold, nothing is lost.
 *
 * Workers only read: segment objects under the prefix, by keys the coordinator names.
 */
import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { prefixAccessStatements } from './bucket-access.js';
import { SIZING_DEFAULTS } from './defaults.js';
import { StrataFunction } from './strata-function.js';

export interface WorkerPoolProps {
  readonly bucket: IBucket;
  /** Object-key prefix (no trailing slash). */
  readonly prefix: string;
  /** @default 8 */
  readonly workers?: number;
  /** @default 2048 */
  readonly memoryMiB?: number;
  /** @default Duration.seconds(20) */
  readonly timeout?: Duration;
  /** Reserved concurrency of each worker. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class WorkerPool extends Construct {
  /** Worker functions, index i = worker i. */
  readonly workers: readonly StrataFunction[];

  constructor(scope: Construct, id: string, props: WorkerPoolProps) {
    super(scope, id);
    const count = props.workers ?? SIZING_DEFAULTS.workers;
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`WorkerPool: workers must be a positive integer, got ${count}`);
    const workers: StrataFunction[] = [];
    for (let index = 0; index < count; index++) {
      const worker = new StrataFunction(this, `Worker${index}`, {
        entry: 'segment-search',
        description: `Strata segment search, worker ${index} of ${count}`,
        memoryMiB: props.memoryMiB ?? SIZING_DEFAULTS.workerMemoryMiB,
        timeout: props.timeout ?? SIZING_DEFAULTS.workerTimeout,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
        logRetention: props.logRetention,
        environment: {
          STRATA_BUCKET: props.bucket.bucketName,
          STRATA_PREFIX: props.prefix,
          STRATA_WORKER_INDEX: String(index),
          STRATA_WORKER_COUNT: String(count),
        },
      });
      for (const statement of prefixAccessStatements(props.bucket, props.prefix, 'read-objects')) {
        worker.addToRolePolicy(statement);
      }
      workers.push(worker);
    }
    this.workers = workers;
  }

  get functions(): IFunction[] {
    return this.workers.map((w) => w.function);
  }

  /** Function names in worker order, for STRATA_WORKER_FUNCTIONS. */
  get functionNames(): string[] {
    return this.workers.map((w) => w.function.functionName);
  }
}
