/**
 * Point requests: upsert (PointsList and PointsBatch), retrieve, delete, scroll, count and the payload operations.
 * Shapes and defaults from Qdrant's OpenAPI (PointInsertOperations, PointRequest, PointsSelector, ScrollRequest,
 * CountRequest, SetPayload, DeletePayload). Defaults: retrieve and scroll return payloads (with_payload true) and
 * not vectors; scroll limit 10; count exact true.
 */
import { z } from 'zod';
import type { Filter } from '../../model/filter.js';
import type { Payload } from '../../model/payload.js';
import type { PointId } from '../../model/point-id.js';
import type { FacetRequest, PointsSelector, PointStruct, ScrollRequest } from '../../model/points.js';
import { orderBySchema } from './universal-query.js';
import { parsePayloadPath } from '../../segment/payload-path.js';
import {
  denseVectorSchema,
  filterSchema,
  noShardKey,
  pointIdSchema,
  withPayloadSchema,
  withVectorSchema,
} from './common.js';

/**
 * A payload object, passed through as JSON.parse built it: not copied (payloads can be large) and no key dropped
 * (a copying record schema would silently lose a `__proto__` key, which JSON.parse keeps as an own property).
 */
const payloadSchema = z.custom<Payload>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
  message: 'expected a payload object',
});

const pointStruct = z.object({
  id: pointIdSchema,
  vector: denseVectorSchema,
  payload: payloadSchema.nullish(),
});

const pointsList = z.object({
  points: z.array(pointStruct),
  shard_key: noShardKey,
  update_filter: z.null().optional(),
});

const pointsBatch = z.object({
  batch: z
    .object({
      ids: z.array(pointIdSchema),
      vectors: z.array(denseVectorSchema),
      payloads: z.array(payloadSchema.nullable()).nullish(),
    })
    .superRefine((b, ctx) => {
      if (b.vectors.length !== b.ids.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['vectors'],
          message: `number of vectors (${b.vectors.length}) must equal number of ids (${b.ids.length})`,
          params: { validation: true },
        });
      }
      if (b.payloads && b.payloads.length !== b.ids.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['payloads'],
          message: `number of payloads (${b.payloads.length}) must equal number of ids (${b.ids.length})`,
          params: { validation: true },
        });
      }
    }),
  shard_key: noShardKey,
  update_filter: z.null().optional(),
});

/**
 * Upsert body: `{points: [...]}` or `{batch: {ids, vectors, payloads}}`, both normalized to PointStruct[]. The variant
 * is chosen from the body's keys so errors name the right fields instead of "invalid union".
 */
export function upsertSchemaFor(body: unknown): z.ZodType<PointStruct[]> {
  const isBatch = body !== null && typeof body === 'object' && 'batch' in body && !('points' in body);
  if (isBatch) {
    return pointsBatch.transform(({ batch }) =>
      batch.ids.map((id, i) => ({ id, vector: batch.vectors[i], payload: batch.payloads?.[i] ?? null })),
    );
  }
  return pointsList.transform((b) => b.points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload ?? null })));
}

export const getPointsSchema = z.object({
  ids: z.array(pointIdSchema),
  with_payload: withPayloadSchema.nullish(),
  with_vector: withVectorSchema.nullish(),
  shard_key: noShardKey,
});

export const scrollSchema = z
  .object({
    offset: pointIdSchema.nullish(),
    limit: z.number().int().min(1).nullish(),
    filter: filterSchema.nullish(),
    with_payload: withPayloadSchema.nullish(),
    with_vector: withVectorSchema.nullish(),
    order_by: orderBySchema.nullish(),
    shard_key: noShardKey,
  })
  .transform(
    (b): ScrollRequest => ({
      ...(b.filter ? { filter: b.filter } : {}),
      ...(b.order_by ? { order_by: b.order_by } : {}),
      limit: b.limit ?? 10,
      ...(b.offset != null ? { offset: b.offset } : {}),
      with_payload: b.with_payload ?? true,
      with_vector: b.with_vector ?? false,
    }),
  );

/** FacetRequest: `{key, limit (default 10, >= 1), filter, exact (default false)}`. */
export const facetSchema = z
  .object({
    key: z.string(),
    limit: z.number().int().min(1).nullish(),
    filter: filterSchema.nullish(),
    exact: z.boolean().nullish(),
    shard_key: noShardKey,
  })
  .transform(
    (b): FacetRequest => ({
      key: b.key,
      limit: b.limit ?? 10,
      ...(b.filter ? { filter: b.filter } : {}),
      exact: b.exact ?? false,
    }),
  );

export const countSchema = z
  .object({ filter: filterSchema.nullish(), exact: z.boolean().nullish(), shard_key: noShardKey })
  .transform((b): { filter: Filter | undefined; exact: boolean } => ({
    filter: b.filter ?? undefined,
    exact: b.exact ?? true,
  }));

const selectorFields = {
  points: z.array(pointIdSchema).nullish(),
  filter: filterSchema.nullish(),
  shard_key: noShardKey,
};

/** PointsSelector: `{points: [...]}` (PointIdsList) or `{filter: {...}}` (FilterSelector), exactly one. */
function toSelector(b: { points?: PointId[] | null; filter?: Filter | null }, ctx: z.RefinementCtx): PointsSelector {
  if (b.points && b.filter) {
    ctx.addIssue({ code: 'custom', message: 'expected either `points` or `filter`, not both' });
    return z.NEVER;
  }
  if (b.points) return { points: b.points };
  if (b.filter) return { filter: b.filter };
  ctx.addIssue({
    code: 'custom',
    message: 'Either points or filter is required: expected `points` (a list of ids) or `filter`',
  });
  return z.NEVER;
}

export const selectorSchema = z.object(selectorFields).transform((b, ctx) => toSelector(b, ctx));

/** A JSON path (lib/segment/payload-path.ts), refused here when malformed so the writer never sees one. */
const payloadKeySchema = z.string().superRefine((key, ctx) => {
  try {
    parsePayloadPath(key);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

export const setPayloadSchema = z
  .object({ payload: payloadSchema, key: payloadKeySchema.nullish(), ...selectorFields })
  .transform((b, ctx): { payload: Payload; key: string | undefined; selector: PointsSelector } => ({
    payload: b.payload,
    key: b.key ?? undefined,
    selector: toSelector(b, ctx),
  }));

export const deletePayloadSchema = z
  .object({ keys: z.array(z.string()), ...selectorFields })
  .transform((b, ctx): { keys: string[]; selector: PointsSelector } => ({
    keys: b.keys,
    selector: toSelector(b, ctx),
  }));
