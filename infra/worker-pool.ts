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
import { QUERY_DEADLINE, SIZING_DEFAULTS, workerTimeoutFor } from './defaults.js';
import { StrataFunction } from './strata-function.js';

export interface WorkerPoolProps {
  readonly bucket: IBucket;
  /** Object-key prefix (no trailing slash). */
  readonly prefix: string;
  /** @default 8 */
  readonly workers?: number;
  /** @default 2048 */
  readonly memoryMiB?: number;
  /** Set just above the query deadline (defaults.ts workerTimeoutFor). @default 11 s (10 s deadline + margin) */
  readonly timeout?: Duration;
  /** Reserved concurrency of each worker. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default false */
  readonly sourceMaps?: boolean;
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
        timeout: props.timeout ?? workerTimeoutFor(QUERY_DEADLINE.defaultMs),
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
        logRetention: props.logRetention,
        sourceMaps: props.sourceMaps,
        // a worker does not need to know its index: the coordinator routes, every worker serves any segment
        environment: {
          STRATA_BUCKET: props.bucket.bucketName,
          STRATA_PREFIX: props.prefix,
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
