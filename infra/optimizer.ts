/**
 * The optimizer function: seals WAL objects into segments, merges segments and collects garbage (DESIGN.md §2, §3).
 * It runs when the api function invokes it asynchronously after a write, and on a schedule, so a collection whose
 * writer went quiet is still sealed. Discovering which collections need work is the function's job; the scheduled
 * event is EventBridge's standard `Scheduled Event`, unchanged.
 *
 * Runs may overlap (a schedule tick during an invoked run): the manifest compare-and-swap (DESIGN.md §4.3) makes that
 * safe, so no concurrency limit is imposed here. Async invocations are not retried by Lambda (the next tick retries
 * with fresh state) and expire after `maxEventAge` so a backlog of stale "a write happened" events cannot pile up.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { prefixAccessStatements } from './bucket-access.js';
import { SIZING_DEFAULTS } from './defaults.js';
import { StrataFunction } from './strata-function.js';

export interface OptimizerProps {
  readonly bucket: IBucket;
  /** Object-key prefix (no trailing slash). */
  readonly prefix: string;
  /**
   * Number of segment-search functions K: a collection created with `default_segment_number: 0` is sealed into K
   * segments, one per worker.
   */
  readonly workers: number;
  /** @default 3008 */
  readonly memoryMiB?: number;
  /** @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /** Period of the scheduled run, in minutes. @default 5 */
  readonly scheduleMinutes?: number;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default false */
  readonly sourceMaps?: boolean;
  /**
   * How long an asynchronous invocation may wait in Lambda's queue before it is dropped.
   * @default Duration.minutes(15)
   */
  readonly maxEventAge?: Duration;
}

export class Optimizer extends Construct {
  readonly optimizer: StrataFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: OptimizerProps) {
    super(scope, id);
    this.optimizer = new StrataFunction(this, 'Optimizer', {
      entry: 'optimizer',
      description: 'Strata optimizer: seals WAL into segments, merges segments, collects garbage',
      memoryMiB: props.memoryMiB ?? SIZING_DEFAULTS.optimizerMemoryMiB,
      timeout: props.timeout ?? SIZING_DEFAULTS.optimizerTimeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      logRetention: props.logRetention,
      sourceMaps: props.sourceMaps,
      environment: {
        STRATA_BUCKET: props.bucket.bucketName,
        STRATA_PREFIX: props.prefix,
        STRATA_WORKERS: String(props.workers),
      },
    });
    for (const statement of prefixAccessStatements(props.bucket, props.prefix, 'read-write-delete')) {
      this.optimizer.addToRolePolicy(statement);
    }
    this.optimizer.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(15),
    });

    this.schedule = new Rule(this, 'Schedule', {
      description: 'Periodic Strata optimizer run (collection discovery happens inside the function)',
      schedule: Schedule.rate(Duration.minutes(props.scheduleMinutes ?? SIZING_DEFAULTS.optimizerScheduleMinutes)),
      targets: [new LambdaFunction(this.optimizer.function, { retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
    });
  }
}
