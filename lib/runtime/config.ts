/**
 * The one configuration loader (DESIGN.md §7). Every option comes from an environment variable, is parsed and
 * validated once at start-up (`loadConfig()` at module scope of an entry point), and has a default that works
 * locally: with nothing set, Strata serves http://127.0.0.1:6333 over ./data with one worker thread per core.
 * It lives in lib/runtime because only start-up code reads the environment: the runtime wiring (coordinator, segment
 * context), the Lambda entry points and bin/. Everything below takes its options as arguments, so the engine and the
 * collection service never depend on how a deployment is configured.
 *
 * | variable                        | default                                 | meaning                                            |
 * |---------------------------------|-----------------------------------------|----------------------------------------------------|
 * | STRATA_DATA_DIR                 | ./data                                  | filesystem store root (used when no bucket is set) |
 * | STRATA_PORT                     | 6333                                    | HTTP port (local server)                           |
 * | STRATA_HOST                     | 127.0.0.1                               | HTTP bind address (local server)                   |
 * | STRATA_GRPC_PORT                | 6334                                    | gRPC port (local server, same host); 0 = no gRPC   |
 * | STRATA_BUCKET                   | (unset: filesystem store)               | S3 bucket; setting it selects the S3 store         |
 * | STRATA_PREFIX                   | '' (bucket root)                        | key prefix inside the bucket or data dir           |
 * | STRATA_S3_ENDPOINT              | (AWS)                                   | S3-compatible endpoint (LocalStack, moto, MinIO)   |
 * | STRATA_S3_REGION / AWS_REGION   | us-east-1                               | S3 region                                          |
 * | STRATA_S3_FORCE_PATH_STYLE      | true when an endpoint is set            | path-style addressing                              |
 * | STRATA_WORKER_FUNCTIONS         | (unset: local worker threads)           | comma-separated segment-search function names, in  |
 * |                                 |                                         | routing order (worker i = i-th name)               |
 * | STRATA_OPTIMIZER_FUNCTION       | (unset: optimizer runs in-process)      | optimizer function name                            |
 * | STRATA_LAMBDA_ENDPOINT          | (AWS)                                   | Lambda API endpoint override (tests, LocalStack)   |
 * | STRATA_API_KEY                  | (unset: no auth)                        | API key clients send as `api-key`; set but empty   |
 * |                                 |                                         | refuses to start (it would silently disable auth)  |
 * | STRATA_API_KEY_SECRET_ARN       | (unset)                                 | Secrets Manager secret holding the API key         |
 * | STRATA_CACHE_BYTES              | 60% of the Lambda's memory, else 25% of | cache budget of all segment workers together (int8 |
 * |                                 | the machine's memory                    | sets + pages); accepts KiB/MiB/GiB                 |
 * | STRATA_QUERY_DEADLINE_MS        | 10000                                   | budget for one query's fan-out, retry included     |
 * | STRATA_READ_STALENESS_MS        | 0 (strong)                              | a query may reuse a snapshot (manifest + WAL tail) |
 * |                                 |                                         | taken at most this long ago: 0 store rounds        |
 * | STRATA_GRAPH_WHOLE_BYTES        | 1MiB (4MiB with STRATA_COLD_READS=      | a paged layer-0 graph this small is read whole on  |
 * |                                 | pages)                                  | first touch (one round); accepts KiB/MiB/GiB       |
 * | STRATA_VECTORS_WHOLE_BYTES      | 2MiB (16MiB with pages)                 | paged originals this small are read whole when a   |
 * |                                 |                                         | float walk first misses (one round)                |
 * | STRATA_COLD_READS               | records                                 | a walk over larger paged tiers reads `records`     |
 * |                                 |                                         | (fewest bytes, most GETs) or `pages` (few GETs)    |
 * | STRATA_WORKERS                  | available cores (local), else #functions| worker count K                                     |
 * | STRATA_WORKER_CONCURRENCY       | 64                                      | concurrent Lambda invokes per api container        |
 * | STRATA_OPTIMIZE_AFTER_POINTS    | 10000                                   | unsealed points that trigger an optimizer run      |
 * | STRATA_OPTIMIZE_IDLE_MS         | 2000                                    | local: seal after this long without writes; 0 = off|
 * | STRATA_LOG_LEVEL                | AWS_LAMBDA_LOG_LEVEL, else info         | pino level                                         |
 * | STRATA_CORS_ORIGINS             | (unset: no CORS headers)                | comma-separated origins browsers may call from;    |
 * |                                 |                                         | `*` for any                                        |
 * | STRATA_MAX_RESPONSE_BYTES       | 6000000 in a Lambda, else 32MiB         | largest response body (a clear 400 beyond it)      |
 * | STRATA_MAX_RESULT_POINTS        | 10000                                   | largest limit + offset of one search or scroll     |
 *
 * Invariant: nothing else in the code reads process.env for these options.
 *
 * Every function loads this module at cold start, so the schema is `zod/mini` imported as a namespace
 * (`import * as z`), which esbuild tree-shakes to the parts used; see lib/runtime/task-schema.ts for the numbers.
 */
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { invalid } from '../model/errors.js';

