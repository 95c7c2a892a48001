/**
 * The composition of the served app (DESIGN.md §2, §5) from the configuration: object store, invoker, collection
 * service, optimizer and its trigger. The local server (bin/strata.ts), the api function (functions/api.ts) and the
 * tests of the served app all build it here, so what the tests check is what is served; the two entry points differ
 * only in where segment searches and optimizer runs happen:
 *
 * | STRATA_WORKER_FUNCTIONS | invoker                                                                       |
 * |-------------------------|-------------------------------------------------------------------------------|
 * | set                     | LambdaInvoker: worker i = i-th function                                        |
 * | unset                   | `fallback`: LocalInvoker (K worker threads) locally, DirectInvoker in a Lambda |
 *
 * | STRATA_OPTIMIZER_FUNCTION | optimizer trigger                                           |
 * |---------------------------|-------------------------------------------------------------|
 * | set                       | asynchronous invoke (InvocationType Event) of that function |
 * | unset                     | local run, debounced: on a worker thread with `threads`      |
 * |                           | (thread-optimizer.ts), in-process with `direct`              |
 *
 * With the in-process optimizer, start-up asks for a run of every collection that has work (unsealed WAL,
 * stale segments): a seal or rebuild that a stop or crash interrupted resumes without waiting for another write.
 * In AWS the optimizer function's schedule does that; an api container's cold start does not sweep the bucket.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { StrataConfig } from './config.js';
import { CollectionOptimizer, type OptimizeRun } from '../collection/optimizer.js';
import { isStrataError } from '../model/errors.js';
import { Deadline } from '../model/deadline.js';
import type { Invoker } from '../collection/invoker.js';
import { StrataCollectionService } from '../collection/service.js';
import type { CollectionService } from '../collection/types.js';
import { runSegmentTask } from '../segment/task.js';
import { openObjectStore } from '../storage/open-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DirectInvoker } from './direct-invoker.js';
import type { Logger } from './logger.js';
import { OperationsRecorder } from './operations.js';
import { LocalOptimizerTrigger, type OptimizerTrigger } from './optimizer-trigger.js';
import type { ThreadOptimizer } from './thread-optimizer.js';
import type { IoCounts } from '../storage/io-stats.js';
import { PageCache, type PageCacheStats } from '../storage/page-cache.js';
import { createSegmentContext, storeConfigOf, workerSetupOf } from './segment-context.js';

/**
 * Time one local optimizer run may keep continuing bounded rebuilds before it yields to a fresh trigger request
 * (the local stand-in for the optimizer function's timeout).
 */
const LOCAL_RUN_MS = 60_000;

export interface CoordinatorOptions {
  logger: Logger;
  /** invoker when no worker functions are configured */
  fallback: 'threads' | 'direct';
  /** Lambda client shared with the caller (module scope in a function); created when needed otherwise */
  lambda?: LambdaClient;
}

export interface Coordinator {
  store: ObjectStore;
  invoker: Invoker;
  /** the collection service as served: every acknowledged write and config change reaches `trigger` */
  service: CollectionService;
  /** the same service object, typed as the implementation (query traces, caches) */
  collections: StrataCollectionService;
  /** the optimizer over the same store and caches as the service */
  optimizer: CollectionOptimizer;
  trigger: OptimizerTrigger;
  /** this process's optimizer runs and I/O counters, for /metrics, /telemetry and …/optimizations */
  operations: OperationsRecorder;
  /** collections the start-up scan asked the local optimizer to run for (empty with the optimizer function) */
  resumed: Promise<string[]>;
  /** a short description of where data and workers are, for start-up logs */
  describe: string;
  close(): Promise<void>;
}

