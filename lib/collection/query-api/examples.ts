/**
 * The examples of a universal query: its tree checked before any search (vector names, example counts, fusion
 * weights, formula references — Qdrant's messages), the point ids it uses as examples looked up once, and the
 * scorer each vector form applies to a stored vector (lib/segment/vector-queries.ts holds the formulas).
 *
 * Invariants: every example id resolves or the query fails with 404 before any search; ids of the queried
 * collection are returned in `exclude` (never results); vectors are normalized as the collection stores them.
 */
import { normalizeInPlace } from '../../distance/index.js';
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
import { averageVector, feedbackPairs } from '../../segment/vector-queries.js';
import { compileScoring } from '../../segment/scoring.js';
import type { ExampleSpec } from '../../segment/example-forms.js';
import { resolveVectorName } from './vector-name.js';
import { vectorSpace } from '../../model/vector-spaces.js';
import type { VectorRows } from '../../model/points.js';
import { isSparse, wrongSparse } from '../../model/sparse-vector.js';
import { isSparseName } from '../../model/sparse-spaces.js';
import { findVectorSpace } from '../../model/vector-spaces.js';

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
  // over a sparse name, a point id or recommend's average_vector is a sparse nearest query and the scored forms
  // score sparse examples (sparse-examples.ts); a dense vector given for it is Qdrant's conversion error
  if (sparseName && q?.kind === 'nearest' && 'vector' in q.input) throw wrongSparse();
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
    // the name is the other collection's (absent: the name searched): known once its snapshot is read
    const name = lookupName(node);
    if (from === '' || from === snap.name) resolveAnyName(snap.manifest.config, name);
    else {
      let names = lookupNames.get(from);
      if (names === undefined) lookupNames.set(from, (names = new Set()));
      names.add(name);
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

/** The vector name examples given by id are read from: `lookup_from.vector`, else the name searched. */
export const lookupName = (node: QueryNode): string =>
  (node.lookup_from ? (node.lookup_from.vector ?? node.using) : node.using) ?? '';

/** A dense or sparse name of `config`; else Qdrant's 400 (resolveVectorName). */
function resolveAnyName(config: Snapshot['manifest']['config'], name: string | undefined): void {
  if (!isSparseName(config, name)) resolveVectorName(config, name);
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
    for (const name of lookupNames.get(from) ?? []) resolveAnyName(snap.manifest.config, name);
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
    const name = lookupName(node);
    const v = refs
      .get(node.lookup_from?.collection ?? '')
      ?.get(input.id)
      ?.get(name);
    if (v === undefined) throw invalid(`Vector ${name} of point ${String(input.id)} not found`);
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

/**
 * The spec of an example-scored form (recommend best_score / sum_scores, discover, context, relevance feedback) over a
 * dense or multivector name, its examples as the collection stores vectors (a multivector example: its rows); the
 * segment workers, the tail and prefetch re-scoring all compile it (lib/segment/scoring.ts). Null for other forms.
 */
export function exampleSpecOf(snap: Snapshot, refs: Refs, node: QueryNode, q: QueryForm): ExampleSpec | null {
  const vec = (i: VectorInput) => Array.from(vectorOf(snap, refs, node, i));
  switch (q.kind) {
    case 'recommend':
      if (q.strategy === 'average_vector') return null;
      return { kind: 'recommend', strategy: q.strategy, positive: q.positive.map(vec), negative: q.negative.map(vec) };
    case 'discover':
    case 'context': {
      const context = q.context.map((p) => ({ positive: vec(p.positive), negative: vec(p.negative) }));
      return q.kind === 'context' ? { kind: 'context', context } : { kind: 'discover', target: vec(q.target), context };
    }
    case 'relevance_feedback': {
      const judged = q.feedback.map((f) => ({ vector: vec(f.example), score: f.score }));
      const { a, b, c } = q.strategy;
      return { kind: 'relevance_feedback', target: vec(q.target), a, pairs: feedbackPairs(judged, b, c) };
    }
    default:
      return null;
  }
}

/** A scorer of one stored vector for the vector forms over a dense or multivector name, in internal similarity. */
export function scorerOf(
  snap: Snapshot,
  refs: Refs,
  node: QueryNode,
  q: QueryForm,
): ((v: Float32Array) => number) | null {
  const space = vectorSpace(snap.manifest.config, node.using);
  const near = nearestVector(snap, refs, node, q);
  if (near !== null) return (v) => vectorSimilarity(space, near, v);
  const spec = exampleSpecOf(snap, refs, node, q);
  if (spec === null) return null;
  const { size: dim, distance, datatype, multivector } = space;
  // the same compiled scoring the workers and the tail apply: a multivector point is its rows back to back
  const scoring = compileScoring(spec, dim, distance, undefined, datatype, multivector);
  return (v) => scoring.score(v, 0, null, multivector ? v.length / dim : 1) as number;
}

export const isNearestFamily = (q: QueryForm | undefined): boolean =>
  q !== undefined && (q.kind === 'nearest' || (q.kind === 'recommend' && q.strategy === 'average_vector'));
