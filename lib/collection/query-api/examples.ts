/**
 * The examples of a universal query: its tree checked before any search (vector names, example counts, fusion
 * weights, formula references — Qdrant's messages), the point ids it uses as examples looked up once, and the
 * scorer each vector form applies to a stored vector (lib/segment/vector-queries.ts holds the formulas).
 *
 * Invariants: every example id resolves or the query fails with 404 before any search; ids of the queried
 * collection are returned in `exclude` (never results); vectors are normalized as the collection stores them.
 */
import { normalizeInPlace, storedSimilarityFn } from '../../distance/index.js';
import { invalid, pointNotFound } from '../../model/errors.js';
import type { PointId } from '../../model/point-id.js';
import type { QueryForm, QueryNode, VectorInput } from '../../model/query.js';
import type { IoScope } from '../../storage/io-stats.js';
import type { ServiceContext } from '../context.js';
import { snapshotOf } from '../context.js';
import { prepareQueryVector, vectorSimilarity } from '../query.js';
import { requireOrderIndex } from '../payload-reads.js';
import { loadPoints, lookup } from '../reads.js';
import type { Snapshot } from '../snapshot.js';
import { checkPrefetchRefs, parseFormula } from './formula.js';
import {
  averageVector,
  bestScore,
  contextScore,
  discoverScore,
  feedbackPairs,
  feedbackScore,
  sumScores,
} from '../../segment/vector-queries.js';
import { resolveVectorName } from './vector-name.js';
import { vectorSpace } from '../../model/vector-spaces.js';
import type { VectorRows } from '../../model/points.js';
import { isSparse, wrongSparse } from '../../model/sparse-vector.js';
import { isSparseName } from '../../model/sparse-spaces.js';
import { findVectorSpace } from '../../model/vector-spaces.js';

/** The forms that score every point against their examples (no single search vector). */
const SCORED_FORMS: readonly string[] = ['recommend', 'discover', 'context', 'relevance_feedback'];

/** stored vectors (every name) of example point ids, by lookup collection ('' = this one) */
export type Refs = Map<string, Map<PointId, VectorRows>>;

function inputsOf(q: QueryForm | undefined): VectorInput[] {
  if (q === undefined) return [];
  switch (q.kind) {
    case 'nearest':
      return [q.input];
    case 'recommend':
      return [...q.positive, ...q.negative];
    case 'discover':
      return [q.target, ...q.context.flatMap((p) => [p.positive, p.negative])];
    case 'context':
      return q.context.flatMap((p) => [p.positive, p.negative]);
    case 'relevance_feedback':
      return [q.target, ...q.feedback.map((f) => f.example)];
    default:
      return [];
  }
}

/**
 * Validates names and example counts of the whole tree before any search runs; collects the example ids, and the
 * vector names `lookup_from` asks of other collections (checked against their configs by resolveRefs).
 */
