/**
 * Example-based queries over a sparse vector name, as Qdrant answers them (lib/collection/src/recommendations.rs):
 * a point id as the query searches with that point's sparse vector, and recommend's `average_vector` strategy
 * searches with the average of the positive examples (indices merged, each weight summed and divided by the count),
 * moved away from the negatives' average as `2·pos − neg` per index of either (an index missing on one side counts
 * as 0). The result is an ordinary sparse nearest query: the caller runs it through the inverted index (IDF
 * applied when the name has the modifier), with the example ids excluded from the results.
 *
 * The forms that score each point against every example (recommend best_score / sum_scores, discover, context,
 * relevance feedback) become a scoring spec of sparse examples (`sparseExampleSpec`), each weighted by IDF when the
 * name has the modifier (Qdrant remaps every sparse vector of the query), scanned by the workers and the tail.
 *
 * Invariants: every example is a stored sparse vector of the name (or a sparse vector given inline); a dense one is
 * Qdrant's "Conversion between sparse and regular vectors failed".
 */
import { invalid } from '../../model/errors.js';
import type { ExampleSpec } from '../../segment/example-forms.js';
import { feedbackPairs } from '../../segment/vector-queries.js';
import type { QueryForm, QueryNode, VectorInput } from '../../model/query.js';
import {
  isSparse,
  parseSparseVector,
  type SparseVector,
  type SparseVectorJson,
  sparseToJson,
  wrongSparse,
} from '../../model/sparse-vector.js';
import { type Refs, lookupName } from './examples.js';

/** One example as a sparse vector (ascending indices). */
function exampleOf(refs: Refs, node: QueryNode, input: VectorInput, path: string): SparseVectorJson {
  if ('sparse' in input) {
    const s = parseSparseVector(input.sparse, path);
    return { indices: Array.from(s.indices), values: Array.from(s.values) };
  }
  if ('vector' in input) throw wrongSparse();
  const name = lookupName(node);
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

/**
 * The scoring spec of an example-scored form over a sparse name, or null for the other forms. `weigh` turns the
 * examples (checked, sorted) into the vectors scored: IDF-weighted together when the name has the modifier.
 */
export async function sparseExampleSpec(
  refs: Refs,
  node: QueryNode,
  q: QueryForm | undefined,
  weigh: (examples: SparseVectorJson[]) => Promise<SparseVector[]>,
): Promise<ExampleSpec | null> {
  if (q === undefined) return null;
  const inputs: VectorInput[] = [];
  const at = (i: VectorInput): number => inputs.push(i) - 1;
  let build: (v: SparseVectorJson[]) => ExampleSpec;
  switch (q.kind) {
    case 'recommend': {
      if (q.strategy === 'average_vector') return null;
      const pos = q.positive.map(at);
      const neg = q.negative.map(at);
      const strategy = q.strategy;
      build = (v) => ({
        kind: 'recommend',
        strategy,
        positive: pos.map((i) => v[i]),
        negative: neg.map((i) => v[i]),
      });
      break;
    }
    case 'discover':
    case 'context': {
      const target = q.kind === 'discover' ? at(q.target) : -1;
      const pairs = q.context.map((p) => ({ positive: at(p.positive), negative: at(p.negative) }));
      build = (v) => {
        const context = pairs.map((p) => ({ positive: v[p.positive], negative: v[p.negative] }));
        return target < 0 ? { kind: 'context', context } : { kind: 'discover', target: v[target], context };
      };
      break;
    }
    case 'relevance_feedback': {
      const target = at(q.target);
      const judged = q.feedback.map((f) => ({ at: at(f.example), score: f.score }));
      const { a, b, c } = q.strategy;
      build = (v) => ({
        kind: 'relevance_feedback',
        target: v[target],
        a,
        pairs: feedbackPairs(
          judged.map((j) => ({ vector: v[j.at], score: j.score })),
          b,
          c,
        ),
      });
      break;
    }
    default:
      return null;
  }
  const examples = inputs.map((input, i) => exampleOf(refs, node, input, `example.${i}`));
  return build((await weigh(examples)).map(sparseToJson));
}
