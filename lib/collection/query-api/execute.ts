/**
 * Execution of a universal query over one snapshot (lib/model/query.ts; its examples and checks: examples.ts): the
 * prefetch tree's nearest leaves are searched together in one fan-out, then the tree is evaluated depth first, each
 * inner node re-scoring, fusing or re-ranking the union of its prefetches' candidates here at the coordinator
 * (DESIGN.md §5).
 *
 * Invariants:
 * - Read your writes (§4.2): every leaf is the tail + segment fan-out of query.ts (`searchCandidatesBatch`): a
 *   nearest search, or a custom scoring (lib/segment/scoring.ts) the tail and the workers apply alike; both see
 *   exactly the snapshot's live set.
 * - A node's filter is merged into every prefetch below it (Qdrant propagates filters into the leaves), so an
 *   inner node never re-checks payloads.
 * - Point ids used as examples (query by id, recommend, discover, context) are looked up once per query (404 "No
 *   point with id x found" when missing) and never returned as results of their own collection.
 * - Scores are internal similarities (larger = closer) until the end; only the nearest family (a vector, a point id,
 *   average_vector) is converted to Qdrant's score (a distance for Euclid/Manhattan), as Qdrant does; fusion,
 *   formula, best_score, sum_scores, discover and context scores are reported as computed.
 * - Cost: every leaf of the tree is searched in ONE fan-out (one invocation per worker, each running all the
 *   leaves over its segments, task-contract.ts `searches`): nearest leaves as searches, best_score, sum_scores,
 *   discover, context, order_by, sample and no-query leaves as exact scans inside the workers (lib/segment/scan.ts),
 *   so the coordinator reads no segment vector for them; inner nodes read the vectors (re-scoring, MMR) or payloads
 *   (formula, order_by) of their candidates in one batched read per segment.
 */
import { similarityToScore, thresholdToSimilarity } from '../../distance/index.js';
import { invalid } from '../../model/errors.js';
import type { Filter } from '../../model/filter.js';
import type { PointId } from '../../model/point-id.js';
import type { QueryForm, QueryNode, UniversalQuery } from '../../model/query.js';
import type { ScoredPoint } from '../../model/search.js';
import { parseDateTime } from '../../segment/filter-parse.js';
import { compileSparseScoring, orderValue, orderValueOf } from '../../segment/scoring.js';
import type { ScoringSpec } from '../../segment/scoring.js';
import type { ServiceContext } from '../context.js';
import { compareIds } from '../merge.js';
import { wantsPayload } from '../payload-ops.js';
import { locateHits, searchCandidatesBatch, vectorSimilarity } from '../query.js';
import type { CandidateSearch, QueryTrace, SearchHit } from '../query.js';
import { loadPoints, lookup, recordShape, toRecord, wantsVector } from '../reads.js';
import { vectorSpace } from '../../model/vector-spaces.js';
import { isSparseName } from '../../model/sparse-spaces.js';
import { type SparseVector, isSparse, parseSparseVector, sparseDot } from '../../model/sparse-vector.js';
import { prepareSparseExamples, prepareSparseQuery } from '../sparse-query.js';
import { sparseExampleSpec, sparseQueryOf } from './sparse-examples.js';
import type { WithVector } from '../../model/points.js';
import type { Located } from '../reads.js';
import type { Snapshot } from '../snapshot.js';
import { evaluateFormula, parseFormula } from './formula.js';
import { exampleSpecOf, isNearestFamily, nearestVector, precheck, resolveRefs, scorerOf } from './examples.js';
import type { Refs } from './examples.js';
import { DEFAULT_RRF_K, dbsf, rrf } from './fusion.js';
import { DEFAULT_MMR_DIVERSITY, mmrSelect } from './mmr.js';
import { sampleRandom } from './sample.js';

export interface Hit {
  id: PointId;
  version: number;
  /** internal score, larger = better */
  score: number;
  loc?: Located;
  order_value?: number | string;
}