export interface S3Config {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface StrataConfig {
  /** absolute path of the filesystem store root */
  dataDir: string;
  port: number;
  /** Qdrant's gRPC API beside REST on the local server; 0 = off */
  grpcPort: number;
  host: string;
  /** object key prefix ('' or ending without a slash), shared by the S3 and filesystem stores */
  prefix: string;
  /** set when STRATA_BUCKET is: the S3 store is used */
  s3?: S3Config;
  /** segment-search function names in routing order; empty = local worker threads */
  workerFunctions: string[];
  optimizerFunction?: string;
  lambdaEndpoint?: string;
  apiKey?: string;
  apiKeySecretArn?: string;
  cacheBytes: number;
  queryDeadlineMs: number;
  /** bounded staleness of queries, ms (0 = strong: every query revalidates its snapshot) */
  readStalenessMs: number;
  /** size rule of paged graphs: a layer 0 of at most this many bytes is read whole on first touch (unset: coldReads') */
  graphWholeBytes?: number;
  /** paged originals at most this large are read whole by a float walk's first miss, bytes (unset: coldReads') */
  vectorsWholeBytes?: number;
  /** how a walk reads paged tiers past the size rules: their records or their pages (SearchTuning.coldReads) */
  coldReads: 'records' | 'pages';
  /** K: Lambda functions when named, worker threads otherwise */
  workers: number;
  workerConcurrency: number;
  optimizeAfterPoints: number;
  /** local trigger: seal a collection after this long without writes; 0 = only the point threshold seals */
  optimizeIdleMs: number;
  logLevel: LogLevel;
  /** origins allowed by CORS; empty = no CORS headers at all */
  corsOrigins: string[];
  maxResponseBytes: number;
  maxResultPoints: number;
}

export type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

function bytesOf(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  return m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : undefined;
}

/** "268435456", "256MiB", "1.5 GiB" → bytes */
export function parseBytes(text: string): number {
  const bytes = bytesOf(text);
  if (bytes === undefined) throw new Error(`not a byte size: "${text}"`);
  return bytes;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];
const COLD_READS = ['records', 'pages'] as const;
const LOG_LEVELS = new Set<string>(LEVELS.filter((l) => l !== 'silent'));
/**
 * Locally the workers' caches share the machine with everything else: a quarter of its memory. Too small a budget
 * is not an error but a slow path (segments evicted between queries are re-read on every query), so be generous.
 */
const localCacheBytes = (): number => Math.floor(totalmem() * 0.25);

/** `expected …, got "<value>"`: a start-up error quotes what was set. */
const got = (what: string) => ({
  error: (issue: { input?: unknown }) => `expected ${what}, got "${String(issue.input)}"`,
});

/** An unset or blank variable is absent; a set one reaches its own schema trimmed (zod's preprocess idiom). */
const variable = <T extends z.core.SomeType>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' ? v.trim() || undefined : v)),
    z.optional(schema),
  );

