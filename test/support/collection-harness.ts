/**
 * A collection service over a real store and the in-process DirectInvoker running lib/segment's worker entry, for
 * the collection tests (unit: filesystem store in a temp folder; integration: an S3-compatible server).
 */
import { mulberry32 } from '../../lib/index/rng.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionConfig } from '../../lib/model/collection-config.js';
import { StrataCollectionService } from '../../lib/collection/service.js';
import type { Invoker } from '../../lib/collection/invoker.js';
import { DirectInvoker } from '../../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../../lib/segment/registry.js';
import type { Segment } from '../../lib/segment/segment.js';
import { runSegmentTask } from '../../lib/segment/task.js';
import { FileSystemStore } from '../../lib/storage/fs-store.js';
import type { ObjectStore } from '../../lib/storage/object-store.js';
import { PageCache } from '../../lib/storage/page-cache.js';
import type { Distance } from '../../lib/model/distance.js';

export function tempStore(): { store: FileSystemStore; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'strata-coll-'));
  const store = new FileSystemStore({ root, fsync: false });
  return { store, root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A DirectInvoker whose workers run lib/segment's runSegmentTask over `store` (one registry per worker). */
export function directInvoker(store: ObjectStore, workers = 4): DirectInvoker {
  const registries = Array.from({ length: workers }, () => new SegmentRegistry<Segment>());
  const cache = new PageCache(store);
  return new DirectInvoker({
    workers,
    run: (task, worker) => runSegmentTask(task, { store, cache, registry: registries[worker] }),
  });
}

export function config(
  dim: number,
  distance: Distance = 'Euclid',
  over: Partial<{ segments: number; quantized: boolean; indexingKb: number }> = {},
): CollectionConfig {
  return {
    vectors: { size: dim, distance, on_disk: false },
    hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
    quantization_config: over.quantized ? { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } : null,
    optimizers_config: { default_segment_number: over.segments ?? 2, indexing_threshold: over.indexingKb ?? 0 },
  };
}

export function service(
  store: ObjectStore,
  invoker: Invoker,
  over: { writerId?: string; now?: () => number } = {},
): StrataCollectionService {
  return new StrataCollectionService({ store, invoker, ...over });
}

/** Deterministic PRNG: the engine's own mulberry32. */
export const rng = mulberry32;

export function randomVectors(n: number, dim: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => r() * 2 - 1));
}

export const exactParams = { exact: true } as const;