interface Run {
  ctx: ServiceContext;
  snap: Snapshot;
  trace: QueryTrace;
  random: () => number;
  /** stored vectors of example point ids, by lookup collection ('' = this one) */
  refs: Refs;
  /** example ids of this collection: never results */
  exclude: PointId[];
  /** the leaves' candidates, searched together in one fan-out before the tree is evaluated */
  leaves: Map<QueryNode, { search: CandidateSearch; found: SearchHit[] }>;
  /** each node's sparse query (checked, sorted, IDF-weighted), prepared before the leaves are planned */
  sparse: Map<QueryNode, SparseVector>;
  /** the same query as given (checked, sorted, no IDF): MMR's relevance, as Qdrant's volatile storage scores it */
  sparseRaw: Map<QueryNode, SparseVector>;
  /** each example-scored node over a sparse name: its spec of sparse examples (IDF-weighted when configured) */
  sparseSpecs: Map<QueryNode, ScoringSpec>;
}

/**
 * Prepares every sparse nearest query of the tree (IDF needs the collection's counts: one parallel round): a sparse
 * vector, or over a sparse name a point id or recommend average_vector made one (sparse-examples.ts).
 */
async function prepareSparse(run: Run, node: QueryNode): Promise<void> {
  const q = node.query;
  const sparseName = isSparseName(run.snap.manifest.config, node.using);
  const raw =
    q?.kind === 'nearest' && 'sparse' in q.input
      ? q.input.sparse
      : sparseName
        ? sparseQueryOf(run.refs, node, q)
        : undefined;
  if (raw !== undefined) {
    run.sparse.set(node, await prepareSparseQuery(run.ctx, run.snap, raw, node.using, run.trace.io));
    if (q?.kind === 'nearest' && q.mmr) run.sparseRaw.set(node, parseSparseVector(raw, 'query'));
  } else if (sparseName) {
    const weigh = (examples: unknown[]) => prepareSparseExamples(run.ctx, run.snap, examples, node.using, run.trace.io);
    const spec = await sparseExampleSpec(run.refs, node, q, weigh);
    if (spec !== null) run.sparseSpecs.set(node, spec);
  }
  await Promise.all(node.prefetch.map((p) => prepareSparse(run, p)));
}

type Scored = { hits: Hit[]; nearest: boolean };

const mergeFilters = (a: Filter | undefined, b: Filter | undefined): Filter | undefined =>
  a && b ? { must: [a, b] } : (a ?? b);

function threshold(run: Run, node: QueryNode, nearest: boolean): number | undefined {
  if (node.score_threshold === undefined) return undefined;
  // a sparse score is a dot product: the threshold is a similarity already
  return nearest && !isSparseName(run.snap.manifest.config, node.using)
    ? thresholdToSimilarity(vectorSpace(run.snap.manifest.config, node.using).distance, node.score_threshold)
    : node.score_threshold;
}

const byScore = (a: Hit, b: Hit): number => (a.score !== b.score ? b.score - a.score : compareIds(a.id, b.id));

/** Loads payloads and/or vectors of hits (by their known location, else by id). */
async function loadHits(run: Run, hits: readonly Hit[], want: { payload: boolean; vector: boolean }) {
  const known = hits.every((h) => h.loc !== undefined);
  const located = known
    ? hits.map((h) => h.loc as Located)
    : await lookup(
        run.ctx,
        run.snap,
        hits.map((h) => h.id),
      );
  if (!known) located.forEach((l, i) => (hits[i].loc = l));
  return loadPoints(run.ctx, run.snap, located, want, run.trace.io);
}

function orderHits(hits: Hit[], points: readonly { payload: Record<string, unknown> | null }[], q: QueryForm): Hit[] {
  if (q.kind !== 'order_by') return hits;
  const { key, direction, start_from } = q.order_by;
  const start = typeof start_from === 'string' ? parseDateTime(start_from) : start_from;
  const out: Hit[] = [];
  hits.forEach((h, i) => {
    const v = orderValue(points[i].payload, key);
    if (v === undefined) return;
    if (start !== undefined && (direction === 'asc' ? v < start : v > start)) return;
    out.push({ ...h, score: 0, order_value: v });
  });
  const sign = direction === 'asc' ? 1 : -1;
  return out.sort((a, b) =>
    a.order_value !== b.order_value
      ? sign * ((a.order_value as number) - (b.order_value as number))
      : compareIds(a.id, b.id),
  );
}

/**
 * The scoring of a leaf that is not a nearest search (see lib/segment/scoring.ts), with its example vectors as the
 * collection stores them. No query is id order (scroll); a formula without prefetches has no $score to work on and
 * ranks like no query, as before.
 */
