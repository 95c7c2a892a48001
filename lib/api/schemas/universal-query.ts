/**
 * The universal Query API's request bodies (Qdrant's OpenAPI: QueryRequest, Prefetch, Query, QueryGroupsRequest,
 * RecommendRequest, DiscoverRequest, SearchGroupsRequest, RecommendGroupsRequest, SearchMatrixRequest), normalized to
 * lib/model/query.ts with Qdrant's defaults: limit 10 (query/groups: 10 groups of group_size 3), offset 0, recommend
 * strategy average_vector, matrix sample 10 and limit 3 (RRF k and MMR diversity default in lib/collection/query-api).
 *
 * A plain vector query (a vector or {nearest: vector}, no prefetch, no mmr, the unnamed vector) still parses to the
 * search QueryRequest (query.ts), so its fast path and its tests stay as they were; every other form parses to a
 * UniversalQuery. Sparse and multi-vectors are refused with a 400 naming them.
 */
import { z } from 'zod';
import { looksSparse } from '../../model/sparse-vector.js';
import type { WithVector } from '../../model/points.js';
import type { Filter } from '../../model/filter.js';
import type { WithPayload } from '../../model/payload.js';
import type {
  ContextPairInput,
  GroupsRequest,
  QueryForm,
  QueryNode,
  UniversalQuery,
  VectorInput,
} from '../../model/query.js';
import type { QueryRequest, SearchParams } from '../../model/search.js';
import { canonicalPointId } from '../../model/point-id.js';
import {
  DEFAULT_SEARCH_PARAMS,
  queryVectorSchema,
  filterSchema,
  forwardIssues,
  noShardKey,
  searchParamsSchema,
  withPayloadSchema,
  withVectorSchema,
} from './common.js';

/**
 * Parses a nested value and forwards its issues under `path`; range issues (too_small/too_big) stay range issues
 * (422 at the API), with their bound spelled as the validator would.
 */
export function sub<T>(
  schema: z.ZodType<T>,
  v: unknown,
  ctx: z.RefinementCtx,
  path: (string | number)[],
): T | undefined {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const range = issue.code === 'too_small' || issue.code === 'too_big';
    const validation =
      range || (issue.code === 'custom' && (issue.params as { validation?: boolean } | undefined)?.validation);
    const bound =
      issue.code === 'too_small'
        ? `${String(issue.minimum)} or larger`
        : issue.code === 'too_big'
          ? `${String(issue.maximum)} or smaller`
          : '';
    ctx.addIssue({
      code: 'custom',
      path: [...path, ...(issue.path as (string | number)[])],
      message: range ? `must be ${bound}` : issue.message,
      ...(validation ? { params: { validation: true } } : {}),
    });
  }
  return undefined;
}

const refuse = (ctx: z.RefinementCtx, message: string, path: (string | number)[] = []): undefined => {
  ctx.addIssue({ code: 'custom', message, path });
  return undefined;
};

/** A dense vector, a multivector (for a multivector name) or a point id (its stored vector). */
export const vectorInputSchema = z.unknown().transform((v, ctx): VectorInput => {
  if (typeof v === 'number' || typeof v === 'string') {
    const id = canonicalPointId(v);
    if (id === null) return refuse(ctx, `expected a vector or a point id, got ${JSON.stringify(v)}`) ?? z.NEVER;
    return { id };
  }
  // validated (u32 indices, lengths, duplicates) with the sparse name `using` by lib/collection/sparse-query.ts
  if (looksSparse(v)) return { sparse: v };
  const r = queryVectorSchema.safeParse(v);
  if (!r.success) {
    forwardIssues(r.error, ctx);
    return z.NEVER;
  }
  return { vector: r.data };
});

export const pairSchema = z.object({ positive: vectorInputSchema, negative: vectorInputSchema });
const contextSchema = z.union([z.array(pairSchema), pairSchema.transform((p) => [p])]);

const mmrSchema = z.object({
  diversity: z.number().min(0).max(1).nullish(),
  candidates_limit: z.number().int().min(0).max(16_384).nullish(),
});

export const orderBySchema = z.union([
  z.string().transform((key) => ({ key, direction: 'asc' as const })),
  z
    .object({
      key: z.string(),
      direction: z.enum(['asc', 'desc']).nullish(),
      start_from: z.union([z.number(), z.string()]).nullish(),
    })
    .transform((o) => ({
      key: o.key,
      direction: o.direction ?? ('asc' as const),
      ...(o.start_from != null ? { start_from: o.start_from } : {}),
    })),
]);

const KNOWN_FORMS = [
  'nearest',
  'recommend',
  'discover',
  'context',
  'relevance_feedback',
  'order_by',
  'fusion',
  'rrf',
  'formula',
  'sample',
];

const relevanceFeedbackSchema = z.object({
  target: vectorInputSchema,
  feedback: z.array(z.object({ example: vectorInputSchema, score: z.number() })),
  strategy: z.object({ naive: z.object({ a: z.number(), b: z.number().min(0), c: z.number() }) }),
});