export async function createCoordinator(config: StrataConfig, options: CoordinatorOptions): Promise<Coordinator> {
  const { logger } = options;
  const store = await openObjectStore(storeConfigOf(config));
  // the Lambda modules (and the AWS SDK) load only when a function is configured
  let lambda = options.lambda;
  const lambdaClient = async (): Promise<LambdaClient> => {
    const { createLambdaClient } = await import('./lambda-invoker.js');
    return (lambda ??= createLambdaClient({
      ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint } : {}),
      ...(config.s3?.region ? { region: config.s3.region } : {}),
      maxSockets: config.workerConcurrency,
    }));
  };

  let invoker: Invoker;
  let workersText: string;
  // segment searches in this process (the api function without worker functions) share their page cache's counters
  let pageCache: () => PageCacheStats | null = () => null;
  let segmentIo: () => IoCounts | null = () => null;
  if (config.workerFunctions.length > 0) {
    const { LambdaInvoker } = await import('./lambda-invoker.js');
    invoker = new LambdaInvoker({
      client: await lambdaClient(),
      functionNames: config.workerFunctions,
      concurrency: config.workerConcurrency,
      onFailure: (error, worker) => logger.warn({ err: error, worker }, 'segment worker attempt failed'),
    });
    workersText = `${config.workerFunctions.length} Lambda workers`;
  } else if (options.fallback === 'threads') {
    // loaded only here: the Lambda bundles leave this module (and piscina) out (scripts/bundling-options.ts)
    const { LocalInvoker } = await import('./local-invoker.js');
    invoker = new LocalInvoker({
      workers: config.workers,
      // the process budget is shared by the threads
      workerData: { ...workerSetupOf(config, Math.floor(config.cacheBytes / config.workers)) },
      onError: (error, worker) => logger.warn({ err: error, worker }, 'segment worker thread failed'),
    });
    workersText = `${config.workers} worker threads`;
  } else {
    const context = await createSegmentContext(workerSetupOf(config));
    const { cache } = context;
    if (cache instanceof PageCache) pageCache = () => cache.stats;
    segmentIo = () => context.store.stats.snapshot();
    invoker = new DirectInvoker({ workers: 1, run: (task, _w, signal) => runSegmentTask(task, context, signal) });
    workersText = 'in-process segment search';
  }

  // the trigger is made below; the callbacks run only after a write, by which time it exists
  const collections = new StrataCollectionService({
    store,
    invoker,
    prefix: config.prefix,
    queryDeadlineMs: config.queryDeadlineMs,
    readStalenessMs: config.readStalenessMs,
    onWrite: (name, points) => trigger.afterWrite(name, points),
    onConfigChange: (name) => trigger.request(name),
    // the run that follows finds no manifest and removes the objects (collection-delete.ts), off the api call
    onDelete: (name) => trigger.request(name),
  });
  const optimizer = new CollectionOptimizer({
    store,
    prefix: config.prefix,
    access: collections.ctx.access,
    wal: collections.ctx.wal,
    // default_segment_number 0: one segment per worker
    autoSegments: invoker.workers,
  });
  // locally a seal builds graphs on its own thread, never on the thread that answers requests (DESIGN.md §4.7)
  // loaded only here, like the LocalInvoker: the Lambda bundles leave it (and piscina) out
  const threadOptimizer: ThreadOptimizer | undefined =
    options.fallback === 'threads'
      ? new (await import('./thread-optimizer.js')).ThreadOptimizer({
          store: storeConfigOf(config),
          prefix: config.prefix,
          autoSegments: invoker.workers,
        })
      : undefined;
  const runLocally = (name: string): Promise<OptimizeRun> =>
    threadOptimizer
      ? threadOptimizer.optimizeUntil(name, LOCAL_RUN_MS)
      : optimizer.optimizeUntil(name, Deadline.in(LOCAL_RUN_MS));
  const operations = new OperationsRecorder(() => {
    const own = store.stats.snapshot();
    const segments = segmentIo();
    if (segments === null) return own;
    for (const k of Object.keys(own) as (keyof IoCounts)[]) own[k] += segments[k];
    return own;
  }, pageCache);
  const onError = (error: unknown, collection: string): void =>
    logger.error({ err: error, collection }, 'optimizer trigger failed');
  const trigger: OptimizerTrigger = config.optimizerFunction
    ? new (await import('./lambda-optimizer-trigger.js')).LambdaOptimizerTrigger({
        client: await lambdaClient(),
        functionName: config.optimizerFunction,
        threshold: config.optimizeAfterPoints,
        onError,
      })
    : new LocalOptimizerTrigger({
        threshold: config.optimizeAfterPoints,
        idleMs: config.optimizeIdleMs,
        onError,
        optimize: async (name) => {
          const result = await operations
            .track(name, () => runLocally(name))
            .catch((error: unknown) => {
              // deleted after the writes that asked for this run (upsert, then delete collection): nothing to seal
              if (isStrataError(error, 'not_found')) return null;
              throw error;
            });
          // a deleted collection's objects (or a marker its re-creation left), I/O only, so on this thread
          const purged = await optimizer.purgeDeleted(Deadline.in(LOCAL_RUN_MS), name);
          if (purged.some((p) => !p.done)) return { pendingPurge: purged.length };
          if (result === null) return null;
          logger.info(
            { collection: name, sealedWal: result.sealedWal, added: result.added, removed: result.removed },
            'optimizer run',
          );
          // what the deadline left (pendingRebuilds) makes the trigger ask again
          return result;
        },
      });

  // off the start-up path: the server answers while the scan and the runs it asks for proceed
  const resumed: Promise<string[]> = config.optimizerFunction
    ? Promise.resolve([])
    : resumePending(collections, optimizer, trigger).catch((error: unknown) => {
        logger.warn({ err: error }, 'optimizer start-up scan failed');
        return [];
      });

  return {
    store,
    invoker,
    resumed,
    service: collections,
    collections,
    optimizer,
    trigger,
    operations,
    describe: `${store.name}${config.prefix ? ` (prefix ${config.prefix})` : ''}, ${workersText}`,
    close: async () => {
      await resumed;
      await trigger.close();
      await threadOptimizer?.close();
      await invoker.close();
    },
  };
}

/**
 * Asks `trigger` for a run of every collection the optimizer has work for, and of every deleted collection whose
 * objects are not all removed yet (a restart cut its purge short); returns their names.
 */
async function resumePending(
  collections: StrataCollectionService,
  optimizer: CollectionOptimizer,
  trigger: OptimizerTrigger,
): Promise<string[]> {
  const names = await collections.listCollections();
  const pending: string[] = [];
  for (const name of names) {
    if (!(await optimizer.hasWork(name))) continue;
    pending.push(name);
    trigger.request(name);
  }
  for (const name of new Set((await optimizer.pendingDeletes()).map((p) => p.name))) {
    if (pending.includes(name)) continue;
    pending.push(name);
    trigger.request(name);
  }
  return pending;
}
