/**
 * Which sealed segments no longer match the collection's config, so the optimizer rebuilds them (Qdrant's
 * config-mismatch / indexing optimizers): after `PATCH /collections/{name}` lowers `indexing_threshold` or changes
 * `hnsw_config.m/ef_construct/on_disk`, `vectors.on_disk` or `quantization_config`, existing segments keep the
 * parameters they were built with until the optimizer writes a replacement.
 *
 * A segment's build parameters are recorded in its manifest entry (`SegmentEntry.build`, copied from its meta.json
 * by the optimizer), so the coordinator's collection info tells a stale segment from a current one without reading
 * any segment object. Entries written before that field existed are judged from meta.json (the optimizer reads it;
 * collection info compares `indexed` only).
 *
 * What "differs" means — only parameters that change a segment's objects or how it is read:
 * - the graph, one way: a segment WITHOUT a graph whose live points reach the threshold (shouldIndex, Qdrant's
 *   indexing optimizer). A segment WITH a graph is never stale for being small: deletes that take it below
 *   `indexing_threshold` leave its index in place, as in Qdrant, whose optimizers never un-index a segment for
 *   shrinking (a graph over fewer live points still answers; tombstoned nodes are only routed through);
 * - for a segment with a graph: m (m = 0 turns graphs off: the rebuild has none, or block graphs only when payload_m
 *   builds them, recorded as m 0), ef_construct, `graphOnDisk` and
 *   the payload_m its payload-block links were built with (when recorded: Qdrant's fallback to m when unset, so a
 *   PATCH of m changes it too), whatever its size — the rebuild keeps the graph (`rebuildIndexes`), so these are always worth applying;
 * - for every segment: `vectorsOnDisk`, the quantization kind and its code-changing params (codesKey: e.g. int8 ->
 *   binary, or another binary encoding), int8's quantile (at float32 precision, as stored), the payload_schema its
 *   field indexes were built with, and the memory placement of each component (originals, graph when it has one,
 *   codes when quantized), as Qdrant rebuilds on a placement change. Rebuilding an indexed segment for these
 *   keeps its graph too.
 * - for every segment: the rows of a vector name deleted or re-created since it was written (readers hide them at
 *   once; the rebuild leaves them behind, so their storage goes with the replaced segment).
 * So a rebuild changes a segment's graph presence only toward the config (unindexed → indexed, or m → 0), and a
 * rebuilt segment never differs again until the config changes: no rebuild loops.
 * `full_scan_threshold` is not compared: it is a search-time knob. `indexing_threshold` lowered to 0 (indexing
 * off) leaves existing graphs alone, as in Qdrant (it only stops new segments from being indexed).
 */
import { type SegmentMeta, type SpaceMeta, isUnnamedMeta, placementOf } from '../segment/meta.js';
import { type SpacePlacement, memoryFromOnDisk } from '../model/memory.js';
import { type VectorSpace, findVectorSpace, isUnnamedConfig, vectorSpaces } from '../model/vector-spaces.js';
import { effectivePayloadM, graphWanted } from '../segment/space-links.js';
import { shouldIndex } from '../segment/writer.js';
import { codesKey, codesKeyOfMeta } from '../quantization/index.js';
import type { SegmentBuild, SegmentEntry } from './manifest.js';
import type { CollectionConfig } from '../model/collection-config.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import { isLiveGeneration, liveGenerations } from '../model/vector-generations.js';

/** Bound on rebuild work per optimizer run, so a run stays well inside a Lambda timeout; the next run continues. */
export interface RebuildBudget {
  /** segments rebuilt per run @default 4 */
  segments: number;
  /** live points rebuilt per run (the first stale segment is always taken, however large) @default 100_000 */
  points: number;
}

export const DEFAULT_REBUILD_BUDGET: RebuildBudget = { segments: 4, points: 100_000 };

function spaceBuild(s: SpaceMeta): SegmentBuild {
  const build: SegmentBuild = {
    m: s.hnsw?.m ?? 0,
    efConstruct: s.hnsw?.efConstruct ?? 0,
    vectorsOnDisk: s.tiers.vectorsOnDisk,
    graphOnDisk: s.tiers.graphOnDisk,
    quantile: s.quantization?.type === 'int8' ? s.quantization.quantile : null,
    ...(s.hnsw?.payloadM !== undefined ? { payloadM: s.hnsw.payloadM } : {}),
    // only for other kinds, so int8 entries stay as they were
    ...(s.quantization !== null && s.quantization.type !== 'int8' ? { codes: codesKeyOfMeta(s.quantization) } : {}),
    ...(s.generation !== undefined ? { generation: s.generation } : {}),
  };
  const placement = placementOf(s);
  const flags = buildPlacement(build);
  const same =
    placement.vectors === flags.vectors &&
    placement.graph === flags.graph &&
    (s.quantization === null || placement.quantized === flags.quantized);
  return same ? build : { ...build, memory: placement };
}

/** Where a build's components live: its `memory`, else what its flags say (int8 codes pinned: the old writer's). */
export function buildPlacement(build: SegmentBuild): SpacePlacement {
  return (
    build.memory ?? {
      vectors: memoryFromOnDisk(build.vectorsOnDisk),
      graph: memoryFromOnDisk(build.graphOnDisk),
      quantized: 'pinned',
    }
  );
}

