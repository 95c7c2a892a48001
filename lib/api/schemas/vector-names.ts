/**
 * The body of `PUT /collections/{c}/vectors/{name}`: Qdrant's VectorNameConfig, an untagged enum of `{dense: {...}}`
 * and `{sparse: {...}}`. As serde answers, a body that fits neither shape is a 400 "data did not match any variant
 * of untagged enum VectorNameConfig"; a dense `size` out of [1, 65536] is the validator's 422 naming `dense.size`.
 */
import { z } from 'zod';
import type { VectorNameConfig } from '../../collection/vector-names.js';
import { DISTANCES } from '../../distance/index.js';
import type { Distance } from '../../model/distance.js';
import { passIssues } from './common.js';

const DATATYPES = ['float32', 'float16', 'uint8'] as const;

const denseSchema = z.object({
  size: z.number().int().min(1).max(65_536),
  distance: z.enum(DISTANCES as [Distance, ...Distance[]]),
  multivector_config: z.object({ comparator: z.literal('max_sim') }).nullish(),
  datatype: z.enum(DATATYPES).nullish(),
});

const sparseSchema = z.object({
  modifier: z.enum(['none', 'idf']).nullish(),
  datatype: z.enum(DATATYPES).nullish(),
});

const RANGE_CODES = new Set(['too_small', 'too_big']);

export const vectorNameConfigSchema = z.unknown().transform((raw, ctx): VectorNameConfig => {
  const untagged = () => {
    ctx.addIssue({ code: 'custom', message: 'data did not match any variant of untagged enum VectorNameConfig' });
    return z.NEVER;
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return untagged();
  const body = raw as Record<string, unknown>;
  const inner = (body.dense ?? body.sparse) as Record<string, unknown> | undefined;
  // Qdrant's Turbo4 storage exists, Strata has no kernel for it (the same refusal as at collection create)
  if (inner !== null && typeof inner === 'object' && inner.datatype === 'turbo4') {
    ctx.addIssue({ code: 'custom', message: 'the turbo4 datatype is not supported by Strata yet' });
    return z.NEVER;
  }
  if (body.dense !== undefined) {
    const r = denseSchema.safeParse(body.dense);
    if (!r.success) {
      // a number out of range is the validator's 422; any other mismatch is serde's: no variant fits
      if (!r.error.issues.every((i) => RANGE_CODES.has(i.code))) return untagged();
      passIssues(new z.ZodError(r.error.issues.map((i) => ({ ...i, path: ['dense', ...i.path] }))), ctx);
      return z.NEVER;
    }
    const d = r.data;
    return {
      dense: {
        size: d.size,
        distance: d.distance,
        ...(d.multivector_config != null
          ? { multivector_config: { comparator: d.multivector_config.comparator } }
          : {}),
        ...(d.datatype != null ? { datatype: d.datatype } : {}),
      },
    };
  }
  if (body.sparse !== undefined) {
    const r = sparseSchema.safeParse(body.sparse);
    if (!r.success) return untagged();
    return {
      sparse: {
        ...(r.data.modifier != null ? { modifier: r.data.modifier } : {}),
        ...(r.data.datatype != null ? { datatype: r.data.datatype } : {}),
      },
    };
  }
  return untagged();
});