export function precheck(
  snap: Snapshot,
  node: QueryNode,
  ids: Map<string, Set<PointId>>,
  lookupNames: Map<string, Set<string | undefined>> = new Map(),
): void {
  const q = node.query;
  const sparseName = isSparseName(snap.manifest.config, node.using);
  // a node that merges or orders its prefetches searches no vector: its default `using` ('') need not exist, as a
  // fusion over a collection of named vectors only (BM25 + dense hybrid) has no unnamed vector
  const searchesNoVector =
    node.using === '' && q !== undefined && ['fusion', 'formula', 'order_by', 'sample'].includes(q.kind);
  if (!sparseName && !searchesNoVector) resolveVectorName(snap.manifest.config, node.using);
  const sparseInput = q?.kind === 'nearest' && 'sparse' in q.input;
  if (sparseInput && !sparseName)
    throw findVectorSpace(snap.manifest.config, node.using)
      ? wrongSparse()
      : invalid(`Not existing vector name error: ${node.using}`);
  // over a sparse name, a point id or recommend's average_vector is a sparse nearest query (sparse-examples.ts);
  // a dense vector given for it is Qdrant's conversion error
  if (sparseName && q?.kind === 'nearest' && 'vector' in q.input) throw wrongSparse();
  if (sparseName && q !== undefined && SCORED_FORMS.includes(q.kind) && !isNearestFamily(q)) {
    const form = q.kind === 'recommend' ? `recommend strategy ${q.strategy}` : `query kind ${q.kind}`;
    throw invalid(`${form} is not supported over a sparse vector`);
  }
  if (node.prefetch.length > 0 && q === undefined) {
    throw invalid("A query is needed to merge the prefetches. Can't have prefetches without defining a query.");
  }
  if (q?.kind === 'fusion') {
    if (node.using !== '') throw invalid("Fusion queries cannot be combined with the 'using' field.");
    if (node.prefetch.length === 0) throw invalid('cannot apply Fusion without prefetches');
    if (q.weights && q.weights.length !== node.prefetch.length) {
      throw invalid(
        `RRF weights length (${q.weights.length}) does not match number of prefetches (${node.prefetch.length})`,
      );
    }
  }
  if (q?.kind === 'formula') checkPrefetchRefs(parseFormula(q.formula, q.defaults), node.prefetch.length);
  if (q?.kind === 'order_by') {
    if (node.score_threshold !== undefined) throw invalid("Can't use score_threshold with an order_by query.");
    requireOrderIndex(snap, q.order_by.key);
  }
  if (q?.kind === 'recommend') {
    if (q.strategy === 'average_vector' && q.positive.length === 0) {
      throw invalid('At least one positive vector ID required with this strategy');
    }
    if (q.positive.length === 0 && q.negative.length === 0) {
      throw invalid('At least one positive or negative vector ID required with this strategy');
    }
  }
  const from = node.lookup_from?.collection ?? '';
  if (node.lookup_from) {
    // the name is the other collection's: known once its snapshot is read
    if (from === '' || from === snap.name) resolveVectorName(snap.manifest.config, node.lookup_from.vector);
    else {
      let names = lookupNames.get(from);
      if (names === undefined) lookupNames.set(from, (names = new Set()));
      names.add(node.lookup_from.vector);
    }
  }
  for (const input of inputsOf(q)) {
    if (!('id' in input)) continue;
    let set = ids.get(from);
    if (set === undefined) ids.set(from, (set = new Set()));
    set.add(input.id);
  }
  for (const p of node.prefetch) precheck(snap, p, ids, lookupNames);
}

export async function resolveRefs(
  ctx: ServiceContext,
  own: Snapshot,
  ids: Map<string, Set<PointId>>,
  io?: IoScope,
  lookupNames: Map<string, Set<string | undefined>> = new Map(),
): Promise<{ refs: Refs; exclude: PointId[] }> {
  const refs: Refs = new Map();
  const exclude: PointId[] = [];
  for (const [from, set] of ids) {
    const snap = from === '' || from === own.name ? own : await snapshotOf(ctx, from, io);
    for (const name of lookupNames.get(from) ?? []) resolveVectorName(snap.manifest.config, name);
    const wanted = [...set];
    const located = await lookup(ctx, snap, wanted);
    const points = await loadPoints(ctx, snap, located, { payload: false, vector: true }, io);
    const byId = new Map<PointId, VectorRows>();
    for (const p of points) if (p.vectors !== null) byId.set(p.id, p.vectors);
    for (const id of wanted) if (!byId.has(id)) throw pointNotFound(String(id));
    refs.set(from, byId);
    if (snap === own) exclude.push(...wanted);
  }
  return { refs, exclude };
}

export function vectorOf(snap: Snapshot, refs: Refs, node: QueryNode, input: VectorInput): Float32Array {
  const { size, multivector } = vectorSpace(snap.manifest.config, node.using);
  if ('id' in input) {
    // an example's vector of the name searched (or lookup_from's own name in the other collection)
    const name = node.lookup_from ? (node.lookup_from.vector ?? node.using) : node.using;
    const v = refs
      .get(node.lookup_from?.collection ?? '')
      ?.get(input.id)
      ?.get(name ?? '');
    if (v === undefined) throw invalid(`Vector ${name ?? ''} of point ${String(input.id)} not found`);
    if (isSparse(v)) throw wrongSparse();
    // a stored multivector is a query of its rows (Qdrant searches with the point's multivector)
    if (multivector ? v.length % size !== 0 : v.length !== size)
      throw invalid(`lookup_from collection ${node.lookup_from?.collection} has vectors of another dimension`);
    return v;
  }
  if ('sparse' in input) throw wrongSparse();
  return prepareQueryVector(snap, input.vector, node.using);
}

