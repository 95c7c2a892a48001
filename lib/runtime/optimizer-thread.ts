/**
 * The worker-thread script of the local optimizer (thread-optimizer.ts): the local stand-in for the optimizer
 * function. It opens its own store over the same data and runs lib/collection's CollectionOptimizer.optimizeUntil
 * for each request, so building a segment's graph (seconds of CPU for tens of thousands of points) never holds the
 * request thread's event loop. Correctness needs nothing shared: the manifest CAS orders its commits against the
 * service's writes exactly as the optimizer function's are in AWS (DESIGN.md §4.3).
 *
 * Task: `{collection, budgetMs}` → `{run}` or `{error: {kind, message}}` (kind: the StrataError kind, or null). Errors
 * travel as values because a thrown StrataError loses its kind when structured-cloned across the thread boundary.
 */
import { workerData } from 'piscina';
import { CollectionOptimizer, type OptimizeRun } from '../collection/optimizer.js';
import { Deadline } from '../model/deadline.js';
import { type ErrorKind, isStrataError } from '../model/errors.js';
import { openObjectStore, type StoreConfig } from '../storage/open-store.js';

/** Plain data (it crosses into the thread as workerData). */
export interface OptimizerThreadSetup {
  store: StoreConfig;
  prefix: string;
  autoSegments: number;
}

export interface OptimizeTask {
  collection: string;
  budgetMs: number;
}

export type OptimizeReply = { run: OptimizeRun } | { error: { kind: ErrorKind | null; message: string } };

let optimizer: Promise<CollectionOptimizer> | undefined;

function optimizerOnce(): Promise<CollectionOptimizer> {
  const setup = workerData as OptimizerThreadSetup;
  optimizer ??= openObjectStore(setup.store).then(
    (store) => new CollectionOptimizer({ store, prefix: setup.prefix, autoSegments: setup.autoSegments }),
    (error: unknown) => {
      optimizer = undefined;
      throw error;
    },
  );
  return optimizer;
}

export default async function optimize(task: OptimizeTask): Promise<OptimizeReply> {
  try {
    const o = await optimizerOnce();
    return { run: await o.optimizeUntil(task.collection, Deadline.in(task.budgetMs)) };
  } catch (error) {
    return {
      error: {
        kind: isStrataError(error) ? error.kind : null,
        message: error instanceof Error ? error.message : String(error),
      },
    };
  }
}
