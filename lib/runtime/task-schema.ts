/**
 * Validation of what crosses a worker boundary (thread or Lambda), in both directions. A worker rejects a malformed
 * task before touching storage; an invoker treats a malformed result (truncated JSON, wrong shape, non-finite
 * scores) as a failed attempt, never as an answer: a garbage response must not become a silently partial top-k
 * (DESIGN.md §4.5).
 *
 * Hand-written rather than zod: this module is on the segment-search function's cold path, and keeping zod out of
 * that bundle saves ~460 KB and ~30 ms of module evaluation per new container. `params` and `filter` are checked
 * for shape only (plain objects); their semantics belong to lib/segment.
 */
import { addSegmentStats, emptySegmentStats } from '../collection/segment-task.js';
import type { SegmentCandidate, SegmentSearchResult, SegmentSearchStats, SegmentSearchTask } from '../collection/segment-task.js';
import type { PointId } from '../collection/types.js';
import { internal, invalid } from '../errors.js';

class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPointId = (v: unknown): v is PointId =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && v.length > 0);

function need(ok: boolean, path: string, problem: string): void {
  if (!ok) throw new ShapeError(path, problem);
}

function finite(v: unknown, path: string): number {
  need(typeof v === 'number' && Number.isFinite(v), path, 'expected a finite number');
  return v as number;
}

function checkTask(v: unknown): SegmentSearchTask {
  need(isObject(v), '(root)', 'expected an object');
  const t = v as Record<string, unknown>;
  need(typeof t.collectionPrefix === 'string', 'collectionPrefix', 'expected a string');
  need(Array.isArray(t.segments) && t.segments.length > 0, 'segments', 'expected a non-empty array');
  const segments = (t.segments as unknown[]).map((s, i) => {
    need(isObject(s), `segments.${i}`, 'expected an object');
    const r = s as Record<string, unknown>;
    need(typeof r.id === 'string' && r.id.length > 0, `segments.${i}.id`, 'expected a non-empty string');
    need(Number.isSafeInteger(r.deletedVersion) && (r.deletedVersion as number) >= 0, `segments.${i}.deletedVersion`, 'expected a non-negative integer');
    return { id: r.id as string, deletedVersion: r.deletedVersion as number };
  });
  need(Array.isArray(t.vector) && t.vector.length > 0, 'vector', 'expected a non-empty array');
  const vector = t.vector as unknown[];
  for (let i = 0; i < vector.length; i++) finite(vector[i], `vector.${i}`);
  need(Number.isSafeInteger(t.limit) && (t.limit as number) > 0, 'limit', 'expected a positive integer');
  need(isObject(t.params), 'params', 'expected an object');
  need(t.filter === undefined || t.filter === null || isObject(t.filter), 'filter', 'expected an object');
  need(t.exclude === undefined || t.exclude === null || Array.isArray(t.exclude), 'exclude', 'expected an array');
  if (Array.isArray(t.exclude)) t.exclude.forEach((id, i) => need(isPointId(id), `exclude.${i}`, 'expected a point id'));
  if (t.minSimilarity !== undefined && t.minSimilarity !== null) finite(t.minSimilarity, 'minSimilarity');
  return {
    collectionPrefix: t.collectionPrefix as string,
    segments,
    vector: vector as number[],
    limit: t.limit as number,
    params: t.params as unknown as SegmentSearchTask['params'],
    ...(isObject(t.filter) ? { filter: t.filter as unknown as SegmentSearchTask['filter'] } : {}),
    ...(Array.isArray(t.exclude) ? { exclude: t.exclude as PointId[] } : {}),
    ...(typeof t.minSimilarity === 'number' ? { minSimilarity: t.minSimilarity } : {}),
  };
}

const STAT_KEYS = ['segments', 'distances', 'gets', 'bytes', 'rounds', 'cold', 'millis'] as const;

function checkResult(v: unknown): SegmentSearchResult {
  need(isObject(v), '(root)', 'expected an object');
  const r = v as Record<string, unknown>;
  need(Array.isArray(r.candidates), 'candidates', 'expected an array');
  const candidates: SegmentCandidate[] = (r.candidates as unknown[]).map((c, i) => {
    need(isObject(c), `candidates.${i}`, 'expected an object');
    const x = c as Record<string, unknown>;
    need(isPointId(x.id), `candidates.${i}.id`, 'expected a point id');
    need(typeof x.segment === 'string', `candidates.${i}.segment`, 'expected a string');
    need(Number.isSafeInteger(x.offset) && (x.offset as number) >= 0, `candidates.${i}.offset`, 'expected a non-negative integer');
    return {
      id: x.id as PointId,
      version: finite(x.version, `candidates.${i}.version`),
      similarity: finite(x.similarity, `candidates.${i}.similarity`),
      segment: x.segment as string,
      offset: x.offset as number,
    };
  });
  need(isObject(r.stats), 'stats', 'expected an object');
  const s = r.stats as Record<string, unknown>;
  const stats = {} as SegmentSearchStats;
  for (const k of STAT_KEYS) stats[k] = finite(s[k], `stats.${k}`);
  return { candidates, stats };
}

/** A task as received by a worker; throws 'invalid' naming the first offending field. */
export function parseSegmentTask(value: unknown): SegmentSearchTask {
  try {
    return checkTask(value);
  } catch (e) {
    if (e instanceof ShapeError) throw invalid(`malformed segment search task: ${e.message}`);
    throw e;
  }
}

/** A result as received by an invoker; throws 'internal' (a failed attempt, retried by the fault policy). */
export function parseSegmentResult(value: unknown): SegmentSearchResult {
  try {
    return checkResult(value);
  } catch (e) {
    if (e instanceof ShapeError) throw internal(`garbage segment search result: ${e.message}`);
    throw e;
  }
}

/** Concatenates the candidates of results for disjoint segment groups and sums their costs. */
export function mergeResults(results: readonly SegmentSearchResult[]): SegmentSearchResult {
  const stats = emptySegmentStats();
  const candidates = [];
  for (const r of results) {
    candidates.push(...r.candidates);
    addSegmentStats(stats, r.stats);
  }
  return { candidates, stats };
}