function scoringOf(run: Run, node: QueryNode, q: QueryForm | undefined): ScoringSpec {
  switch (q?.kind) {
    case 'recommend':
    case 'discover':
    case 'context':
    case 'relevance_feedback':
      return exampleScoring(run, node, q);
    case 'order_by':
      return { kind: 'order_by', ...q.order_by };
    case 'sample':
      return { kind: 'sample' };
    default:
      return { kind: 'id_order' };
  }
}

/** An example-scored form's spec: sparse examples prepared by prepareSparse, else the dense / multivector ones. */
function exampleScoring(run: Run, node: QueryNode, q: QueryForm): ScoringSpec {
  const spec = run.sparseSpecs.get(node) ?? exampleSpecOf(run.snap, run.refs, node, q);
  if (spec === null) throw invalid(`query kind ${q.kind} scores no examples`);
  return spec;
}

/** A scored leaf's merged candidates as hits: order_by carries its value, sample and id order score 0. */
function scoredHits(run: Run, spec: ScoringSpec, found: SearchHit[]): Hit[] {
  return locateHits(run.snap, found).map((loc, i) => {
    const c = found[i];
    const hit: Hit = { id: c.id, version: c.version, score: c.similarity, loc };
    if (spec.kind === 'order_by') return { ...hit, score: 0, order_value: orderValueOf(spec, c.similarity) };
    if (spec.kind === 'sample' || spec.kind === 'id_order') return { ...hit, score: 0 };
    return hit;
  });
}

async function runNode(run: Run, node: QueryNode, parentFilter: Filter | undefined, limit: number): Promise<Scored> {
  const filter = mergeFilters(parentFilter, node.filter);
  const q = node.query;
  if (node.prefetch.length === 0) {
    const { search, found } = run.leaves.get(node) as { search: CandidateSearch; found: SearchHit[] };
    if (search.scoring !== undefined) return { hits: scoredHits(run, search.scoring, found), nearest: false };
    const mmr = q?.kind === 'nearest' ? q.mmr : undefined;
    const hits = locateHits(run.snap, found).map((loc, i) => ({
      id: found[i].id,
      version: found[i].version,
      score: found[i].similarity,
      loc,
    }));
    return { hits: mmr ? await applyMmr(run, node, q as QueryForm, hits, limit) : hits, nearest: true };
  }
  if (q === undefined) throw invalid('A query is needed to merge the prefetches.');
  const sources = [];
  for (const p of node.prefetch) sources.push(await runNode(run, p, filter, p.limit));
  return rescore(run, node, q, sources, limit);
}

async function applyMmr(run: Run, node: QueryNode, q: QueryForm, hits: Hit[], limit: number): Promise<Hit[]> {
  if (q.kind !== 'nearest' || !q.mmr) return hits;
  const diversity = q.mmr.diversity ?? DEFAULT_MMR_DIVERSITY;
  const points = await loadHits(run, hits, { payload: false, vector: true });
  const sparseQuery = run.sparseRaw.get(node);
  if (sparseQuery !== undefined) {
    // over a sparse name, Qdrant's MMR scores plain dot products (no IDF): the query against each candidate, and
    // the candidates pairwise; a candidate without the vector is dropped
    const vectors = new Map(points.map((p) => [p.id, p.vectors?.get(node.using)]));
    const kept = hits.filter((h) => {
      const v = vectors.get(h.id);
      return v !== undefined && isSparse(v);
    });
    const sparseOf = (h: Hit) => vectors.get(h.id) as SparseVector;
    const relevance = kept.map((h) => sparseDot(sparseQuery, sparseOf(h)));
    return mmrSelect(kept, relevance, (a, b) => sparseDot(sparseOf(a), sparseOf(b)), diversity, limit);
  }
  const space = vectorSpace(run.snap.manifest.config, node.using);
  const vectors = new Map(points.map((p) => [p.id, p.vectors?.get(node.using) as Float32Array]));
  const query = nearestVector(run.snap, run.refs, node, q) as Float32Array;
  // MaxSim for a multivector name, as every nearest comparison of it
  const relevance = hits.map((h) => vectorSimilarity(space, query, vectors.get(h.id) as Float32Array));
  return mmrSelect(
    hits,
    relevance,
    (a, b) => vectorSimilarity(space, vectors.get(a.id) as Float32Array, vectors.get(b.id) as Float32Array),
    diversity,
    limit,
  );
}

