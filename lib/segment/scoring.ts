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
 * Invariants: example vectors arrive prepared as the collection stores vectors (normalized for Cosine) and are
 * checked here (dimension, finiteness), so a malformed spec is rejected before any storage is touched.
 */
import { storedSimilarityFn } from '../distance/index.js';
import type { VectorDatatype } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import type { Payload } from '../model/payload.js';
import { parseDateTime } from './filter-parse.js';
import { parsePayloadPath, valuesAt } from './payload-path.js';
import { bestScore, contextScore, discoverScore, feedbackScore, sumScores } from './vector-queries.js';

export interface VectorPair {
  positive: number[];
  negative: number[];
}

/** What a worker scores a segment with instead of a query vector (plain JSON: it crosses the worker boundary). */
export type ScoringSpec =
  | { kind: 'recommend'; strategy: 'best_score' | 'sum_scores'; positive: number[][]; negative: number[][] }
  | { kind: 'discover'; target: number[]; context: VectorPair[] }
  | { kind: 'context'; context: VectorPair[] }
  | { kind: 'relevance_feedback'; target: number[]; a: number; pairs: (VectorPair & { weight: number })[] }
  | { kind: 'order_by'; key: string; direction: 'asc' | 'desc'; start_from?: number | string }
  | { kind: 'sample' }
  | { kind: 'id_order' };

/**
 * Whether a scoring reads the stored vector: order_by, sample and id order rank every point whichever vectors it
 * holds (with named vectors, a point may lack the one a query names).
 */
export function scoringReadsVector(spec: ScoringSpec): boolean {
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
   * at `at` (ignored unless needsVector), `payload` its payload (ignored unless needsPayload).
   */
  score(row: Float32Array, at: number, payload: Payload | null): number | undefined;
}

function checkVector(v: unknown, dim: number, what: string): Float32Array {
  if (!Array.isArray(v) || v.length !== dim || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw invalid(`scoring ${what}: expected ${dim} finite numbers`);
  }
  return Float32Array.from(v);
}

function checkPairs(pairs: unknown, dim: number): { positive: Float32Array; negative: Float32Array }[] {
  if (!Array.isArray(pairs)) throw invalid('scoring context: expected an array of pairs');
  return pairs.map((p: VectorPair, i) => ({
    positive: checkVector(p?.positive, dim, `context.${i}.positive`),
    negative: checkVector(p?.negative, dim, `context.${i}.negative`),
  }));
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
): CompiledScoring {
  // uint8 Cosine rows are the bytes (the full cosine); every other space's as similarityFn compares them
  const sim = storedSimilarityFn(distance, datatype);
  const vectorScoring = (f: (s: (e: Float32Array) => number) => number): CompiledScoring => ({
    spec,
    needsVector: true,
    needsPayload: false,
    score: (row, at) => f((e) => sim(e, 0, row, at, dim)),
  });
  switch (spec?.kind) {
    case 'recommend': {
      if (!Array.isArray(spec.positive) || !Array.isArray(spec.negative)) {
        throw invalid('scoring recommend: expected positive and negative arrays');
      }
      const pos = spec.positive.map((v, i) => checkVector(v, dim, `positive.${i}`));
      const neg = spec.negative.map((v, i) => checkVector(v, dim, `negative.${i}`));
      if (spec.strategy === 'best_score') return vectorScoring((s) => bestScore(pos, neg, s));
      if (spec.strategy === 'sum_scores') return vectorScoring((s) => sumScores(pos, neg, s));
      throw invalid(`scoring recommend: unknown strategy ${String(spec.strategy)}`);
    }
    case 'discover': {
      const target = checkVector(spec.target, dim, 'target');
      const pairs = checkPairs(spec.context, dim);
      return vectorScoring((s) => discoverScore(target, pairs, s));
    }
    case 'context': {
      const pairs = checkPairs(spec.context, dim);
      return vectorScoring((s) => contextScore(pairs, s));
    }
    case 'relevance_feedback': {
      const target = checkVector(spec.target, dim, 'target');
      if (typeof spec.a !== 'number' || !Array.isArray(spec.pairs)) {
        throw invalid('scoring relevance_feedback: expected a coefficient and pairs');
      }
      const checked = checkPairs(spec.pairs, dim);
      const pairs = checked.map((p, i) => {
        const weight = spec.pairs[i].weight;
        if (typeof weight !== 'number' || !Number.isFinite(weight)) {
          throw invalid(`scoring relevance_feedback: pair ${i} has no finite weight`);
        }
        return { ...p, weight };
      });
      return vectorScoring((s) => feedbackScore(target, spec.a, pairs, s));
    }
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
