/**
 * The optimizer function: seals WAL objects into segments (lib/collection's optimizer) for one collection when the
 * api function asks (`{"collection": name}`, InvocationType Event), or for every collection on the EventBridge
 * schedule (a `Scheduled Event`). Runs for a collection are idempotent and race safely with writers and with each
 * other (manifest CAS), so Lambda's retries of a failed event are harmless.
 *
 * The invocation's time is one Deadline (its remaining time less a margin a collection's pass may need): a sweep
 * starts no collection past it, and a collection's run stops continuing bounded rebuilds at it (the optimizer's
 * `optimizeUntil`, the same loop the local server runs); the next trigger or tick continues. What time is left
 * removes the objects of deleted collections (collection-delete.ts): never inside the api call that deleted them.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { CollectionOptimizer, listCollections } from '../lib/collection/index.js';
import type { OptimizeRun, PurgeResult } from '../lib/collection/index.js';
import { loadConfig } from '../lib/runtime/config.js';
import { invalid, isStrataError, unavailable } from '../lib/model/errors.js';
import { Deadline } from '../lib/model/deadline.js';
import { createLogger } from '../lib/runtime/logger.js';
import { storeConfigOf } from '../lib/runtime/segment-context.js';
import { openObjectStore } from '../lib/storage/open-store.js';

/** Time a collection's pass may need; nothing new starts with less than this left. */
const SWEEP_MARGIN_MS = 60_000;

/** `{collection}` from the api function → that collection; an EventBridge `Scheduled Event` → every collection. */
const OptimizerEvent = z.union([
  z.object({ collection: z.string().check(z.minLength(1)) }),
  z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') }),
]);

export interface OptimizerReport {
  collections: Array<{
    collection: string;
    /** 'leased': another run holds the collection's optimizer lease (optimizer-lease.ts); not a failure */
    outcome: 'optimized' | 'gone' | 'failed' | 'skipped' | 'leased';
    sealedWal?: number;
    added?: string[];
    removed?: string[];
    error?: string;
  }>;
  /** deleted collections whose objects this invocation removed (collection-delete.ts); not done: the next continues */
  purged: PurgeResult[];
}

const config = loadConfig();
const logger = createLogger(config, 'optimizer');
const store = await openObjectStore(storeConfigOf(config));
// module scope: a warm container keeps the segment and WAL caches across invocations
const optimizer = new CollectionOptimizer({
  store,
  prefix: config.prefix,
  // default_segment_number 0: one segment per segment-search function (config.workers = K in AWS)
  autoSegments: config.workers,
});

export const handler = async (event: unknown, context: Context): Promise<OptimizerReport> => {
  const parsed = OptimizerEvent.safeParse(event);
  if (!parsed.success) throw invalid(`optimizer: unrecognised event ${JSON.stringify(event)?.slice(0, 200)}`);
  const target = parsed.data;
  const deadline = Deadline.fromRemaining(context.getRemainingTimeInMillis(), SWEEP_MARGIN_MS);
  const sweep = !('collection' in target);
  const names = sweep ? await listCollections(store, config.prefix) : [target.collection];
  const report: OptimizerReport = { collections: [], purged: [] };
  for (const collection of names) {
    if (sweep && deadline.expired()) {
      report.collections.push({ collection, outcome: 'skipped' });
      continue;
    }
    try {
      const r: OptimizeRun = await optimizer.optimizeUntil(collection, deadline);
      if (r.skipped === 'leased') {
        // a scheduled sweep and a write trigger (or Lambda's retry) overlapped: the holder does the work
        logger.info({ collection }, 'skipped: leased');
        report.collections.push({ collection, outcome: 'leased' });
        continue;
      }
      report.collections.push({
        collection,
        outcome: 'optimized',
        sealedWal: r.sealedWal,
        added: r.added,
        removed: r.removed,
      });
      logger.info(
        {
          collection,
          sealedWal: r.sealedWal,
          added: r.added.length,
          removed: r.removed.length,
          passes: r.passes,
          pendingRebuilds: r.pendingRebuilds,
          pendingWal: r.pendingWal,
          replans: r.replans,
        },
        'optimized',
      );
    } catch (error) {
      if (isStrataError(error, 'not_found')) {
        // deleted between the trigger and this run: nothing to seal
        report.collections.push({ collection, outcome: 'gone' });
        continue;
      }
      logger.error({ err: error, collection }, 'optimizer run failed');
      report.collections.push({ collection, outcome: 'failed', error: (error as Error).message });
    }
  }
  // objects of deleted collections: the sweep removes every pending delete's, a collection's event its own (the api
  // asks right after a delete), while the deadline allows; a purge cut short keeps its marker for the next run
  if (!sweep || !deadline.expired()) {
    try {
      report.purged = await optimizer.purgeDeleted(deadline, sweep ? undefined : target.collection);
      for (const p of report.purged) logger.info(p, 'purged deleted collection');
    } catch (error) {
      logger.error({ err: error }, 'purge of deleted collections failed');
      report.collections.push({ collection: '(deleted)', outcome: 'failed', error: (error as Error).message });
    }
  }
  const failed = report.collections.filter((c) => c.outcome === 'failed');
  // a failure must reach Lambda (Errors metric, async retry), after every other collection had its turn
  if (failed.length > 0) {
    throw unavailable(`optimizer failed for ${failed.map((f) => `${f.collection} (${f.error})`).join(', ')}`);
  }
  return report;
};
