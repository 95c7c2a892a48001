/**
 * Request pieces shared by several areas: point ids, dense vectors, filters, payload/vector selectors, search params.
 * Shapes and defaults follow Qdrant's OpenAPI (ExtendedPointId, VectorStruct, Filter, WithPayloadInterface,
 * WithVector, SearchParams, QuantizationSearchParams).
 */
import { z } from 'zod';
import type { Filter } from '../../model/filter.js';
import type { PointId } from '../../model/point-id.js';
import type { SearchParams } from '../../model/search.js';
import type { WithPayload } from '../../model/payload.js';
import type { VectorStruct, VectorValue, WithVector } from '../../model/points.js';
import { isStrataError } from '../../model/errors.js';
import { type SparseVectorJson, looksSparse } from '../../model/sparse-vector.js';
import { canonicalPointId, pointIdError } from '../../model/point-id.js';
import { parseFilter } from '../../segment/filter-parse.js';

/** Unsigned integer (≤ 2^53-1) or UUID; UUIDs come out lower-case with hyphens. */
export const pointIdSchema = z.unknown().transform((v, ctx): PointId => {
  const id = canonicalPointId(v);
  if (id === null) {
    ctx.addIssue({ code: 'custom', message: pointIdError(v) });
    return z.NEVER;
  }
  return id;
});

/** Checks one dense list in place (non-empty, finite numbers); false after adding an issue at `path`. */
function checkDense(arr: unknown, ctx: z.RefinementCtx, path: (string | number)[]): arr is number[] {
  if (!Array.isArray(arr)) {
    ctx.addIssue({ code: 'custom', path, message: 'expected a vector: an array of numbers' });
    return false;
  }
  if (arr.length === 0) {
    ctx.addIssue({ code: 'custom', path, message: 'vector must not be empty', params: { validation: true } });
    return false;
  }
  if (Array.isArray(arr[0])) {
    ctx.addIssue({ code: 'custom', path, message: 'expected a vector: an array of numbers' });
    return false;
  }
  for (let i = 0; i < arr.length; i++) {
    const x: unknown = arr[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i],
        message:
          typeof x === 'number'
            ? `expected a finite number, got ${String(x)}`
            : `expected a number, got ${JSON.stringify(x)}`,
      });
      return false;
    }
  }
  return true;
}

/**
 * One vector value (Qdrant's Vector without sparse): a dense list, or a multivector, a list of dense lists. A
 * multivector is checked with Qdrant's validate_multi_vector rules and wording (422): non-empty rows of one length.
 * Whether the name takes a multivector is the collection's business (wal.ts).
 */
function checkVectorValue(v: unknown, ctx: z.RefinementCtx, path: (string | number)[]): v is VectorValue {
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0])) return checkDense(v, ctx, path);
  const dim = (v[0] as unknown[]).length;
  for (let r = 0; r < v.length; r++) {
    const row: unknown = v[r];
    if (Array.isArray(row) && row.length === 0) {
      ctx.addIssue({ code: 'custom', path, message: 'all vectors must be non-empty', params: { validation: true } });
      return false;
    }
  }
  for (let r = 0; r < v.length; r++) {
    const row: unknown = v[r];
    if (Array.isArray(row) && row.length !== dim) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `all vectors must have the same dimension, found vector with dimension ${row.length}`,
        params: { validation: true },
      });
      return false;
    }
    if (!checkDense(row, ctx, [...path, r])) return false;
  }
  return true;
}

/**
 * A query vector of the query API: dense, or a multivector for a multivector name (`using`).
 */
export const queryVectorSchema = z.unknown().transform((v, ctx): VectorValue => {
  const arr = unwrapUnnamed(v, ctx);
  return arr !== z.NEVER && checkVectorValue(arr, ctx, []) ? arr : z.NEVER;
});

/** `{"": value}` (the unnamed vector spelled as a map) is the value; any other map names a vector, refused here. */
function unwrapUnnamed(v: unknown, ctx: z.RefinementCtx): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const names = Object.keys(v);
  if (names.length === 1 && names[0] === '') return (v as Record<string, unknown>)[''];
  ctx.addIssue({ code: 'custom', message: 'expected a vector: an array of numbers (name the vector with `using`)' });
  return z.NEVER;
}

/**
 * A dense query vector: a non-empty array of finite numbers. A hand-written loop instead of z.array(z.number())
 * because upserts carry millions of floats. `{"": [...]}` (the unnamed vector spelled as a map) is accepted; a
 * query names other vectors with `using` (or legacy search's `{name, vector}`), not here.
 */
export const denseVectorSchema = z.unknown().transform((v, ctx): number[] => {
  const arr = unwrapUnnamed(v, ctx);
  return arr !== z.NEVER && checkDense(arr, ctx, []) ? arr : z.NEVER;
});

/**
 * A point's vectors (Qdrant's VectorStruct): a list (the unnamed vector) or an object name -> list (named vectors;
 * `{"": [...]}` is the unnamed vector). Names and sizes are checked against the collection later (wal.ts).
 */
