/**
 * lib/segment: one immutable segment — writer, reader (tiers, registry), search (HNSW/exact, int8/float, filters,
 * tombstones, rescoring), point reads, and the worker entry `runSegmentTask`. A segment knows nothing of other
 * segments or of the manifest; it reads bytes only through lib/storage.
 */
export { encodeSegment, shouldIndex, writeSegment, DEFAULT_VECTORS_PAGE_SIZE } from './writer.js';
export type { SegmentInput, WriteOptions } from './writer.js';
export { openSegment, readMeta } from './open.js';
export type { OpenOptions } from './open.js';
export { Segment } from './segment.js';
export type { FilterMask, QueryIo } from './segment.js';
export { SegmentRegistry, DEFAULT_REGISTRY_BUDGET } from './registry.js';
export type { RegistryOptions, Sized } from './registry.js';
export { searchSegment, shouldRescore } from './search.js';
export type { SegmentHits, SegmentQuery } from './search.js';
export { runSegmentTask, runSegmentTaskDetailed } from './task.js';
export type * from './task-contract.js';
export { addSegmentStats, emptySegmentStats, mergeResults } from './task-contract.js';
export { parseSegmentResult, parseSegmentTask } from './task-schema.js';
export type { SegmentTaskContext, SegmentTaskDetail } from './task.js';
export { lookupOffsets, openPointSource, readIdTable, readPoints, readStoredPoints } from './points.js';
export type { PointSource, ReadPointsOptions, SegmentPoint, StoredPoint } from './points.js';
export { writeTombstones, encodeTombstones, decodeTombstones, readTombstones, Tombstones } from './tombstones.js';
export { IdTable } from './ids-format.js';
export type { PointOffset } from './ids-format.js';
export { SEGMENT_FORMAT, parseMeta, vectorKb } from './meta.js';
export type {
  SegmentMeta,
  SegmentTiers,
  SegmentHnswMeta,
  SegmentQuantizationMeta,
  SegmentVectorsMeta,
} from './meta.js';
export { directPages, pageReader } from './page-io.js';
export type { PageSource } from './page-io.js';
export { compileFilter, matchesFilter } from './filter.js';
export { parseFilter } from './filter-parse.js';
