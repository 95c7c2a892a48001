/**
 * HNSW build and search, the one search pipeline (graph walk or exact scan, then rescoring), over typed arrays; the
 * graph and vectors binary layouts.
 */
export { searchHnswBeam } from './beam-search.js';
export type { BeamOptions } from './beam-search.js';
export { buildHnsw, DEFAULT_EF_CONSTRUCT, DEFAULT_M, INSERT_BLOCK, insertionOrder } from './build.js';
export type { BuildOptions } from './build.js';
export { InMemoryGraph, NO_NODE, upperRecordOffset } from './graph.js';
export type { GraphAccessor, GraphMeta, HnswGraph, UpperLevels } from './graph.js';
export {
  decodeGraphPage,
  DEFAULT_PAGE_SIZE,
  deserializeGraph,
  GRAPH_FIXED_HEADER_BYTES,
  GRAPH_MAGIC,
  GRAPH_VERSION,
  graphByteLength,
  graphPageOf,
  graphPageRange,
  PagedGraph,
  parseGraphFixedHeader,
  parseGraphHeader,
  serializeGraph,
} from './graph-format.js';
export type { ByteRange, GraphFileMeta } from './graph-format.js';
export { MaxHeap, MinHeap } from './heap.js';
export type { SearchResult } from './heap.js';
export { type PageReader, ResidentPages } from './page-reader.js';
export {
  exactSearch,
  exactSearchAsync,
  oversampledCount,
  rescore,
  rescoreAsync,
  searchPipeline,
  searchPipelineSync,
} from './pipeline.js';
export type { PipelineOptions, PipelineResult, SearchSpace } from './pipeline.js';
export { mulberry32 } from './rng.js';
export { FloatScorer, floatScorer, PagedFloatScorer, prepareQuery } from './scorer.js';
export type { QueryScorer, RowSource } from './scorer.js';
export { SearchContext, searchHnsw, searchHnswAsync } from './search.js';
export type { AcceptFn, SearchOptions } from './search.js';
export {
  asFloat32,
  decodeStoredPage,
  decodeVectorsPage,
  deserializeStoredVectors,
  deserializeVectors,
  PagedRows,
  parseVectorsHeader,
  serializeVectors,
  VECTORS_HEADER_BYTES,
  VECTORS_MAGIC,
  VECTORS_VERSION,
  TYPED_VECTORS_VERSION,
  vectorsLayout,
  vectorsPageOf,
  vectorsPageRange,
} from './vectors-format.js';
export type { VectorsFileMeta } from './vectors-format.js';
