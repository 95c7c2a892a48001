/**
 * Secure and sizing defaults for the Strata stack, kept apart from the constructs that apply them (the pattern of AWS
 * Solutions Constructs' `s3-bucket-defaults.ts`): a reviewer reads one file to see what a deployment gets when the
 * user says nothing, and a construct never hides a security decision in its body.
 *
 * Every value here can be overridden through a construct prop or a CDK context key (see settings.ts); the
 * security-relevant ones (encryption, public access, TLS) can only be made stricter, never switched off.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { FUNCTION_BUNDLING_CDK } from '../scripts/bundling-options.js';
import {
  BlockPublicAccess,
  BucketEncryption,
  ObjectOwnership,
  type BucketProps,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';

const MiB = 1024 * 1024;

/**
 * Data bucket. SSE-S3 (not KMS): every query fans out into many small and ranged GETs (DESIGN.md §1, §5), and with
 * SSE-KMS each of them also costs a KMS request, counts against the account's shared KMS request quota and adds a
 * network hop on a cold read. SSE-S3 is free, always on, and meets encryption at rest; a deployment that needs
 * customer-managed keys passes `encryption: BucketEncryption.KMS` to DataBucket (bucket keys are then enabled).
 */
export const DATA_BUCKET_DEFAULTS = {
  encryption: BucketEncryption.S3_MANAGED,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies BucketProps;

/**
 * Versioning keeps every replaced manifest and every deleted segment as a noncurrent version, which is what makes a
 * bad optimizer run or an operator's mistake recoverable; the lifecycle rule bounds what that history costs.
 * Incomplete multipart uploads (a crashed optimizer writing a large segment) are invisible and billed until aborted.
 */
export const DATA_BUCKET_LIFECYCLE_DEFAULTS = {
  noncurrentVersionDays: 7,
  abortIncompleteMultipartUploadDays: 1,
} as const;

export function dataBucketLifecycleRules(noncurrentVersionDays: number, abortDays: number): LifecycleRule[] {
  return [
    {
      id: 'expire-noncurrent-versions-and-abort-uploads',
      enabled: true,
      noncurrentVersionExpiration: Duration.days(noncurrentVersionDays),
      abortIncompleteMultipartUploadAfter: Duration.days(abortDays),
    },
    {
      // A delete marker whose noncurrent versions have all expired protects nothing and slows listings.
      id: 'remove-expired-delete-markers',
      enabled: true,
      expiredObjectDeleteMarker: true,
    },
  ];
}

/**
 * Server access log bucket. S3 delivers access logs only to buckets encrypted with SSE-S3, so this one cannot use
 * KMS whatever the data bucket uses. It is not versioned: logs are append-only and expire.
 */
export const LOG_BUCKET_DEFAULTS = {
  encryption: BucketEncryption.S3_MANAGED,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies BucketProps;

export const LOG_BUCKET_EXPIRATION_DAYS = 90;

/**
 * Lambda functions. nodejs22.x is the runtime the project tests on (Node 20 locally, ESM); arm64 (Graviton) is about
 * 20% cheaper per GB-second and at least as fast for the typed-array kernels.
 */
export const FUNCTION_DEFAULTS = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
} as const;

/**
 * esbuild options for every function: the project's one set of bundle settings (scripts/bundling-options.ts, also
 * used by `npm run build` and the bundle tests), in NodejsFunction's vocabulary, so what is tested is what is
 * deployed. ESM `.mjs`, target node22, the AWS SDK bundled at the versions pinned in package-lock.json, local
 * esbuild only (never Docker).
 */
export const BUNDLING_DEFAULTS = {
  ...FUNCTION_BUNDLING_CDK,
  format: OutputFormat.ESM,
  mainFields: [...FUNCTION_BUNDLING_CDK.mainFields],
  externalModules: [...FUNCTION_BUNDLING_CDK.externalModules],
} satisfies BundlingOptions;

/** Sizing. The worker memory bounds the hot int8 set a warm worker keeps (DESIGN.md §1), so it is the knob to raise. */
export const SIZING_DEFAULTS = {
  workers: 8,
  apiMemoryMiB: 1024,
  workerMemoryMiB: 2048,
  optimizerMemoryMiB: 3008,
  /**
   * The HTTP API waits at most 29 s for the function (API_INTEGRATION_TIMEOUT); the function stops first, and it
   * outlives every worker (worker timeout < api timeout) so the coordinator sees a failed segment and fails the query
   * (DESIGN.md §4.5) instead of API Gateway answering a bare 503.
   */
  apiTimeout: Duration.seconds(27),
  optimizerTimeout: Duration.minutes(15),
  optimizerScheduleMinutes: 5,
} as const;

/**
 * One query's fan-out budget, retry included (STRATA_QUERY_DEADLINE_MS on the api function). A worker's timeout is
 * the deadline plus a margin: the coordinator aborts its invoke at the deadline, but Lambda keeps an aborted
 * invocation running (and billed, and holding a reserved execution) until the function's own timeout, so that
 * timeout must sit just above the deadline. The deadline's maximum keeps the worker timeout below the api timeout.
 */
export const QUERY_DEADLINE = {
  defaultMs: 10_000,
  minimumMs: 1_000,
  workerTimeoutMarginMs: 1_000,
} as const;

/** Whole seconds (Lambda's unit) of a worker's timeout for a query deadline. */
export function workerTimeoutFor(queryDeadlineMs: number): Duration {
  return Duration.seconds(Math.ceil((queryDeadlineMs + QUERY_DEADLINE.workerTimeoutMarginMs) / 1000));
}

/** Largest deadline whose worker timeout stays at least a second under the api timeout. */
export const MAX_QUERY_DEADLINE_MS =
  (SIZING_DEFAULTS.apiTimeout.toSeconds() - 1) * 1000 - QUERY_DEADLINE.workerTimeoutMarginMs;

/** Longest wait API Gateway HTTP APIs allow for a Lambda integration. */
export const API_INTEGRATION_TIMEOUT = Duration.seconds(29);

/**
 * Cache budget handed to the code as STRATA_CACHE_BYTES: what remains of the function's memory after a reserve for
 * the Node runtime, the bundle and request buffers, scaled down so the garbage collector keeps headroom.
 */
export const CACHE_BUDGET = {
  reservedMiB: 192,
  fraction: 0.75,
  minimumMiB: 16,
} as const;

export function cacheBytesFor(memoryMiB: number): number {
  const usable = Math.floor((memoryMiB - CACHE_BUDGET.reservedMiB) * CACHE_BUDGET.fraction);
  return Math.max(CACHE_BUDGET.minimumMiB, usable) * MiB;
}

export const OBSERVABILITY_DEFAULTS = {
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/**
 * Concurrency (concurrency.ts turns these into reserved concurrency and the stage throttle). A Lambda account has one
 * pool of concurrent executions (1,000 by default), of which AWS keeps at least 100 unreserved for functions without
 * a reservation. The stack reserves `budget` executions of it in total, split so that every api execution can have
 * its fan-out running at once: a query holds one api execution and at most one execution of each worker function.
 */
export const CONCURRENCY_DEFAULTS = {
  /** The account's concurrent-execution quota (Service Quotas: "Concurrent executions"). */
  accountQuota: 1000,
  /** Executions AWS requires to stay unreserved in every account. */
  unreservedMinimum: 100,
  /** Executions this stack reserves in total; 0 reserves nothing (and bounds nothing). */
  budget: 500,
  /**
   * The optimizer's share: one scheduled sweep and one triggered run at a time. Runs race safely (manifest CAS), so
   * more would only duplicate index builds; a throttled asynchronous invoke waits in Lambda's queue.
   */
  optimizer: 2,
} as const;

/**
 * Stage throttling protects the bill from a runaway client and keeps API Gateway answering 429 before Lambda
 * throttles the api function (which API Gateway would turn into a 5xx); the API key check runs inside the function,
 * so unauthenticated requests are still invocations until they hit this limit. By Little's law a steady rate R at a
 * typical query latency L holds R × L api executions, so the rate is the api's reserved concurrency over L, and the
 * burst is that concurrency (a burst larger than it could only be throttled by Lambda).
 */
export const API_THROTTLE_SIZING = {
  typicalQueryLatencyMs: 1000,
} as const;

/** Object-key prefix inside the bucket (DESIGN.md §3); one bucket can host several deployments under distinct prefixes. */
export const DEFAULT_PREFIX = 'strata';

/** The API key is a bearer string in the `api-key` header; alphanumeric so clients never need to escape it. */
export const API_KEY_DEFAULTS = {
  passwordLength: 48,
  excludePunctuation: true,
  includeSpace: false,
} as const;