async function rescore(run: Run, node: QueryNode, q: QueryForm, sources: Scored[], limit: number): Promise<Scored> {
  const union: Hit[] = [];
  const seen = new Set<PointId>();
  for (const s of sources) {
    for (const h of s.hits) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      union.push(h);
    }
  }
  const min = threshold(run, node, isNearestFamily(q));
  const cut = (hits: Hit[]): Hit[] => hits.filter((h) => min === undefined || h.score >= min).slice(0, limit);
  if (q.kind === 'fusion') {
    const lists = sources.map((s) => s.hits.map((h) => ({ id: h.id, score: h.score, item: h })));
    const fused = q.method === 'rrf' ? rrf(lists, q.k ?? DEFAULT_RRF_K, q.weights) : dbsf(lists);
    return { hits: cut(fused.map((f) => ({ ...f.item, score: f.score }))), nearest: false };
  }
  if (q.kind === 'sample') return { hits: sampleRandom(union, limit, run.random), nearest: false };
  if (q.kind === 'order_by') {
    const points = await loadHits(run, union, { payload: true, vector: false });
    return { hits: orderHits(union, points, q).slice(0, limit), nearest: false };
  }
  if (q.kind === 'formula') {
    const formula = parseFormula(q.formula, q.defaults);
    // a has_vector condition reads which vectors each candidate holds: its vectors are loaded for that
    const points = await loadHits(run, union, { payload: true, vector: formula.readsVectors });
    const perSource = sources.map((s) => new Map(s.hits.map((h) => [h.id, h.score])));
    const hits = union.map((h, i) => ({
      ...h,
      score: evaluateFormula(formula, {
        id: h.id,
        payload: points[i].payload,
        scores: perSource.map((m) => m.get(h.id)),
        vectors: points[i].vectors,
      }),
    }));
    return { hits: cut(hits.sort(byScore)), nearest: false };
  }
  const sparseQuery = run.sparse.get(node);
  const sparseSpec = run.sparseSpecs.get(node);
  const sparseScorer: ((v: SparseVector) => number) | null =
    sparseQuery !== undefined
      ? (v) => sparseDot(sparseQuery, v)
      : sparseSpec !== undefined
        ? compileSparseScoring(sparseSpec)
        : null;
  const scorer = sparseScorer === null ? scorerOf(run.snap, run.refs, node, q) : null;
  if (scorer === null && sparseScorer === null) throw invalid(`query kind ${q.kind} cannot re-score prefetches`);
  const points = await loadHits(run, union, { payload: false, vector: true });
  const hits = union
    .flatMap((h, i) => {
      // a prefetched point without the vector this stage scores is dropped, as Qdrant does
      const v = points[i].vectors?.get(node.using);
      if (v === undefined) return [];
      if (sparseScorer !== null) return isSparse(v) ? [{ ...h, score: sparseScorer(v) }] : [];
      return isSparse(v) || scorer === null ? [] : [{ ...h, score: scorer(v) }];
    })
    .sort(byScore);
  const nearest = isNearestFamily(q);
  if (q.kind === 'nearest' && q.mmr) {
    // Qdrant's plan: a nearest re-scoring keeps `candidates_limit` of the prefetched points, then MMR picks `limit`
    const candidates = hits
      .filter((h) => min === undefined || h.score >= min)
      .slice(0, q.mmr.candidates_limit ?? limit);
    return { hits: await applyMmr(run, node, q, candidates, limit), nearest };
  }
  return { hits: cut(hits), nearest };
}

/** The leaves of the tree with the search each needs (same filters and limits as runNode). */
function planLeaves(
  run: Run,
  node: QueryNode,
  parentFilter: Filter | undefined,
  limit: number,
  out: { node: QueryNode; search: CandidateSearch }[],
): void {
  const filter = mergeFilters(parentFilter, node.filter);
  const q = node.query;
  if (node.prefetch.length > 0) {
    for (const p of node.prefetch) planLeaves(run, p, filter, p.limit, out);
    return;
  }
  if (q === undefined || !isNearestFamily(q)) {
    const scoring = scoringOf(run, node, q);
    // score_threshold cuts scores only: sample, order_by and no query have none
    const scored = q !== undefined && q.kind !== 'sample' && q.kind !== 'order_by';
    out.push({
      node,
      search: {
        vector: new Float32Array(0),
        // the vector a recommend / discover / context scoring reads (absent: the unnamed vector)
        ...(node.using ? { using: node.using } : {}),
        scoring,
        random: run.random,
        want: limit,
        params: node.params,
        filter,
        minSimilarity: scored ? threshold(run, node, false) : undefined,
      },
    });
    return;
  }
  const mmr = q.kind === 'nearest' ? q.mmr : undefined;
  const want = mmr ? Math.max(mmr.candidates_limit ?? limit, 1) : limit;
  const sparse = run.sparse.get(node);
  if (sparse !== undefined) {
    out.push({
      node,
      search: {
        vector: new Float32Array(0),
        using: node.using,
        sparse,
        want,
        params: node.params,
        filter,
        minSimilarity: threshold(run, node, true),
      },
    });
    return;
  }
  out.push({
    node,
    search: {
      vector: nearestVector(run.snap, run.refs, node, q) as Float32Array,
      ...(node.using ? { using: node.using } : {}),
      want,
      params: node.params,
      filter,
      minSimilarity: threshold(run, node, true),
    },
  });
}

