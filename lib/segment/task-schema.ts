/**
 * Validation of what crosses a worker boundary (thread or Lambda), in both directions. A worker rejects a malformed
 * task before touching storage; an invoker treats a malformed result (truncated JSON, wrong shape, non-finite
 * scores) as a failed attempt, never as an answer: a garbage response must not become a silently partial top-k
 * (DESIGN.md §4.5).
 *
 * Schemas in `zod/mini`, imported as a namespace (`import * as z`): esbuild then keeps only the parts used, ~30 KB
 * in the segment-search bundle. `import { z } from 'zod/mini'` would defeat that (the `z` object re-exports every
 * locale) and cost ~440 KB. Every schema carries its own message, so a problem reads `path: expected …`.
 * `params` and `filter` are checked for shape only (plain objects): search.ts and filter.ts own their semantics.
 */
import * as z from 'zod/mini';
import { internal, invalid } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import { isCanonicalPointId, type PointId } from '../model/point-id.js';
import type { MetaJson } from './meta.js';
import type { ScoringSpec } from './scoring.js';
import type { SegmentCandidate, SegmentSearchResult, SegmentSearchTask } from './task-contract.js';

const expected = (what: string) => ({ error: `expected ${what}` });

// zod 4 numbers are finite: NaN and ±Infinity fail the type check
const finite = z.number(expected('a finite number'));
const nonNegativeInt = z
  .int(expected('a non-negative integer'))
  .check(z.nonnegative(expected('a non-negative integer')));
const nonEmptyString = z.string(expected('a non-empty string')).check(z.minLength(1, expected('a non-empty string')));
// ids cross the wire canonical (lib/model/point-id.ts): anything else is a malformed task or a garbage result
const pointId = z.custom<PointId>(isCanonicalPointId, expected('a point id'));
/**
 * A task's `exclude` (every tail winner's id, thousands under a writer): one pass, no copy. An element schema would
 * run zod per id and copy the array, on the coordinator and again on the worker (~8% of the local server's main
 * thread under a writer); it only words the error (parseSegmentTask).
 *
 * Each array is checked once: the tail winners' ids are the very same array in every task until the next WAL object
 * (the coordinator hands it to every task of every query; a local worker thread hands its tasks the list it parsed
 * once, shared-exclude.ts), and checking ~25 µs per 1,000 ids in every task was most of what a writer added to a
 * query. Tasks never change their lists (`readonly`); a list that arrives as JSON is a new array and checked.
 */
const checkedLists = new WeakSet<readonly unknown[]>();
const pointIds = z.custom<readonly PointId[]>((v) => {
  if (!Array.isArray(v)) return false;
  if (checkedLists.has(v)) return true;
  if (!v.every(isCanonicalPointId)) return false;
  checkedLists.add(v);
  return true;
}, expected('an array of point ids'));
const shapeOnly = <T>() =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), expected('an object'));

const isOffset = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/**
 * A query vector and a result's candidates: one pass, no copy, like `pointIds`. The element schemas (`WORDING`, below)
 * would run zod per number and per candidate field and copy each array and object: on the local server's main
 * thread, checking the 16 results of a 16-segment query took ~7% of its time. They still word the error when a
 * task or result fails (parseSegmentTask, parseSegmentResult), so messages name the element.
 */
const finiteList = z.custom<number[]>(
  (v) => Array.isArray(v) && v.every(Number.isFinite),
  expected('a non-empty array'),
);
const isCandidate = (v: unknown): boolean => {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    isCanonicalPointId(c.id) &&
    Number.isFinite(c.version) &&
    Number.isFinite(c.similarity) &&
    typeof c.segment === 'string' &&
    isOffset(c.offset)
  );
};
const candidateList = z.custom<SegmentCandidate[]>(
  (v) => Array.isArray(v) && v.every(isCandidate),
  expected('an array of candidates'),
);

/**
 * `vector` must be non-empty unless `other` is set: a scored sub-search has no query vector, nor has a task whose
 * searches (which then replace the top-level one) are all scored. Each scoring's content is checked by the worker
 * (scoring.ts compileScoring) before it touches storage.
 */
const vectorUnlessScored = (...others: ('scoring' | 'searches' | 'sparse')[]) =>
  z.refine<{ vector: number[]; scoring?: unknown; searches?: unknown; sparse?: unknown }>(
    (v) => v.vector.length > 0 || others.some((o) => v[o] !== undefined),
    { ...expected('a non-empty array'), path: ['vector'] },
  );

/**
 * The task and result schemas: `onePass` checks the long arrays in one pass each (what every task and result runs),
 * otherwise element by element (only to word the error of a value the one-pass schema refused).
 */
