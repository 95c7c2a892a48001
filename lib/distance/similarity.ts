/**
 * The internal similarity convention of the engine: LARGER = CLOSER, for every distance.
 *
 * | distance  | internal similarity | Qdrant's reported score          | ordering of the score |
 * |-----------|---------------------|----------------------------------|-----------------------|
 * | Cosine    | dot(a, b)           | dot (vectors normalized upstream) | descending            |
 * | Dot       | dot(a, b)           | dot                               | descending            |
 * | Euclid    | −Σ(a−b)²            | sqrt(Σ(a−b)²)                     | ascending             |
 * | Manhattan | −Σ|a−b|             | Σ|a−b|                            | ascending             |
 *
 * This module is the ONLY place that converts between the internal similarity and Qdrant's score or score_threshold;
 * heaps, merges and rescoring everywhere else compare similarities only.
 */
import type { Distance } from '../model/distance.js';
import { dot, l1, l2sq } from './kernels.js';

export const DISTANCES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

/** A row-vs-row similarity kernel: larger = closer. */
export type SimilarityFn = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number) => number;

function negL2sq(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -l2sq(a, aOff, b, bOff, dim);
}

function negL1(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -l1(a, aOff, b, bOff, dim);
}

/** The similarity kernel of a distance. Pick it once per query/build, never per vector. */
export function similarityFn(distance: Distance): SimilarityFn {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return dot;
    case 'Euclid':
      return negL2sq;
    case 'Manhattan':
      return negL1;
  }
}

/** Internal similarity → the score Qdrant reports (a distance for Euclid and Manhattan). */
export function similarityToScore(distance: Distance, similarity: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return similarity;
    case 'Euclid':
      // rounding in int8 estimates can make −l2sq slightly positive; a distance is never negative
      return similarity >= 0 ? 0 : Math.sqrt(-similarity);
    case 'Manhattan':
      return similarity >= 0 ? 0 : -similarity;
  }
}

/** Qdrant's score → internal similarity (inverse of similarityToScore). */
export function scoreToSimilarity(distance: Distance, score: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return score;
    case 'Euclid':
      return -(score * score);
    case 'Manhattan':
      return -score;
  }
}

/** True when Qdrant reports a distance for this metric (smaller score = closer, results ordered ascending). */
export function scoreIsDistance(distance: Distance): boolean {
  return distance === 'Euclid' || distance === 'Manhattan';
}

/**
 * What a Qdrant `score_threshold` t means: 'min_score' keeps score ≥ t (Cosine, Dot); 'max_distance' keeps
 * distance ≤ t (Euclid, Manhattan). Either way it becomes `similarity ≥ thresholdToSimilarity(distance, t)`.
 */
export function thresholdKind(distance: Distance): 'min_score' | 'max_distance' {
  return scoreIsDistance(distance) ? 'max_distance' : 'min_score';
}

/**
 * A score_threshold as a lower bound on the internal similarity. A negative distance threshold admits nothing, so
 * it maps to +Infinity.
 */
export function thresholdToSimilarity(distance: Distance, threshold: number): number {
  if (scoreIsDistance(distance) && threshold < 0) return Number.POSITIVE_INFINITY;
  return scoreToSimilarity(distance, threshold);
}