/** Qdrant's QueryInterface: a vector, a point id, or one of the query objects. */
export const queryFormSchema = z.unknown().transform((q, ctx): QueryForm => {
  if (q === null || typeof q !== 'object' || Array.isArray(q) || 'indices' in q) {
    const input = sub(vectorInputSchema, q, ctx, []);
    return input === undefined ? z.NEVER : { kind: 'nearest', input };
  }
  const o = q as Record<string, unknown>;
  const kind = KNOWN_FORMS.find((k) => k in o);
  switch (kind) {
    case 'nearest': {
      const input = sub(vectorInputSchema, o.nearest, ctx, ['nearest']);
      const mmr = o.mmr == null ? undefined : sub(mmrSchema, o.mmr, ctx, ['mmr']);
      if (input === undefined || (o.mmr != null && mmr === undefined)) return z.NEVER;
      return {
        kind: 'nearest',
        input,
        ...(mmr
          ? {
              mmr: {
                ...(mmr.diversity != null ? { diversity: mmr.diversity } : {}),
                ...(mmr.candidates_limit != null ? { candidates_limit: mmr.candidates_limit } : {}),
              },
            }
          : {}),
      };
    }
    case 'recommend': {
      const r = sub(
        z.object({
          positive: z.array(vectorInputSchema).nullish(),
          negative: z.array(vectorInputSchema).nullish(),
          strategy: z.enum(['average_vector', 'best_score', 'sum_scores']).nullish(),
        }),
        o.recommend,
        ctx,
        ['recommend'],
      );
      if (r === undefined) return z.NEVER;
      return {
        kind: 'recommend',
        positive: r.positive ?? [],
        negative: r.negative ?? [],
        strategy: r.strategy ?? 'average_vector',
      };
    }
    case 'discover': {
      const d = sub(z.object({ target: vectorInputSchema, context: contextSchema.nullish() }), o.discover, ctx, [
        'discover',
      ]);
      if (d === undefined) return z.NEVER;
      return { kind: 'discover', target: d.target, context: (d.context ?? []) as ContextPairInput[] };
    }
    case 'context': {
      const c = sub(contextSchema, o.context, ctx, ['context']);
      return c === undefined ? z.NEVER : { kind: 'context', context: c as ContextPairInput[] };
    }
    case 'relevance_feedback': {
      const r = sub(relevanceFeedbackSchema, o.relevance_feedback, ctx, ['relevance_feedback']);
      if (r === undefined) return z.NEVER;
      return { kind: 'relevance_feedback', target: r.target, feedback: r.feedback, strategy: r.strategy.naive };
    }
    case 'order_by': {
      const ob = sub(orderBySchema, o.order_by, ctx, ['order_by']);
      return ob === undefined ? z.NEVER : { kind: 'order_by', order_by: ob };
    }
    case 'fusion': {
      const f = sub(z.enum(['rrf', 'dbsf']), o.fusion, ctx, ['fusion']);
      return f === undefined ? z.NEVER : { kind: 'fusion', method: f };
    }
    case 'rrf': {
      const r = sub(
        z.object({ k: z.number().int().min(1).nullish(), weights: z.array(z.number().min(0)).nullish() }),
        o.rrf ?? {},
        ctx,
        ['rrf'],
      );
      if (r === undefined) return z.NEVER;
      return {
        kind: 'fusion',
        method: 'rrf',
        ...(r.k != null ? { k: r.k } : {}),
        ...(r.weights != null ? { weights: r.weights } : {}),
      };
    }
    case 'formula': {
      const d = o.defaults;
      if (d != null && (typeof d !== 'object' || Array.isArray(d)))
        return refuse(ctx, 'expected an object', ['defaults']) ?? z.NEVER;
      return { kind: 'formula', formula: o.formula, defaults: (d ?? {}) as Record<string, unknown> };
    }
    case 'sample':
      if (o.sample !== 'random') return refuse(ctx, 'expected "random"', ['sample']) ?? z.NEVER;
      return { kind: 'sample' };
    default:
      return refuse(ctx, `expected a vector, a point id or one of {${KNOWN_FORMS.join(', ')}}`) ?? z.NEVER;
  }
});

export const lookupSchema = z.object({ collection: z.string(), vector: z.string().nullish() });

interface RawNode {
  prefetch?: unknown;
  query?: QueryForm | null;
  using?: string | null;
  filter?: Filter | null;
  params?: SearchParams | null;
  limit?: number | null;
  score_threshold?: number | null;
  lookup_from?: { collection: string; vector?: string | null } | null;
}

const MAX_PREFETCH_DEPTH = 64;

