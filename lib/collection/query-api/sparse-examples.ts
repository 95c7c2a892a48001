/**
 * Example-based queries over a sparse vector name, as Qdrant answers them (lib/collection/src/recommendations.rs):
 * a point id as the query searches with that point's sparse vector, and recommend's `average_vector` strategy
 * searches with the average of the positive examples (indices merged, each weight summed and divided by the count),
 * moved away from the negatives' average as `2·pos − neg` per index of either (an index missing on one side counts
 * as 0). The result is an ordinary sparse nearest query: the caller runs it through the inverted index (IDF
 * applied when the name has the modifier), with the example ids excluded from the results.
 *
 * Invariants: every example is a stored sparse vector of the name (or a sparse vector given inline); a dense one is
 * Qdrant's "Conversion between sparse and regular vectors failed". The scoring strategies that score each point
 * against every example (best_score, sum_scores, discover, context) are not derived here.
 */
import { invalid } from '../../model/errors.js';
import type { QueryForm, QueryNode, VectorInput } from '../../model/query.js';
import { isSparse, parseSparseVector, type SparseVectorJson, wrongSparse } from '../../model/sparse-vector.js';
import type { Refs } from './examples.js';

/** One example as a sparse vector (ascending indices). */
function exampleOf(refs: Refs, node: QueryNode, input: VectorInput, path: string): SparseVectorJson {
  if ('sparse' in input) {
    const s = parseSparseVector(input.sparse, path);
    return { indices: Array.from(s.indices), values: Array.from(s.values) };
  }
  if ('vector' in input) throw wrongSparse();
  const name = (node.lookup_from ? (node.lookup_from.vector ?? node.using) : node.using) ?? '';
  const v = refs
    .get(node.lookup_from?.collection ?? '')
    ?.get(input.id)
    ?.get(name);
  if (v === undefined) throw invalid(`Vector ${name} of point ${String(input.id)} not found`);
  if (!isSparse(v)) throw wrongSparse();
  return { indices: Array.from(v.indices), values: Array.from(v.values) };
}

/** Σ of the vectors per index, divided by their count: Qdrant's avg_vectors for sparse vectors. */
function average(vectors: readonly SparseVectorJson[]): Map<number, number> {
  const sum = new Map<number, number>();
  for (const v of vectors) v.indices.forEach((d, i) => sum.set(d, (sum.get(d) ?? 0) + v.values[i]));
  for (const [d, x] of sum) sum.set(d, x / vectors.length);
  return sum;
}

function toJson(weights: Map<number, number>): SparseVectorJson {
  const indices = [...weights.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((d) => weights.get(d) as number) };
}

/** The search vector of recommend's average_vector strategy; `positive` is non-empty (precheck). */
export function averageSparse(
  positive: readonly SparseVectorJson[],
  negative: readonly SparseVectorJson[],
): SparseVectorJson {
  const pos = average(positive);
  if (negative.length === 0) return toJson(pos);
  const neg = average(negative);
  const merged = new Map<number, number>();
  for (const d of new Set([...pos.keys(), ...neg.keys()])) {
    const p = pos.get(d) ?? 0;
    merged.set(d, p + p - (neg.get(d) ?? 0));
  }
  return toJson(merged);
}

/**
 * The raw sparse query a node over a sparse name searches with, or undefined when its query is not a nearest-family
 * form (those are refused by precheck).
 */
export function sparseQueryOf(refs: Refs, node: QueryNode, q: QueryForm | undefined): unknown {
  if (q?.kind === 'nearest') {
    if ('sparse' in q.input) return q.input.sparse;
    return exampleOf(refs, node, q.input, 'query');
  }
  if (q?.kind === 'recommend' && q.strategy === 'average_vector') {
    return averageSparse(
      q.positive.map((p, i) => exampleOf(refs, node, p, `positive.${i}`)),
      q.negative.map((n, i) => exampleOf(refs, node, n, `negative.${i}`)),
    );
  }
  return undefined;
}
