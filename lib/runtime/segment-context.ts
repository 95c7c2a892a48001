/**
 * What a segment worker (a worker thread, or a segment-search Lambda container) builds once and keeps: its
 * ObjectStore, its PageCache and its segment registry (lib/segment). Routing (lib/collection/routing.ts) sends the same segments
 * to the same worker, so these stay warm across tasks.
 *
 * Memory budget split: the registry holds what a segment keeps resident (its `pinned` components, e.g. the int8 set
 * with always_ram, DESIGN.md §1) and gets 60%; the page cache holds the `cached` components whole and the pages of
 * the `cold` ones (lib/model/memory.ts) and gets 40%. The wasm walk's arenas may take a quarter more (below).
 */
import type { StrataConfig } from './config.js';
import { setWalkArenaBudget } from '../index/wasm-walk.js';
import { SegmentRegistry } from '../segment/registry.js';
import { DEFAULT_TUNING, PAGE_TUNING, type SearchTuning } from '../segment/search.js';
import type { Segment } from '../segment/segment.js';
import type { SegmentTaskContext } from '../segment/task.js';
import { openObjectStore, type StoreConfig } from '../storage/open-store.js';
import { PageCache } from '../storage/page-cache.js';

/** Plain data (it crosses into worker threads as workerData). */
export interface WorkerSetup {
  store: StoreConfig;
  /** memory budget of this worker's caches, in bytes */
  cacheBytes: number;
  /** size rule of paged graphs (lib/segment/search.ts SearchTuning.wholeGraphBytes) @default coldReads' tuning */
  graphWholeBytes?: number;
  /** size rule of paged originals under a float walk (SearchTuning.wholeVectorsBytes) @default coldReads' tuning */
  vectorsWholeBytes?: number;
  /** pages or records past the size rules (SearchTuning.coldReads) @default 'records' */
  coldReads?: 'records' | 'pages';
}

const REGISTRY_SHARE = 0.6;
/**
 * Beside the budget: the wasm walk's copies of in-memory int8 rows and layer 0 (lib/index/wasm-walk.ts), at most a
 * quarter of the cache budget more; segments past it walk in JS.
 */
const WALK_ARENA_SHARE = 0.25;

/**
 * The store for a configuration: S3 when a bucket is set, the data folder otherwise. The deployment prefix is NOT
 * given to the store: lib/collection puts it into every key (and into each task's collectionPrefix).
 */
export function storeConfigOf(config: StrataConfig): StoreConfig {
  if (!config.s3) return { kind: 'fs', root: config.dataDir };
  const { bucket, endpoint, region, forcePathStyle } = config.s3;
  return { kind: 's3', bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) };
}

export function workerSetupOf(config: StrataConfig, cacheBytes = config.cacheBytes): WorkerSetup {
  return {
    store: storeConfigOf(config),
    cacheBytes,
    ...(config.graphWholeBytes !== undefined ? { graphWholeBytes: config.graphWholeBytes } : {}),
    ...(config.vectorsWholeBytes !== undefined ? { vectorsWholeBytes: config.vectorsWholeBytes } : {}),
    coldReads: config.coldReads,
  };
}

export async function createSegmentContext(setup: WorkerSetup): Promise<SegmentTaskContext> {
  const store = await openObjectStore(setup.store);
  setWalkArenaBudget(Math.floor(setup.cacheBytes * WALK_ARENA_SHARE));
  return {
    store,
    registry: new SegmentRegistry<Segment>({ budgetBytes: Math.floor(setup.cacheBytes * REGISTRY_SHARE) }),
    cache: new PageCache(store, { maxBytes: Math.floor(setup.cacheBytes * (1 - REGISTRY_SHARE)) }),
    tuning: tuningOf(setup),
  };
}

/** The search tuning of a setup: its granularity's (search.ts), with the size rules it overrides. */
export function tuningOf(
  setup: Pick<WorkerSetup, 'graphWholeBytes' | 'vectorsWholeBytes' | 'coldReads'>,
): SearchTuning {
  const base = setup.coldReads === 'pages' ? PAGE_TUNING : DEFAULT_TUNING;
  return {
    ...base,
    wholeGraphBytes: setup.graphWholeBytes ?? base.wholeGraphBytes,
    wholeVectorsBytes: setup.vectorsWholeBytes ?? base.wholeVectorsBytes,
  };
}
