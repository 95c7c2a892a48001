/**
 * Search requests: the universal `points/query` (QueryRequest) and the legacy `points/search` (SearchRequest), single
 * and batched, all normalized to the service's QueryRequest. Defaults (Qdrant's OpenAPI): query limit 10, offset 0,
 * with_payload false, with_vector false; legacy search requires `limit`.
 *
 * Supported `query` forms: a dense vector, or `{nearest: <dense vector>}`. Other Qdrant query kinds (point-id
 * lookups, recommend, discover, fusion, order_by, sparse/multi vectors, prefetch) are refused with a 400 naming them.
 */
import { z } from 'zod';
import { looksSparse } from '../../model/sparse-vector.js';
import type { QueryRequest } from '../../model/search.js';
import type { WithVector } from '../../model/points.js';
import {
  DEFAULT_SEARCH_PARAMS,
  denseVectorSchema,
  filterSchema,
  forwardIssues,
  noShardKey,
  searchParamsSchema,
  withPayloadSchema,
  withVectorSchema,
} from './common.js';

const UNSUPPORTED_QUERY_KINDS = [
  'recommend',
  'discover',
  'context',
  'order_by',
  'fusion',
  'rrf',
  'formula',
  'sample',
  'mmr',
];

/** The dense vector of a `query` field, or an issue explaining what is not supported. */
const queryVectorSchema = z.unknown().transform((q, ctx): number[] => {
  let v = q;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    const kind = UNSUPPORTED_QUERY_KINDS.find((k) => k in obj);
    if (kind) {
      ctx.addIssue({
        code: 'custom',
        message: `query kind \`${kind}\` is not supported; use a vector or {nearest: vector}`,
      });
      return z.NEVER;
    }
    if ('nearest' in obj) {
      if (obj.mmr !== undefined && obj.mmr !== null) {
        ctx.addIssue({ code: 'custom', message: 'query kind `mmr` is not supported' });
        return z.NEVER;
      }
      v = obj.nearest;
    }
  }
  if (typeof v === 'number' || typeof v === 'string') {
    ctx.addIssue({ code: 'custom', message: 'query by point id is not supported; send the vector' });
    return z.NEVER;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'indices' in v) {
    ctx.addIssue({ code: 'custom', message: 'sparse vectors are not supported' });
    return z.NEVER;
  }
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    ctx.addIssue({ code: 'custom', message: 'multi-vectors are not supported' });
    return z.NEVER;
  }
  const r = denseVectorSchema.safeParse(v);
  if (!r.success) {
    forwardIssues(r.error, ctx);
    return z.NEVER;
  }
  return r.data;
});

const common = {
  filter: filterSchema.nullish(),
  params: searchParamsSchema.nullish(),
  score_threshold: z.number().nullish(),
  offset: z.number().int().min(0).nullish(),
  with_payload: withPayloadSchema.nullish(),
  with_vector: withVectorSchema.nullish(),
  shard_key: noShardKey,
};

function toQueryRequest(b: {
  vector: number[];
  using?: string | null;
  limit?: number | null;
  filter?: QueryRequest['filter'] | null;
  params?: QueryRequest['params'] | null;
  score_threshold?: number | null;
  offset?: number | null;
  with_payload?: QueryRequest['with_payload'] | null;
  with_vector?: WithVector | null;
}): QueryRequest {
  return {
    vector: b.vector,
    ...(b.using ? { using: b.using } : {}),
    limit: b.limit ?? 10,
    offset: b.offset ?? 0,
    ...(b.filter ? { filter: b.filter } : {}),
    params: b.params ?? DEFAULT_SEARCH_PARAMS,
    with_payload: b.with_payload ?? false,
    with_vector: b.with_vector ?? false,
    ...(b.score_threshold != null ? { score_threshold: b.score_threshold } : {}),
  };
}

export const queryRequestSchema = z
  .object({
    query: queryVectorSchema,
    limit: z.number().int().min(1).nullish(),
    using: z.union([z.literal(''), z.null()]).optional(),
    prefetch: z
      .unknown()
      .refine((p) => p == null || (Array.isArray(p) && p.length === 0), { message: 'prefetch is not supported' })
      .optional(),
    lookup_from: z.null().optional(),
    ...common,
  })
  .transform((b) => toQueryRequest({ ...b, vector: b.query }));

export const queryBatchSchema = z.object({ searches: z.array(queryRequestSchema) });

/**
 * Legacy `vector`: an array (the unnamed vector), `{name, vector: [...]}` (Qdrant's NamedVector), or
 * `{name, vector: {indices, values}}` (NamedSparseVector, checked against its sparse name later).
 */
const legacyVectorSchema = z.unknown().transform((v, ctx): { vector: number[]; using: string; sparse?: unknown } => {
  let arr = v;
  let using = '';
  if (arr !== null && typeof arr === 'object' && !Array.isArray(arr) && 'name' in arr) {
    const named = arr as { name: unknown; vector: unknown };
    if (typeof named.name !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'expected a vector name' });
      return z.NEVER;
    }
    using = named.name;
    arr = named.vector;
    if (looksSparse(arr)) return { vector: [], using, sparse: arr };
  }
  const r = denseVectorSchema.safeParse(arr);
  if (!r.success) {
    forwardIssues(r.error, ctx);
    return z.NEVER;
  }
  return { vector: r.data, using };
});

export const searchRequestSchema = z
  .object({ vector: legacyVectorSchema, limit: z.number().int().min(1), ...common })
  .transform((b) => ({
    ...toQueryRequest({ ...b, vector: b.vector.vector, using: b.vector.using }),
    ...(b.vector.sparse !== undefined ? { sparse: b.vector.sparse } : {}),
  }));

export const searchBatchSchema = z.object({ searches: z.array(searchRequestSchema) });
