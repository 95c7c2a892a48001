/**
 * Request bodies of the legacy explore endpoints Qdrant's clients still call (RecommendRequest, DiscoverRequest,
 * SearchGroupsRequest, RecommendGroupsRequest, SearchMatrixRequest), each normalized to the universal query of
 * lib/model/query.ts, so one engine answers them. Legacy `limit` is required (no default), as in Qdrant's OpenAPI.
 */
import { z } from 'zod';
import type { WithVector } from '../../model/points.js';
import type { Filter } from '../../model/filter.js';
import type { WithPayload } from '../../model/payload.js';
import type { ContextPairInput, MatrixRequest, QueryForm, UniversalQuery, VectorInput } from '../../model/query.js';
import type { SearchParams } from '../../model/search.js';
import {
  denseVectorSchema,
  filterSchema,
  noShardKey,
  searchParamsSchema,
  withPayloadSchema,
  withVectorSchema,
} from './common.js';
import {
  groupsOf,
  lookupSchema,
  pairSchema,
  sub,
  toNode,
  vectorInputSchema,
  withLookupSchema,
} from './universal-query.js';

const legacyCommon = {
  filter: filterSchema.nullish(),
  params: searchParamsSchema.nullish(),
  limit: z.number().int().min(1),
  offset: z.number().int().min(0).nullish(),
  with_payload: withPayloadSchema.nullish(),
  with_vector: withVectorSchema.nullish(),
  score_threshold: z.number().nullish(),
  using: z.string().nullish(),
  lookup_from: lookupSchema.nullish(),
  shard_key: noShardKey,
};

function legacyQuery(
  b: {
    filter?: Filter | null;
    params?: SearchParams | null;
    limit: number;
    offset?: number | null;
    with_payload?: WithPayload | null;
    with_vector?: WithVector | null;
    score_threshold?: number | null;
    using?: string | null;
    lookup_from?: { collection: string; vector?: string | null } | null;
  },
  query: QueryForm,
): UniversalQuery {
  return {
    ...toNode({ ...b, query }, []),
    offset: b.offset ?? 0,
    with_payload: b.with_payload ?? false,
    with_vector: b.with_vector ?? false,
  };
}

const recommendFields = {
  positive: z.array(vectorInputSchema).nullish(),
  negative: z.array(vectorInputSchema).nullish(),
  strategy: z.enum(['average_vector', 'best_score', 'sum_scores']).nullish(),
};

const recommendForm = (b: {
  positive?: VectorInput[] | null;
  negative?: VectorInput[] | null;
  strategy?: 'average_vector' | 'best_score' | 'sum_scores' | null;
}): QueryForm => ({
  kind: 'recommend',
  positive: b.positive ?? [],
  negative: b.negative ?? [],
  strategy: b.strategy ?? 'average_vector',
});

export const recommendRequestSchema = z
  .object({ ...legacyCommon, ...recommendFields })
  .transform((b) => legacyQuery(b, recommendForm(b)));
export const recommendBatchSchema = z.object({ searches: z.array(recommendRequestSchema) });

/**
 * The legacy discover: with a target, discovery (ranked by the context, then by the target); without one, context
 * search over the pairs alone, as Qdrant's. `null` means neither was given: the route answers Qdrant's 400.
 */
export const discoverRequestSchema = z
  .object({ ...legacyCommon, target: vectorInputSchema.nullish(), context: z.array(pairSchema).nullish() })
  .transform((b) => {
    const context = (b.context ?? []) as ContextPairInput[];
    if (b.target != null) return legacyQuery(b, { kind: 'discover', target: b.target, context });
    return context.length > 0 ? legacyQuery(b, { kind: 'context', context }) : null;
  });
export const discoverBatchSchema = z.object({ searches: z.array(discoverRequestSchema) });

const groupFields = {
  group_by: z.string().min(1),
  group_size: z.number().int().min(1),
  limit: z.number().int().min(1),
  with_lookup: withLookupSchema.nullish(),
};

/** Legacy `vector` of search/groups: an array, or `{name, vector}`. */
const legacyNamedVector = z.unknown().transform((v, ctx): { vector: number[]; using: string } => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'name' in v) {
    const named = v as { name: unknown; vector: unknown };
    const input = sub(denseVectorSchema, named.vector, ctx, ['vector']);
    return input === undefined ? z.NEVER : { vector: input, using: String(named.name) };
  }
  const input = sub(denseVectorSchema, v, ctx, []);
  return input === undefined ? z.NEVER : { vector: input, using: '' };
});

export const searchGroupsSchema = z
  .object({ ...legacyCommon, ...groupFields, vector: legacyNamedVector, using: z.undefined().optional() })
  .transform((b) => {
    const u = legacyQuery({ ...b, using: b.vector.using }, { kind: 'nearest', input: { vector: b.vector.vector } });
    return groupsOf(u, b.group_by, b.group_size, b.with_lookup ?? null);
  });

export const recommendGroupsSchema = z
  .object({ ...legacyCommon, ...groupFields, ...recommendFields })
  .transform((b) => groupsOf(legacyQuery(b, recommendForm(b)), b.group_by, b.group_size, b.with_lookup ?? null));

export const matrixRequestSchema = z
  .object({
    filter: filterSchema.nullish(),
    sample: z.number().int().min(2).nullish(),
    limit: z.number().int().min(1).nullish(),
    using: z.string().nullish(),
    shard_key: noShardKey,
  })
  .transform(
    (b): MatrixRequest => ({
      ...(b.filter ? { filter: b.filter } : {}),
      sample: b.sample ?? 10,
      limit: b.limit ?? 3,
      using: b.using ?? '',
    }),
  );
