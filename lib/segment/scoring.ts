/**
 * Custom scorings: the query forms that are not a nearest-neighbour search (recommend best_score / sum_scores,
 * discover, context, order_by, sample, and no query at all) as a plain-JSON spec a segment task carries
 * (task-contract.ts `SubSearch.scoring`), compiled into ONE scoring function that both the segment worker (over its
 * originals and payloads, scan.ts) and the coordinator (over the WAL tail) apply, so the two sides cannot disagree.
 *
 * Every scoring yields a number where larger = earlier, merged like similarities (ties by point id ascending):
 * | kind      | score                                                                                    |
 * |-----------|------------------------------------------------------------------------------------------|
 * | recommend | best_score or sum_scores over the examples (vector-queries.ts)                           |
 * | discover  | rank of the context pairs + σ(sim(target)); context: Σ fastSigmoid(min(Δ − ε, 0))        |
 * | feedback  | a·sim(target) + Σ weight·(sim(better) − sim(worse)) over judged pairs (relevance_feedback) |
 * | order_by  | the payload value (numbers; datetimes as epoch ms), negated for `asc`: `orderValueOf`     |
 * |           | decodes it; points without a value, or before `start_from`, are no candidates (undefined) |
 * | sample    | a uniform random key: the `limit` largest keys of the union are a uniform sample of it    |
 * | id_order  | 0 for every point: the merge's id tie-break is the order (Qdrant's scroll order)          |
 *
 * The example forms score over a dense, a multivector (MaxSim per example) or a sparse name (dot per example):
 * example-forms.ts holds the three shapes' checks and similarities.
 *
 * Invariants: example vectors arrive prepared as the collection stores vectors (normalized for Cosine; sparse ones
 * sorted and IDF-weighted) and are checked here (dimension, finiteness), so a malformed spec is rejected before any
 * storage is touched.
 */
import { maxSim, storedSimilarityFn } from '../distance/index.js';
import type { VectorDatatype } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import type { Payload } from '../model/payload.js';
import { type SparseVector, sparseDot } from '../model/sparse-vector.js';
import { type ExampleSpec, denseExample, exampleScore, multiExample, sparseExample } from './example-forms.js';
import { parseDateTime } from './filter-parse.js';
import { parsePayloadPath, valuesAt } from './payload-path.js';

export type { ExamplePair as VectorPair, ExampleVector } from './example-forms.js';

/** What a worker scores a segment with instead of a query vector (plain JSON: it crosses the worker boundary). */
export type ScoringSpec =
  | ExampleSpec
  | { kind: 'order_by'; key: string; direction: 'asc' | 'desc'; start_from?: number | string }
  | { kind: 'sample' }
  | { kind: 'id_order' };

/**
 * Whether a scoring reads the stored vector: order_by, sample and id order rank every point whichever vectors it
 * holds (with named vectors, a point may lack the one a query names).
 */
export function scoringReadsVector(spec: ScoringSpec): spec is ExampleSpec {
  return (
    spec.kind === 'recommend' ||
    spec.kind === 'discover' ||
    spec.kind === 'context' ||
    spec.kind === 'relevance_feedback'
  );
}

export interface CompiledScoring {
  readonly spec: ScoringSpec;
  /** the score reads the stored vector (originals) */
  readonly needsVector: boolean;
  /** the score reads the payload */
  readonly needsPayload: boolean;
  /**
   * The score of one point (larger = earlier), or undefined when the point is no candidate. `row` holds its vector
   * at `at` (ignored unless needsVector) — over a multivector name its `rows` rows back to back —, `payload` its
   * payload (ignored unless needsPayload).
   */
  score(row: Float32Array, at: number, payload: Payload | null, rows?: number): number | undefined;
}

/** The order_by value of a payload: the first number or datetime at `key` (arrays: their first element). */
export function orderValue(payload: Payload | null, key: string): number | undefined {
  if (payload === null) return undefined;
  for (const v of valuesAt(payload, parsePayloadPath(key))) {
    const x = Array.isArray(v) ? v[0] : v;
    if (typeof x === 'number') return x;
    if (typeof x === 'string') {
      const ms = parseDateTime(x);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}

/** The order_by value back from an order_by score. */
export function orderValueOf(spec: ScoringSpec & { kind: 'order_by' }, score: number): number {
  return spec.direction === 'asc' ? -score : score;
}

/**
 * Compiles a spec for a collection's vectors (`dim`, `distance`); throws 'invalid' on a malformed one. `random`
 * draws sample keys (injected so the coordinator's tail keys are reproducible in tests).
 */
export function compileScoring(
  spec: ScoringSpec,
  dim: number,
  distance: Distance,
  random: () => number = Math.random,
  datatype?: VectorDatatype,
  multivector = false,
): CompiledScoring {
  // uint8 Cosine rows are the bytes (the full cosine); every other space's as similarityFn compares them
  const sim = storedSimilarityFn(distance, datatype);
  if (spec !== null && typeof spec === 'object' && scoringReadsVector(spec)) {
    if (multivector) {
      // MaxSim of each example (its rows as the query) against the point's rows, as Qdrant's multi scorer
      const f = exampleScore(spec, multiExample(dim));
      return {
        spec,
        needsVector: true,
        needsPayload: false,
        score: (row, at, _payload, rows = 1) => f((e) => maxSim(sim, e, 0, e.length / dim, row, at, rows, dim)),
      };
    }
    const f = exampleScore(spec, denseExample(dim));
    return { spec, needsVector: true, needsPayload: false, score: (row, at) => f((e) => sim(e, 0, row, at, dim)) };
  }
  switch (spec?.kind) {
    case 'order_by': {
      const { key, direction, start_from } = spec;
      if (typeof key !== 'string' || (direction !== 'asc' && direction !== 'desc')) {
        throw invalid('scoring order_by: expected a key and a direction');
      }
      const start = typeof start_from === 'string' ? parseDateTime(start_from) : start_from;
      const sign = direction === 'asc' ? -1 : 1;
      return {
        spec,
        needsVector: false,
        needsPayload: true,
        score: (_row, _at, payload) => {
          const v = orderValue(payload, key);
          if (v === undefined) return undefined;
          if (start !== undefined && (direction === 'asc' ? v < start : v > start)) return undefined;
          return sign * v;
        },
      };
    }
    case 'sample':
      return { spec, needsVector: false, needsPayload: false, score: () => random() };
    case 'id_order':
      return { spec, needsVector: false, needsPayload: false, score: () => 0 };
    default:
      throw invalid(`unknown scoring kind ${String((spec as { kind?: unknown })?.kind)}`);
  }
}

/**
 * A vector form over a sparse name: the score of one stored sparse vector, each example compared by dot product
 * over the shared indices (0 when none is shared: every point holding the name is a candidate, as Qdrant's
 * full-scan scorer makes it). Throws 'invalid' on a malformed spec.
 */
export function compileSparseScoring(spec: ScoringSpec): (v: SparseVector) => number {
  if (spec === null || typeof spec !== 'object' || !scoringReadsVector(spec)) {
    throw invalid(`scoring ${String((spec as { kind?: unknown })?.kind)} reads no sparse vector`);
  }
  const f = exampleScore(spec, sparseExample);
  return (v) => f((e) => sparseDot(e, v));
}