/**
 * Refuses the scoring forms (best_score, sum_scores, discover, context) on a multivector name: scoring every point
 * against each example by MaxSim is not implemented in the segment workers.
 */
function singleVectorForm(snap: Snapshot, node: QueryNode, kind: string): void {
  if (vectorSpace(snap.manifest.config, node.using).multivector) {
    throw invalid(`query forms other than nearest are not supported on the multivector "${node.using}" (${kind})`);
  }
}

/**
 * recommend average_vector over a multivector name, as Qdrant does it (recommendations.rs): no averaging, the rows
 * of every positive example concatenated, then the rows of every negative one negated, searched by MaxSim.
 */
function concatenatedRows(positive: readonly Float32Array[], negative: readonly Float32Array[]): Float32Array {
  const out = new Float32Array([...positive, ...negative].reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of positive) {
    out.set(v, at);
    at += v.length;
  }
  for (const v of negative) for (let i = 0; i < v.length; i++) out[at++] = -v[i];
  return out;
}

/** The vector of a nearest-family query, or null for the custom scorers. */
export function nearestVector(snap: Snapshot, refs: Refs, node: QueryNode, q: QueryForm): Float32Array | null {
  if (q.kind === 'nearest') return vectorOf(snap, refs, node, q.input);
  if (q.kind === 'recommend' && q.strategy === 'average_vector') {
    if (vectorSpace(snap.manifest.config, node.using).multivector) {
      const vec = (i: VectorInput) => vectorOf(snap, refs, node, i);
      return concatenatedRows(q.positive.map(vec), q.negative.map(vec));
    }
    const v = Float32Array.from(
      averageVector(
        q.positive.map((p) => vectorOf(snap, refs, node, p)),
        q.negative.map((n) => vectorOf(snap, refs, node, n)),
      ),
    );
    if (vectorSpace(snap.manifest.config, node.using).distance === 'Cosine') normalizeInPlace(v, 0, v.length);
    return v;
  }
  return null;
}

/** A scorer of one stored vector for the vector forms, in internal similarity. */
export function scorerOf(
  snap: Snapshot,
  refs: Refs,
  node: QueryNode,
  q: QueryForm,
): ((v: Float32Array) => number) | null {
  const space = vectorSpace(snap.manifest.config, node.using);
  const { size: dim, distance } = space;
  const sim = storedSimilarityFn(distance, space.datatype);
  const near = nearestVector(snap, refs, node, q);
  if (near !== null) return (v) => vectorSimilarity(space, near, v);
  if (SCORED_FORMS.includes(q.kind)) singleVectorForm(snap, node, q.kind);
  const vec = (i: VectorInput) => vectorOf(snap, refs, node, i);
  if (q.kind === 'recommend') {
    const pos = q.positive.map(vec);
    const neg = q.negative.map(vec);
    const f = q.strategy === 'best_score' ? bestScore : sumScores;
    return (v) => f(pos, neg, (e: Float32Array) => sim(e, 0, v, 0, dim));
  }
  if (q.kind === 'discover' || q.kind === 'context') {
    const pairs = q.context.map((p) => ({ positive: vec(p.positive), negative: vec(p.negative) }));
    if (q.kind === 'context') return (v) => contextScore(pairs, (e: Float32Array) => sim(e, 0, v, 0, dim));
    const target = vec(q.target);
    return (v) => discoverScore(target, pairs, (e: Float32Array) => sim(e, 0, v, 0, dim));
  }
  if (q.kind === 'relevance_feedback') {
    const target = vec(q.target);
    const pairs = feedbackPairs(
      q.feedback.map((f) => ({ vector: vec(f.example), score: f.score })),
      q.strategy.b,
      q.strategy.c,
    );
    return (v) => feedbackScore(target, q.strategy.a, pairs, (e: Float32Array) => sim(e, 0, v, 0, dim));
  }
  return null;
}

export const isNearestFamily = (q: QueryForm | undefined): boolean =>
  q !== undefined && (q.kind === 'nearest' || (q.kind === 'recommend' && q.strategy === 'average_vector'));