function schemas(onePass: boolean) {
  const vector = onePass ? finiteList : z.array(finite, expected('a non-empty array'));
  const CandidateList = onePass
    ? candidateList
    : z.array(
        z.object(
          {
            id: pointId,
            version: finite,
            similarity: finite,
            segment: z.string(expected('a string')),
            offset: nonNegativeInt,
          },
          expected('an object'),
        ),
        expected('an array'),
      );
  const task = z
    .object(
      {
        collectionPrefix: z.string(expected('a string')),
        segments: z
          .array(
            z.object(
              { id: nonEmptyString, deletedVersion: nonNegativeInt, meta: z.optional(shapeOnly<MetaJson>()) },
              expected('an object'),
            ),
            expected('a non-empty array'),
          )
          .check(z.minLength(1, expected('a non-empty array'))),
        vector,
        using: z.optional(z.string(expected('a string'))),
        limit: z.int(expected('a positive integer')).check(z.positive(expected('a positive integer'))),
        params: shapeOnly<SegmentSearchTask['params']>(),
        filter: z.nullish(shapeOnly<Filter>()),
        exclude: z.nullish(onePass ? pointIds : z.array(pointId, expected('an array'))),
        excludeKey: z.optional(
          z.string(expected('a string')).check(z.maxLength(100, expected('at most 100 characters'))),
        ),
        minSimilarity: z.nullish(finite),
        budgetMs: z.nullish(finite),
        payloadSchema: z.nullish(shapeOnly<PayloadSchema>()),
        generations: z.nullish(z.record(z.string(), nonNegativeInt)),
        searches: z.optional(
          z.array(
            z
              .object(
                {
                  vector,
                  using: z.optional(z.string(expected('a string'))),
                  limit: z.int(expected('a positive integer')).check(z.positive(expected('a positive integer'))),
                  params: shapeOnly<SegmentSearchTask['params']>(),
                  filter: z.nullish(shapeOnly<Filter>()),
                  minSimilarity: z.nullish(finite),
                  scoring: z.optional(shapeOnly<ScoringSpec>()),
                  sparse: z.optional(
                    z.object(
                      {
                        indices: z.array(nonNegativeInt, expected('an array')),
                        values: z.array(finite, expected('an array')),
                      },
                      expected('an object'),
                    ),
                  ),
                },
                expected('an object'),
              )
              .check(vectorUnlessScored('scoring', 'sparse')),
            expected('an array'),
          ),
        ),
      },
      expected('an object'),
    )
    .check(vectorUnlessScored('searches'));

  const result = z.object(
    {
      candidates: CandidateList,
      lists: z.optional(z.array(CandidateList, expected('an array'))),
      stats: z.object(
        {
          segments: finite,
          distances: finite,
          gets: finite,
          bytes: finite,
          rounds: finite,
          cold: finite,
          millis: finite,
          roundsBeforeFirstDistance: z.optional(finite),
        },
        expected('an object'),
      ),
    },
    expected('an object'),
  );
  return { task, result };
}

const CHECK = schemas(true);
const WORDING = schemas(false);

/** `segments.0.deletedVersion: expected a non-negative integer`, plus how many other problems there were. */
function describe(error: z.core.$ZodError): string {
  const [first, ...rest] = error.issues;
  const path = first.path.length > 0 ? first.path.map(String).join('.') : '(root)';
  return `${path}: ${first.message}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}

/** A task as received by a worker; throws 'invalid' naming the first offending field. */
export function parseSegmentTask(value: unknown): SegmentSearchTask {
  const parsed = CHECK.task.safeParse(value);
  if (!parsed.success) {
    const worded = WORDING.task.safeParse(value);
    throw invalid(`malformed segment search task: ${describe(worded.success ? parsed.error : worded.error)}`);
  }
  // null and absent mean the same on the wire; the task carries only what is set
  const { filter, exclude, minSimilarity, budgetMs, searches, payloadSchema, generations, ...task } = parsed.data;
  return {
    ...task,
    ...(generations != null ? { generations } : {}),
    ...(budgetMs != null ? { budgetMs } : {}),
    ...(payloadSchema != null ? { payloadSchema } : {}),
    ...(filter != null ? { filter } : {}),
    ...(exclude != null ? { exclude } : {}),
    ...(minSimilarity != null ? { minSimilarity } : {}),
    ...(searches !== undefined
      ? {
          searches: searches.map(({ filter: f, minSimilarity: m, scoring: sc, ...s }) => ({
            ...s,
            ...(f != null ? { filter: f } : {}),
            ...(m != null ? { minSimilarity: m } : {}),
            ...(sc !== undefined ? { scoring: sc } : {}),
          })),
        }
      : {}),
  };
}

/** A result as received by an invoker; throws 'internal' (a failed attempt, retried by the fault policy). */
export function parseSegmentResult(value: unknown): SegmentSearchResult {
  const parsed = CHECK.result.safeParse(value);
  if (parsed.success) return parsed.data;
  const worded = WORDING.result.safeParse(value);
  throw internal(`garbage segment search result: ${describe(worded.success ? parsed.error : worded.error)}`);
}
