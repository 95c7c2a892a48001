/**
 * The example-based scorings (recommend best_score / sum_scores, discover, context, relevance feedback) over the
 * three shapes a vector name can have, as Qdrant's custom query scorers compute them
 * (lib/segment/src/vector_storage/query_scorer/{custom,multi_custom,sparse_custom}_query_scorer.rs): the formula
 * (vector-queries.ts) is the same, only `sim(example, point)` differs:
 * | shape  | an example is                         | sim(example, point)                                          |
 * |--------|---------------------------------------|--------------------------------------------------------------|
 * | dense  | `dim` numbers                         | the metric's internal similarity                             |
 * | multi  | k·dim numbers (k ≥ 1 rows, row-major) | MaxSim: Σ over the example's rows of the best point row      |
 * | sparse | `{indices, values}`                   | dot product over the shared indices (0 when none is shared)  |
 *
 * Invariants: every example is checked here (dimension, row count, finiteness, sparse validity) before any point
 * is scored, so a malformed spec is rejected before storage is touched; sparse examples arrive sorted and already
 * IDF-weighted by the coordinator when the name has the modifier (Qdrant weights every example of the query).
 */
import { invalid } from '../model/errors.js';
import { type SparseVector, type SparseVectorJson, parseSparseVector } from '../model/sparse-vector.js';
import { bestScore, contextScore, discoverScore, feedbackScore, sumScores } from './vector-queries.js';

/** One example as a spec carries it (plain JSON): numbers for a dense or multivector name, else a sparse vector. */
export type ExampleVector = number[] | SparseVectorJson;

export interface ExamplePair {
  positive: ExampleVector;
  negative: ExampleVector;
}

/** The vector-reading part of a scoring spec (scoring.ts ScoringSpec). */
export type ExampleSpec =
  | { kind: 'recommend'; strategy: 'best_score' | 'sum_scores'; positive: ExampleVector[]; negative: ExampleVector[] }
  | { kind: 'discover'; target: ExampleVector; context: ExamplePair[] }
  | { kind: 'context'; context: ExamplePair[] }
  | { kind: 'relevance_feedback'; target: ExampleVector; a: number; pairs: (ExamplePair & { weight: number })[] };

/** Turns one raw example into the checked form `sim` takes; `what` names it in the error. */
export type ExampleCheck<E> = (raw: unknown, what: string) => E;

/** A score of one point from the similarity of each example to it. */
export type ExampleScore<E> = (sim: (example: E) => number) => number;

const finiteNumbers = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

export function denseExample(dim: number): ExampleCheck<Float32Array> {
  return (v, what) => {
    if (!finiteNumbers(v) || v.length !== dim) throw invalid(`scoring ${what}: expected ${dim} finite numbers`);
    return Float32Array.from(v);
  };
}

/** A multivector example: one or more rows of `dim` numbers, flattened. */
export function multiExample(dim: number): ExampleCheck<Float32Array> {
  return (v, what) => {
    if (!finiteNumbers(v) || v.length === 0 || v.length % dim !== 0) {
      throw invalid(`scoring ${what}: expected rows of ${dim} finite numbers`);
    }
    return Float32Array.from(v);
  };
}

export const sparseExample: ExampleCheck<SparseVector> = (v, what) => parseSparseVector(v, `scoring ${what}`);

function checkPairs<E>(pairs: unknown, check: ExampleCheck<E>, what = 'context'): { positive: E; negative: E }[] {
  if (!Array.isArray(pairs)) throw invalid(`scoring ${what}: expected an array of pairs`);
  return pairs.map((p: ExamplePair, i) => ({
    positive: check(p?.positive, `${what}.${i}.positive`),
    negative: check(p?.negative, `${what}.${i}.negative`),
  }));
}

/** The score of a vector form from its examples checked by `check`; throws 'invalid' on a malformed spec. */
export function exampleScore<E>(spec: ExampleSpec, check: ExampleCheck<E>): ExampleScore<E> {
  switch (spec.kind) {
    case 'recommend': {
      if (!Array.isArray(spec.positive) || !Array.isArray(spec.negative)) {
        throw invalid('scoring recommend: expected positive and negative arrays');
      }
      const pos = spec.positive.map((v, i) => check(v, `positive.${i}`));
      const neg = spec.negative.map((v, i) => check(v, `negative.${i}`));
      if (spec.strategy === 'best_score') return (s) => bestScore(pos, neg, s);
      if (spec.strategy === 'sum_scores') return (s) => sumScores(pos, neg, s);
      throw invalid(`scoring recommend: unknown strategy ${String(spec.strategy)}`);
    }
    case 'discover': {
      const target = check(spec.target, 'target');
      const pairs = checkPairs(spec.context, check);
      return (s) => discoverScore(target, pairs, s);
    }
    case 'context': {
      const pairs = checkPairs(spec.context, check);
      return (s) => contextScore(pairs, s);
    }
    case 'relevance_feedback': {
      const target = check(spec.target, 'target');
      if (typeof spec.a !== 'number' || !Array.isArray(spec.pairs)) {
        throw invalid('scoring relevance_feedback: expected a coefficient and pairs');
      }
      const pairs = checkPairs(spec.pairs, check, 'pairs').map((p, i) => {
        const weight = spec.pairs[i].weight;
        if (typeof weight !== 'number' || !Number.isFinite(weight)) {
          throw invalid(`scoring relevance_feedback: pair ${i} has no finite weight`);
        }
        return { ...p, weight };
      });
      return (s) => feedbackScore(target, spec.a, pairs, s);
    }
    default:
      throw invalid(`scoring ${String((spec as { kind?: unknown })?.kind)} reads no vector`);
  }
}