const text = variable(z.string());
const url = variable(z.url(got('a URL')));
const flag = variable(
  z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], ...got('true or false') }),
);
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const message = got(`a whole number in ${min}..${max}`);
  return variable(
    z.pipe(
      z.string().check(z.regex(/^\d+$/, message)),
      z.coerce.number<string>().check(z.gte(min, message), z.lte(max, message)),
    ),
  );
};
const byteSize = variable(
  z.pipe(
    z.string(),
    z.transform((v, ctx) => {
      const bytes = bytesOf(v);
      if (bytes === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: `expected a byte size such as 268435456, 256MiB or 1.5 GiB, got "${v}"`,
        });
        return z.NEVER;
      }
      return bytes;
    }),
  ),
);
const nameList = variable(
  z.pipe(
    z.string(),
    z.transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ),
);

const EnvSchema = z.object({
  STRATA_DATA_DIR: text,
  STRATA_PORT: wholeNumber(0, 65535),
  STRATA_GRPC_PORT: wholeNumber(0, 65535),
  STRATA_HOST: text,
  STRATA_BUCKET: text,
  STRATA_PREFIX: text,
  STRATA_S3_ENDPOINT: url,
  STRATA_S3_REGION: text,
  AWS_REGION: text,
  STRATA_S3_FORCE_PATH_STYLE: flag,
  STRATA_WORKER_FUNCTIONS: nameList,
  STRATA_OPTIMIZER_FUNCTION: text,
  STRATA_LAMBDA_ENDPOINT: url,
  STRATA_API_KEY: text,
  STRATA_API_KEY_SECRET_ARN: text,
  STRATA_CACHE_BYTES: byteSize,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: wholeNumber(1),
  STRATA_QUERY_DEADLINE_MS: wholeNumber(1),
  STRATA_READ_STALENESS_MS: wholeNumber(0),
  STRATA_GRAPH_WHOLE_BYTES: byteSize,
  STRATA_VECTORS_WHOLE_BYTES: byteSize,
  STRATA_COLD_READS: variable(z.enum(COLD_READS, got(`one of ${COLD_READS.join(', ')}`))),
  STRATA_WORKERS: wholeNumber(1, 1024),
  STRATA_WORKER_CONCURRENCY: wholeNumber(1, 10_000),
  STRATA_OPTIMIZE_AFTER_POINTS: wholeNumber(1),
  STRATA_OPTIMIZE_IDLE_MS: wholeNumber(0),
  STRATA_LOG_LEVEL: variable(z.enum(LEVELS, got(`one of ${LEVELS.join(', ')}`))),
  AWS_LAMBDA_LOG_LEVEL: text,
  STRATA_CORS_ORIGINS: nameList,
  STRATA_MAX_RESPONSE_BYTES: byteSize,
  STRATA_MAX_RESULT_POINTS: wholeNumber(1),
});

/**
 * Lambda's synchronous response payload limit is 6 MB (the body travels escaped inside it; the API counts it so,
 * lib/api/response-bounds.ts).
 */
const LAMBDA_RESPONSE_BYTES = 6_000_000;

