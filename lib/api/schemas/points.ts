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
import type {
  FacetRequest,
  PointVectors,
  PointsSelector,
  ScrollRequest,
  UpdateMode,
  UpsertRequest,
} from '../../model/points.js';
import { orderBySchema } from './universal-query.js';
import type { BatchOperation } from '../../collection/batch-update.js';
import { parsePayloadPath } from '../../segment/payload-path.js';
import {
  queryVectorSchema,
  filterSchema,
  noShardKey,
  pointIdSchema,
  withPayloadSchema,
  forwardIssues,
  vectorStructSchema,
  withVectorSchema,
} from './common.js';
import type { VectorStruct, VectorValue } from '../../model/points.js';
import { type SparseVectorJson, looksSparse } from '../../model/sparse-vector.js';

/**
 * A payload object, passed through as JSON.parse built it: not copied (payloads can be large) and no key dropped
 * (a copying record schema would silently lose a `__proto__` key, which JSON.parse keeps as an own property).
 */
const payloadSchema = z.custom<Payload>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
  message: 'expected a payload object',
});

const pointStruct = z.object({
  id: pointIdSchema,
  vector: vectorStructSchema,
  payload: payloadSchema.nullish(),
});

/**
 * Batch vectors (Qdrant's BatchVectorStruct): a list of rows (the unnamed vector), or an object name -> list of
 * rows, row i belonging to ids[i]. Returned as one VectorStruct per point.
 */
const batchVectorsSchema = z.unknown().transform((v, ctx): VectorStruct[] => {
  if (Array.isArray(v)) {
    const out: VectorStruct[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = queryVectorSchema.safeParse(v[i]);
      if (!r.success) {
        forwardIssues(r.error, ctx);
        return z.NEVER;
      }
      out.push(r.data);
    }
    return out;
  }
  if (v === null || typeof v !== 'object') {
    ctx.addIssue({ code: 'custom', message: 'expected a list of vectors or an object of named vector lists' });
    return z.NEVER;
  }
  const lists = Object.entries(v);
  const n = lists.reduce((m, [, l]) => Math.max(m, Array.isArray(l) ? l.length : 0), 0);
  const out: Record<string, VectorValue | SparseVectorJson>[] = Array.from({ length: n }, () => ({}));
  for (const [name, list] of lists) {
    if (!Array.isArray(list)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'expected a list of vectors' });
      return z.NEVER;
    }
    if (list.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `number of vectors (${list.length}) must be the same for every name (${n})`,
        params: { validation: true },
      });
      return z.NEVER;
    }
    for (let i = 0; i < n; i++) {
      if (looksSparse(list[i])) {
        // validated whole against its name by lib/collection/wal.ts
        Object.defineProperty(out[i], name, { value: list[i], enumerable: true, writable: true, configurable: true });
        continue;
      }
      const r = queryVectorSchema.safeParse(list[i]);
      if (!r.success) {
        forwardIssues(r.error, ctx);
        return z.NEVER;
      }
      Object.defineProperty(out[i], name, { value: r.data, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
});

const updateMode = z.enum(['upsert', 'insert_only', 'update_only']).nullish();

const pointsList = z.object({
  points: z.array(pointStruct),
  shard_key: noShardKey,
  update_filter: filterSchema.nullish(),
  update_mode: updateMode,
});

const pointsBatch = z.object({
  batch: z
    .object({
      ids: z.array(pointIdSchema),
      vectors: batchVectorsSchema,
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
  update_filter: filterSchema.nullish(),
  update_mode: updateMode,
});

/**
 * Upsert body: `{points: [...]}` or `{batch: {ids, vectors, payloads}}`, both normalized to PointStruct[]. The variant
 * is chosen from the body's keys so errors name the right fields instead of "invalid union".
 */
export function upsertSchemaFor(body: unknown): z.ZodType<UpsertRequest> {
  const isBatch = body !== null && typeof body === 'object' && 'batch' in body && !('points' in body);
  const options = (b: { update_filter?: Filter | null; update_mode?: UpdateMode | null }) => ({
    ...(b.update_filter != null ? { update_filter: b.update_filter } : {}),
    ...(b.update_mode != null ? { update_mode: b.update_mode } : {}),
  });
  if (isBatch) {
    return pointsBatch.transform((b) => ({
      points: b.batch.ids.map((id, i) => ({ id, vector: b.batch.vectors[i], payload: b.batch.payloads?.[i] ?? null })),
      ...options(b),
    }));
  }
  return pointsList.transform((b) => ({
    points: b.points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload ?? null })),
    ...options(b),
  }));
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

/** PUT .../points/vectors (Qdrant's UpdateVectors): each point's named vectors to set; names checked later. */
export const updateVectorsSchema = z
  .object({
    points: z.array(z.object({ id: pointIdSchema, vector: vectorStructSchema })),
    shard_key: noShardKey,
    update_filter: filterSchema.nullish(),
  })
  .transform((b): { points: PointVectors[]; updateFilter: Filter | undefined } => ({
    points: b.points,
    updateFilter: b.update_filter ?? undefined,
  }));

/** POST .../points/vectors/delete (Qdrant's DeleteVectors): a selector and at least one vector name. */
export const deleteVectorsSchema = z
  .object({ vector: z.array(z.string()).min(1), ...selectorFields })
  .transform((b, ctx): { vectors: string[]; selector: PointsSelector } => ({
    vectors: b.vector,
    selector: toSelector(b, ctx),
  }));

/** Each operation of POST .../points/batch: its key, and the schema of the endpoint doing the same alone. */
const BATCH_OPERATIONS: Record<string, (v: unknown) => z.ZodType> = {
  upsert: (v) => upsertSchemaFor(v),
  delete: () => selectorSchema,
  set_payload: () => setPayloadSchema,
  overwrite_payload: () => setPayloadSchema,
  delete_payload: () => deletePayloadSchema,
  clear_payload: () => selectorSchema,
  update_vectors: () => updateVectorsSchema,
  delete_vectors: () => deleteVectorsSchema,
};

/**
 * POST .../points/batch (Qdrant's UpdateOperations): a list of objects with exactly one operation key each, every
 * one checked by the schema of its own endpoint; errors name `operations[i].<op>.<field>`.
 */
export const batchUpdateSchema = z
  .object({ operations: z.array(z.record(z.string(), z.unknown())) })
  .transform((b, ctx): BatchOperation[] => {
    const out: BatchOperation[] = [];
    for (let i = 0; i < b.operations.length; i++) {
      const keys = Object.keys(b.operations[i]);
      const kind = keys[0];
      if (keys.length !== 1 || BATCH_OPERATIONS[kind] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['operations', i],
          message: `expected one of ${Object.keys(BATCH_OPERATIONS).join(', ')}`,
        });
        return z.NEVER;
      }
      const value = b.operations[i][kind];
      const r = BATCH_OPERATIONS[kind](value).safeParse(value);
      if (!r.success) {
        for (const issue of r.error.issues) {
          ctx.addIssue({ ...issue, path: ['operations', i, kind, ...issue.path] } as z.core.$ZodRawIssue);
        }
        return z.NEVER;
      }
      if (kind === 'overwrite_payload' && (r.data as { key?: string }).key !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['operations', i, kind, 'key'],
          message: '`key` is not supported when overwriting the whole payload',
        });
        return z.NEVER;
      }
      out.push({ [kind]: r.data } as BatchOperation);
    }
    return out;
  });
