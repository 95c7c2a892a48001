/** Float32 distance kernels and the one similarity ↔ Qdrant-score conversion (see similarity.ts). */
export { dot, l1, l1Bounded, l2sq, l2sqBounded } from './kernels.js';
export { maxSim } from './max-sim.js';
export { normalizeInPlace, normalized, normalizeRows } from './normalize.js';
export {
  DISTANCES,
  scoreIsDistance,
  scoreToSimilarity,
  similarityFn,
  similarityToScore,
  thresholdKind,
  thresholdToSimilarity,
} from './similarity.js';
export type { SimilarityFn } from './similarity.js';
export { allocateSimdArena, SIMD_BATCH, SimdArena, simdArenaOf, simdAvailable, simdRows } from './simd.js';
export type { SimdKernels } from './simd.js';