export function toNode(b: RawNode, prefetch: QueryNode[]): QueryNode {
  return {
    prefetch,
    ...(b.query != null ? { query: b.query } : {}),
    using: b.using ?? '',
    ...(b.filter ? { filter: b.filter } : {}),
    params: b.params ?? DEFAULT_SEARCH_PARAMS,
    limit: b.limit ?? 10,
    ...(b.score_threshold != null ? { score_threshold: b.score_threshold } : {}),
    ...(b.lookup_from
      ? {
          lookup_from: {
            collection: b.lookup_from.collection,
            ...(b.lookup_from.vector != null ? { vector: b.lookup_from.vector } : {}),
          },
        }
      : {}),
  };
}

const nodeFields = {
  query: queryFormSchema.nullish(),
  using: z.string().nullish(),
  filter: filterSchema.nullish(),
  params: searchParamsSchema.nullish(),
  limit: z.number().int().min(1).nullish(),
  score_threshold: z.number().nullish(),
  lookup_from: lookupSchema.nullish(),
};

/** A Prefetch, recursively (depth-bounded so a hostile body cannot blow the stack). */
function prefetchList(v: unknown, ctx: z.RefinementCtx, depth: number): QueryNode[] | undefined {
  if (v == null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (depth > MAX_PREFETCH_DEPTH) return refuse(ctx, `prefetches nested deeper than ${MAX_PREFETCH_DEPTH}`);
  const out: QueryNode[] = [];
  for (let i = 0; i < list.length; i++) {
    const path = Array.isArray(v) ? ['prefetch', i] : ['prefetch'];
    const raw = sub(z.object({ ...nodeFields, prefetch: z.unknown().optional() }), list[i], ctx, path);
    if (raw === undefined) return undefined;
    const inner = prefetchList(raw.prefetch, ctx, depth + 1);
    if (inner === undefined) return undefined;
    out.push(toNode(raw as RawNode, inner));
  }
  return out;
}

const universalSchema = z
  .object({
    ...nodeFields,
    prefetch: z.unknown().optional(),
    offset: z.number().int().min(0).nullish(),
    with_payload: withPayloadSchema.nullish(),
    with_vector: withVectorSchema.nullish(),
    shard_key: noShardKey,
  })
  .transform((b, ctx): UniversalQuery => {
    const prefetch = prefetchList(b.prefetch, ctx, 1);
    if (prefetch === undefined) return z.NEVER;
    return {
      ...toNode(b as RawNode, prefetch),
      offset: b.offset ?? 0,
      with_payload: (b.with_payload ?? false) as WithPayload,
      with_vector: b.with_vector ?? false,
    };
  });

/** Every query as a UniversalQuery, plus its plain search form when it has one. */
export interface ParsedQuery {
  plain: QueryRequest | null;
  universal: UniversalQuery;
}

/** A universal query that the plain vector search answers exactly as it is. */
export function asPlainQuery(u: UniversalQuery): QueryRequest | null {
  const q = u.query;
  if (u.prefetch.length > 0 || u.lookup_from || q?.kind !== 'nearest') return null;
  if (q.mmr || !('vector' in q.input)) return null;
  return {
    vector: q.input.vector,
    ...(u.using !== '' ? { using: u.using } : {}),
    limit: u.limit,
    offset: u.offset,
    ...(u.filter ? { filter: u.filter } : {}),
    params: u.params,
    with_payload: u.with_payload,
    with_vector: u.with_vector,
    ...(u.score_threshold !== undefined ? { score_threshold: u.score_threshold } : {}),
  };
}

export const universalQuerySchema = universalSchema.transform((u): ParsedQuery => {
  return { plain: asPlainQuery(u), universal: u };
});

export const universalBatchSchema = z.object({ searches: z.array(universalQuerySchema) });

/** `with_lookup` of the groups forms: a collection name, or the collection and what to read from it */
export const withLookupSchema = z.union([
  z.string().transform((collection) => ({ collection })),
  z.object({
    collection: z.string(),
    with_payload: withPayloadSchema.nullish(),
    with_vectors: withVectorSchema.nullish(),
  }),
]);

export const queryGroupsSchema = z
  .object({
    group_by: z.string().min(1),
    group_size: z.number().int().min(1).nullish(),
    with_lookup: withLookupSchema.nullish(),
  })
  .passthrough()
  .transform((b, ctx): GroupsRequest => {
    const { group_by, group_size, with_lookup, ...rest } = b;
    const u = sub(universalSchema, rest, ctx, []);
    if (u === undefined) return z.NEVER;
    return groupsOf(u, group_by, group_size ?? 3, with_lookup ?? null);
  });

export function groupsOf(
  u: UniversalQuery,
  group_by: string,
  group_size: number,
  lookup: { collection: string; with_payload?: WithPayload | null; with_vectors?: WithVector | null } | null,
): GroupsRequest {
  return {
    query: u,
    group_by,
    group_size,
    limit: u.limit,
    ...(lookup
      ? {
          with_lookup: {
            collection: lookup.collection,
            with_payload: lookup.with_payload ?? true,
            with_vectors: lookup.with_vectors ?? false,
          },
        }
      : {}),
  };
}