/** The build parameters a segment's meta records (per named vector for a named segment). */
export function buildOf(meta: SegmentMeta): SegmentBuild {
  const fieldIndexes =
    meta.fieldIndexes !== undefined && Object.keys(meta.fieldIndexes).length > 0
      ? { fieldIndexes: payloadSchemaKey(meta.fieldIndexes) }
      : {};
  const sparse =
    meta.sparse !== undefined
      ? { sparse: Object.fromEntries(Object.entries(meta.sparse).map(([n, s]) => [n, s.generation ?? 0])) }
      : {};
  if (isUnnamedMeta(meta)) return { ...spaceBuild(meta.spaces['']), ...fieldIndexes };
  const vectors: Record<string, SegmentBuild> = {};
  for (const [name, s] of Object.entries(meta.spaces)) {
    const build = spaceBuild(s);
    // an optional vector's graph was decided on its holders (writer.ts shouldIndex): record them for differs()
    vectors[name] = s.count < meta.count ? { ...build, rows: s.count } : build;
  }
  const first = Object.values(vectors)[0] ?? {
    m: 0,
    efConstruct: 0,
    vectorsOnDisk: false,
    graphOnDisk: false,
    quantile: null,
  };
  return { ...first, vectors, ...fieldIndexes, ...sparse };
}

/**
 * Whether a build holds the rows of a vector name the config no longer has at that generation (deleted, or
 * re-created: lib/model/vector-generations.ts). Readers already hide them; the rebuild drops them from storage.
 */
function holdsStale(config: CollectionConfig, build: SegmentBuild): boolean {
  const live = liveGenerations(config);
  for (const [name, b] of Object.entries(build.vectors ?? {}))
    if (!isLiveGeneration(live, name, b.generation)) return true;
  for (const [name, g] of Object.entries(build.sparse ?? {})) if (!isLiveGeneration(live, name, g)) return true;
  return false;
}

/** A payload_schema as a comparable string (keys sorted); '' for none. */
export function payloadSchemaKey(schema: PayloadSchema | undefined): string {
  if (schema === undefined) return '';
  const keys = Object.keys(schema).sort();
  return keys.length === 0 ? '' : JSON.stringify(keys.map((k) => [k, schema[k]]));
}

/**
 * Whether the rebuild of a segment (`indexed` or not, `live` live points) builds a graph: when it had one (an index
 * is never dropped by a rebuild) or the threshold now asks for one; never when `m` is 0, unless payload_m builds
 * block graphs then (space-links.ts graphWanted: Qdrant's multitenancy layout).
 */
export function rebuildIndexes(config: CollectionConfig, indexed: boolean, live: number): boolean | undefined {
  // named vectors decide one by one by the threshold rule (a rebuild may then drop a small vector's graph)
  if (!isUnnamedConfig(config)) return undefined;
  return graphWanted(config.hnsw_config, config.payload_schema) && (indexed || shouldIndex(config, live));
}

/**
 * Whether a segment with `live` live points, `indexed` or not, built with `build`, differs from `config`. A named
 * segment differs when any of its vectors does, each judged against that vector's own effective parameters (a
 * vector is `indexed` when it has a graph); the whole segment is then rebuilt.
 */
export function differs(config: CollectionConfig, indexed: boolean, live: number, build: SegmentBuild): boolean {
  if (live <= 0) return false; // dropped by the optimizer, not rebuilt
  // field indexes are written with the segment: a created, changed or dropped index rebuilds it (with its graph)
  if ((build.fieldIndexes ?? '') !== payloadSchemaKey(config.payload_schema)) return true;
  if (holdsStale(config, build)) return true;
  if (build.vectors === undefined) {
    // a segment of the unnamed vector alone: stale once '' was deleted (gRPC's DeleteVectorName "")
    const unnamed = findVectorSpace(config, '');
    if (unnamed === undefined || !isLiveGeneration(liveGenerations(config), '', build.generation)) return true;
    return spaceDiffers(config, unnamed, indexed, live, build);
  }
  for (const space of vectorSpaces(config)) {
    const b = build.vectors[space.name];
    // a vector has a graph when its build records one: m > 0, or a block graph's (m 0, ef_construct set)
    // an optional vector is judged on its holders, as the writer decided its graph (deletes only lower them)
    const rows = b === undefined ? live : Math.min(live, b.rows ?? live);
    if (b !== undefined && spaceDiffers(config, space, b.m > 0 || b.efConstruct > 0, rows, b)) return true;
  }
  return false;
}

function spaceDiffers(
  config: CollectionConfig,
  space: VectorSpace,
  indexed: boolean,
  live: number,
  build: SegmentBuild,
): boolean {
  if (!indexed && shouldIndex(config, live, space.name)) return true; // one way: a graph is never stale for size
  if (indexed && (build.m !== space.hnsw.m || build.efConstruct !== space.hnsw.ef_construct)) return true;
  if (indexed && build.payloadM !== undefined && build.payloadM !== effectivePayloadM(space.hnsw)) return true;
  const placement = buildPlacement(build);
  if (indexed && placement.graph !== space.placement.graph) return true;
  if (placement.vectors !== space.placement.vectors) return true;
  const wanted = space.quantization === null ? null : codesKey(space.quantization);
  const built = build.codes ?? (build.quantile === null ? null : 'int8');
  if (wanted !== built) return true;
  if (wanted !== null && placement.quantized !== space.placement.quantized) return true;
  const scalar = space.quantization !== null && 'scalar' in space.quantization ? space.quantization.scalar : undefined;
  // the quantile is trained and stored as float32: compare at that precision, or a segment would never match
  return (
    scalar !== undefined && build.quantile !== null && Math.fround(scalar.quantile) !== Math.fround(build.quantile)
  );
}

/**
 * What collection info can tell from the manifest alone: true when the entry differs from `config` (status yellow).
 * An entry without `build` (older manifest) is judged on its graph only, one way as in `differs`.
 */
export function entryDiffers(config: CollectionConfig, s: SegmentEntry): boolean {
  const live = s.points - s.deleted;
  if (s.build === undefined) return live > 0 && !s.indexed && shouldIndex(config, live);
  return differs(config, s.indexed, live, s.build);
}