export const vectorStructSchema = z.unknown().transform((v, ctx): VectorStruct => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 1 && entries[0][0] === '' && !looksSparse(entries[0][1]))
      return checkVectorValue(entries[0][1], ctx, []) ? entries[0][1] : z.NEVER;
    const out: Record<string, VectorValue | SparseVectorJson> = {};
    for (const [name, row] of entries) {
      // a sparse vector ({indices, values}) is validated whole against its name by lib/collection/wal.ts
      if (!looksSparse(row) && !checkVectorValue(row, ctx, [name])) return z.NEVER;
      Object.defineProperty(out, name, { value: row, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return checkVectorValue(v, ctx, []) ? v : z.NEVER;
});

/** A Qdrant filter, shape-checked and normalized by lib/segment/filter-parse.ts. */
export const filterSchema = z.unknown().transform((v, ctx): Filter => {
  try {
    return parseFilter(v);
  } catch (e) {
    if (!isStrataError(e, 'invalid')) throw e;
    // parseFilter names its own path from a root called `filter`; the issue's path already ends there (`filter`,
    // `searches[0].filter`), so move the rest of it into the issue path instead of repeating the root in the text
    const rest = e.path === undefined ? null : /^filter((?:\.[A-Za-z_]+|\[\d+\])*)$/.exec(e.path);
    if (rest === null) ctx.addIssue({ code: 'custom', message: e.message });
    else {
      const path = [...rest[1].matchAll(/\.([A-Za-z_]+)|\[(\d+)\]/g)].map((p) => p[1] ?? Number(p[2]));
      ctx.addIssue({ code: 'custom', message: e.detail, path });
    }
    return z.NEVER;
  }
});

const keyList = z.union([z.array(z.string()), z.string().transform((s) => [s])]);

export const withPayloadSchema: z.ZodType<WithPayload> = z.union([
  z.boolean(),
  z.array(z.string()),
  z.strictObject({ include: keyList }),
  z.strictObject({ exclude: keyList }),
]);

/** `true`/`false`, or a list of vector names (`[""]` is the unnamed vector; unknown names select nothing). */
export const withVectorSchema = z.unknown().transform((v, ctx): WithVector => {
  if (typeof v === 'boolean') return v;
  // `[""]` asks for the unnamed vector alone: beside other names it answers only it, as a list (Qdrant's selector)
  if (Array.isArray(v) && v.every((n) => typeof n === 'string')) return v as string[];
  ctx.addIssue({ code: 'custom', message: 'expected a boolean or a list of vector names' });
  return z.NEVER;
});

export const searchParamsSchema = z
  .object({
    // Qdrant: `#[validate(range(min = 1))] hnsw_ef: Option<usize>`, so 0 is a 422 (a beam of 0 finds nothing)
    hnsw_ef: z.number().int().min(1).nullish(),
    exact: z.boolean().nullish(),
    quantization: z
      .object({
        ignore: z.boolean().nullish(),
        rescore: z.boolean().nullish(),
        oversampling: z.number().min(1).nullish(),
      })
      .nullish(),
    indexed_only: z.boolean().nullish(),
    acorn: z.unknown().optional(),
  })
  .transform(
    (p): SearchParams => ({
      ...(p.hnsw_ef != null ? { hnsw_ef: p.hnsw_ef } : {}),
      exact: p.exact ?? false,
      ...(p.quantization
        ? {
            quantization: {
              ignore: p.quantization.ignore ?? false,
              ...(p.quantization.rescore != null ? { rescore: p.quantization.rescore } : {}),
              oversampling: p.quantization.oversampling ?? 1,
            },
          }
        : {}),
    }),
  );

export const DEFAULT_SEARCH_PARAMS: SearchParams = { exact: false };

/**
 * Forwards a nested parse's issues with their own codes (too_small, too_big, ...), so errors.ts still tells Qdrant's
 * validator checks (422, with the range wording) from shape errors (400), as when the schema is used directly.
 */
export function passIssues(err: z.ZodError, ctx: z.RefinementCtx): void {
  for (const issue of err.issues) ctx.addIssue({ ...issue, path: [...issue.path] } as z.core.$ZodRawIssue);
}

/** Re-raises the issues of a nested safeParse inside a transform, keeping their paths and 400/422 class. */
export function forwardIssues(err: z.ZodError, ctx: z.RefinementCtx): void {
  for (const issue of err.issues) {
    const validation = issue.code === 'custom' && (issue.params as { validation?: boolean } | undefined)?.validation;
    ctx.addIssue({
      code: 'custom',
      path: [...issue.path] as (string | number)[],
      message: issue.message,
      ...(validation ? { params: { validation: true } } : {}),
    });
  }
}

/** Qdrant's `shard_key` selector: only "no selection" makes sense on a single-shard collection. */
export const noShardKey = z.null().optional();
