/**
 * The optimizer function: seals WAL objects into segments (lib/collection's optimizer) for one collection when the
 * api function asks (`{"collection": name}`, InvocationType Event), or for every collection on the EventBridge
 * schedule (a `Scheduled Event`). Runs for a collection are idempotent and race safely with writers and with each
 * other (manifest CAS), so Lambda's retries of a failed event are harmless.
 *
 * A sweep stops starting new collections when the function's remaining time runs low; the next tick continues.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { optimizeCollection, StrataCollectionService } from '../lib/collection/index.js';
import type { OptimizeResult } from '../lib/collection/index.js';
import { loadConfig } from '../lib/config.js';
import { internal, invalid, isStrataError, unavailable } from '../lib/errors.js';
import { DirectInvoker } from '../lib/runtime/direct-invoker.js';
import { createLogger } from '../lib/runtime/logger.js';
import { storeConfigOf } from '../lib/runtime/segment-context.js';
import { openObjectStore } from '../lib/storage/open-store.js';

/** Time a collection's run may need; a sweep starts no collection with less than this left. */
const SWEEP_MARGIN_MS = 60_000;

/** `{collection}` from the api function → that collection; an EventBridge `Scheduled Event` → every collection. */
const OptimizerEvent = z.union([
  z.object({ collection: z.string().check(z.minLength(1)) }),
  z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') }),
]);

export interface OptimizerReport {
  collections: Array<{
    collection: string;
    outcome: 'optimized' | 'gone' | 'failed' | 'skipped';
    sealedWal?: number;
    added?: string[];
    removed?: string[];
    error?: string;
  }>;
}

const config = loadConfig();
const logger = createLogger(config, 'optimizer');
const store = await openObjectStore(storeConfigOf(config));
// the service is used for its collection listing and its warm caches; this function never searches
const service = new StrataCollectionService({
  store,
  prefix: config.prefix,
  invoker: new DirectInvoker({
    run: () => Promise.reject(internal('the optimizer function does not run segment searches')),
  }),
});

async function runOne(collection: string): Promise<OptimizeResult> {
  return optimizeCollection(store, config.prefix, collection, {
    access: service.ctx.access,
    wal: service.ctx.wal,
    // default_segment_number 0: one segment per segment-search function (config.workers = K in AWS)
    autoSegments: config.workers,
  });
}

export const handler = async (event: unknown, context: Context): Promise<OptimizerReport> => {
  const parsed = OptimizerEvent.safeParse(event);
  if (!parsed.success) throw invalid(`optimizer: unrecognised event ${JSON.stringify(event)?.slice(0, 200)}`);
  const target = parsed.data;
  const sweep = !('collection' in target);
  const names = sweep ? await service.listCollections() : [target.collection];
  const report: OptimizerReport = { collections: [] };
  for (const collection of names) {
    if (sweep && context.getRemainingTimeInMillis() < SWEEP_MARGIN_MS) {
      report.collections.push({ collection, outcome: 'skipped' });
      continue;
    }
    try {
      const r = await runOne(collection);
      const added = [...r.added];
      const removed = [...r.removed];
      // a run rebuilds a bounded number of stale segments (after a PATCH); continue while this invocation has time,
      // the schedule picks up the rest
      for (let more = r.pendingRebuilds; more > 0 && context.getRemainingTimeInMillis() >= SWEEP_MARGIN_MS; ) {
        const next = await runOne(collection);
        added.push(...next.added);
        removed.push(...next.removed);
        if (next.rebuilt === 0) break;
        more = next.pendingRebuilds;
      }
      report.collections.push({ collection, outcome: 'optimized', sealedWal: r.sealedWal, added, removed });
      logger.info(
        { collection, sealedWal: r.sealedWal, added: added.length, removed: removed.length, replans: r.replans },
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
  const failed = report.collections.filter((c) => c.outcome === 'failed');
  // a failure must reach Lambda (Errors metric, async retry), after every other collection had its turn
  if (failed.length > 0) {
    throw unavailable(`optimizer failed for ${failed.map((f) => `${f.collection} (${f.error})`).join(', ')}`);
  }
  return report;
};