/** Runs one universal query: the ranked hits of its page, before any payload fetch. */
export async function rankUniversal(
  ctx: ServiceContext,
  snap: Snapshot,
  query: UniversalQuery,
  trace: QueryTrace = {},
  random: () => number = Math.random,
): Promise<Scored> {
  const ids = new Map<string, Set<PointId>>();
  const lookupNames = new Map<string, Set<string | undefined>>();
  precheck(snap, query, ids, lookupNames);
  const { refs, exclude } = await resolveRefs(ctx, snap, ids, trace.io, lookupNames);
  const run: Run = {
    ctx,
    snap,
    trace,
    random,
    refs,
    exclude,
    leaves: new Map(),
    sparse: new Map(),
    sparseRaw: new Map(),
    sparseSpecs: new Map(),
  };
  await prepareSparse(run, query);
  // random sampling has no stable order to page through: Qdrant ignores the offset there
  const offset = query.query?.kind === 'sample' && query.prefetch.length === 0 ? 0 : query.offset;
  const leaves: { node: QueryNode; search: CandidateSearch }[] = [];
  planLeaves(run, query, undefined, offset + query.limit, leaves);
  const found = await searchCandidatesBatch(
    ctx,
    snap,
    leaves.map((l) => l.search),
    run.exclude,
    trace,
  );
  leaves.forEach((l, i) => run.leaves.set(l.node, { search: l.search, found: found[i] }));
  const ranked = await runNode(run, query, undefined, offset + query.limit);
  return { hits: ranked.hits.slice(offset, offset + query.limit), nearest: ranked.nearest };
}

/** Loads the page's payloads/vectors and converts scores to Qdrant's. */
export async function toScoredPoints(
  ctx: ServiceContext,
  snap: Snapshot,
  ranked: Scored,
  want: { with_payload: UniversalQuery['with_payload']; with_vector: WithVector; using?: string },
  trace: QueryTrace = {},
): Promise<(ScoredPoint & { order_value?: number | string })[]> {
  // only a nearest-family ranking converts scores, and it searched `using`, which then exists
  const distance =
    ranked.nearest && !isSparseName(snap.manifest.config, want.using)
      ? vectorSpace(snap.manifest.config, want.using).distance
      : 'Dot';
  const hits = ranked.hits;
  const known = hits.every((h) => h.loc !== undefined);
  const located = known
    ? hits.map((h) => h.loc as Located)
    : await lookup(
        ctx,
        snap,
        hits.map((h) => h.id),
      );
  const points = await loadPoints(
    ctx,
    snap,
    located,
    { payload: wantsPayload(want.with_payload), vector: wantsVector(want.with_vector) },
    trace.io,
  );
  const named = recordShape(snap.manifest.config);
  return hits.map((h, i) => {
    const { payload, vector } = toRecord(points[i], want.with_payload, want.with_vector, named);
    return {
      id: h.id,
      version: h.version,
      score: ranked.nearest ? similarityToScore(distance, h.score) : h.score,
      payload,
      vector,
      ...(h.order_value !== undefined ? { order_value: h.order_value } : {}),
    };
  });
}

export async function runUniversal(
  ctx: ServiceContext,
  snap: Snapshot,
  query: UniversalQuery,
  trace: QueryTrace = {},
): Promise<ScoredPoint[]> {
  const ranked = await rankUniversal(ctx, snap, query, trace);
  return toScoredPoints(ctx, snap, ranked, query, trace);
}