/**
 * Parses the environment into a StrataConfig; throws StrataError 'invalid' naming every bad variable.
 * `overrides` (command-line flags) win over the environment.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<StrataConfig> = {}): StrataConfig {
  // every other blank variable means "unset"; a blank API key would mean "no auth" without anyone having asked for it
  if (env.STRATA_API_KEY !== undefined && env.STRATA_API_KEY.trim() === '') {
    throw invalid(
      'bad configuration: STRATA_API_KEY is set but empty, which would disable authentication; unset it to run without an API key, or set a key',
    );
  }
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    // every issue's path is the one variable it is about
    throw invalid(
      `bad configuration: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  const prefix = (e.STRATA_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
  const workerFunctions = e.STRATA_WORKER_FUNCTIONS ?? [];
  const s3: S3Config | undefined = e.STRATA_BUCKET
    ? {
        bucket: e.STRATA_BUCKET,
        prefix,
        ...(e.STRATA_S3_ENDPOINT ? { endpoint: e.STRATA_S3_ENDPOINT } : {}),
        region: e.STRATA_S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
        forcePathStyle: e.STRATA_S3_FORCE_PATH_STYLE ?? e.STRATA_S3_ENDPOINT !== undefined,
      }
    : undefined;
  const lambdaMemory = e.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  const lambdaLevel = e.AWS_LAMBDA_LOG_LEVEL?.toLowerCase();
  if (workerFunctions.length > 0 && e.STRATA_WORKERS !== undefined && e.STRATA_WORKERS !== workerFunctions.length) {
    throw invalid(
      `bad configuration: STRATA_WORKERS=${e.STRATA_WORKERS} but STRATA_WORKER_FUNCTIONS names ${workerFunctions.length} functions`,
    );
  }
  const config: StrataConfig = {
    dataDir: resolve(e.STRATA_DATA_DIR ?? './data'),
    port: e.STRATA_PORT ?? 6333,
    grpcPort: e.STRATA_GRPC_PORT ?? 6334,
    host: e.STRATA_HOST ?? '127.0.0.1',
    prefix,
    ...(s3 ? { s3 } : {}),
    workerFunctions,
    ...(e.STRATA_OPTIMIZER_FUNCTION ? { optimizerFunction: e.STRATA_OPTIMIZER_FUNCTION } : {}),
    ...(e.STRATA_LAMBDA_ENDPOINT ? { lambdaEndpoint: e.STRATA_LAMBDA_ENDPOINT } : {}),
    ...(e.STRATA_API_KEY ? { apiKey: e.STRATA_API_KEY } : {}),
    ...(e.STRATA_API_KEY_SECRET_ARN ? { apiKeySecretArn: e.STRATA_API_KEY_SECRET_ARN } : {}),
    // in a Lambda the cache shares the function's memory with the runtime and the int8 sets: take 60%
    cacheBytes: e.STRATA_CACHE_BYTES ?? (lambdaMemory ? Math.floor(lambdaMemory * 1024 ** 2 * 0.6) : localCacheBytes()),
    queryDeadlineMs: e.STRATA_QUERY_DEADLINE_MS ?? 10_000,
    readStalenessMs: e.STRATA_READ_STALENESS_MS ?? 0,
    // unset, the size rule follows the granularity (segment/search.ts: RECORD_TUNING, the default, or PAGE_TUNING)
    ...(e.STRATA_GRAPH_WHOLE_BYTES !== undefined ? { graphWholeBytes: e.STRATA_GRAPH_WHOLE_BYTES } : {}),
    ...(e.STRATA_VECTORS_WHOLE_BYTES !== undefined ? { vectorsWholeBytes: e.STRATA_VECTORS_WHOLE_BYTES } : {}),
    coldReads: e.STRATA_COLD_READS ?? 'records',
    workers: workerFunctions.length || e.STRATA_WORKERS || availableParallelism(),
    workerConcurrency: e.STRATA_WORKER_CONCURRENCY ?? 64,
    optimizeAfterPoints: e.STRATA_OPTIMIZE_AFTER_POINTS ?? 10_000,
    optimizeIdleMs: e.STRATA_OPTIMIZE_IDLE_MS ?? 2000,
    logLevel: e.STRATA_LOG_LEVEL ?? (lambdaLevel && LOG_LEVELS.has(lambdaLevel) ? (lambdaLevel as LogLevel) : 'info'),
    corsOrigins: e.STRATA_CORS_ORIGINS ?? [],
    maxResponseBytes: e.STRATA_MAX_RESPONSE_BYTES ?? (lambdaMemory ? LAMBDA_RESPONSE_BYTES : 32 * 1024 ** 2),
    maxResultPoints: e.STRATA_MAX_RESULT_POINTS ?? 10_000,
  };
  return { ...config, ...stripUndefined(overrides) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
