/**
 * Fixtures for segment tests: seeded vectors and payloads, a collection config with overrides, a throwaway
 * filesystem store, and a per-test-run segment context (store, page cache, registry).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionConfig } from '../../lib/model/collection-config.js';
import type { Payload } from '../../lib/model/payload.js';
import type { Distance } from '../../lib/model/distance.js';
import { normalizeRows } from '../../lib/distance/index.js';
import { mulberry32 } from '../../lib/index/rng.js';
import { FileSystemStore } from '../../lib/storage/fs-store.js';
import type { ObjectStore } from '../../lib/storage/object-store.js';
import { PageCache } from '../../lib/storage/page-cache.js';
import { SegmentRegistry } from '../../lib/segment/registry.js';
import type { Segment } from '../../lib/segment/segment.js';
import type { SegmentTaskContext } from '../../lib/segment/task.js';

/** The four tier combinations (vectors.on_disk × hnsw_config.on_disk) every tier test runs. */
export const TIERS = [
  { vectorsOnDisk: false, graphOnDisk: false },
  { vectorsOnDisk: true, graphOnDisk: false },
  { vectorsOnDisk: false, graphOnDisk: true },
  { vectorsOnDisk: true, graphOnDisk: true },
] as const;

export const COLLECTION = 'test/collections/c1';
export const SEGMENT_ID = '0000000000000001-seg';
export const SEGMENT_PREFIX = `${COLLECTION}/segments/${SEGMENT_ID}`;

/** n × dim gaussian-ish values (sum of uniforms) with a cluster structure so HNSW has something to find. */
export function seededVectors(n: number, dim: number, seed: number, distance: Distance = 'Cosine'): Float32Array {
  const rnd = mulberry32(seed);
  const centers = 16;
  const c = new Float32Array(centers * dim);
  for (let i = 0; i < c.length; i++) c[i] = rnd() * 2 - 1;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * centers);
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[k * dim + j] + 0.35 * (rnd() + rnd() + rnd() - 1.5);
  }
  if (distance === 'Cosine') normalizeRows(out, dim);
  return out;
}

export function seededPayloads(n: number, seed: number): Payload[] {
  const rnd = mulberry32(seed);
  const colors = ['red', 'green', 'blue', 'black'];
  return Array.from({ length: n }, (_, i) => ({
    color: colors[Math.floor(rnd() * colors.length)],
    price: Math.round(rnd() * 1000) / 10,
    rare: i % 97 === 0,
    tags: i % 2 === 0 ? ['even'] : ['odd'],
  }));
}

export function makeConfig(
  dim: number,
  distance: Distance,
  over: {
    vectorsOnDisk?: boolean;
    graphOnDisk?: boolean;
    quantized?: boolean;
    m?: number;
    efConstruct?: number;
    fullScanThreshold?: number;
    indexingThreshold?: number;
  } = {},
): CollectionConfig {
  return {
    vectors: { size: dim, distance, on_disk: over.vectorsOnDisk ?? false },
    hnsw_config: {
      m: over.m ?? 16,
      ef_construct: over.efConstruct ?? 100,
      on_disk: over.graphOnDisk ?? false,
      full_scan_threshold: over.fullScanThreshold ?? 10,
    },
    quantization_config:
      over.quantized === false ? null : { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    optimizers_config: { default_segment_number: 1, indexing_threshold: over.indexingThreshold ?? 1 },
  };
}

export function tempStore(): { store: FileSystemStore; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'strata-seg-'));
  return {
    store: new FileSystemStore({ root, fsync: false }),
    root,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function taskContext(store: ObjectStore, registryBytes = 256 * 1024 * 1024): SegmentTaskContext {
  return {
    store,
    cache: new PageCache(store, { maxBytes: 64 * 1024 * 1024 }),
    registry: new SegmentRegistry<Segment>({ budgetBytes: registryBytes }),
  };
}
