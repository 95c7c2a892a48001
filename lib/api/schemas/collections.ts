/**
 * Collection requests (Qdrant's CreateCollection / UpdateCollection) and the mapping from the service's
 * CollectionInfo to Qdrant's response shape. Defaults are Qdrant's, applied here so the service always receives a
 * complete CollectionConfig:
 *   vectors.on_disk false; hnsw m 16, ef_construct 100, full_scan_threshold 10000 (KB), on_disk false;
 *   optimizers default_segment_number 0 (= let the engine choose), indexing_threshold 20000 (KB);
 *   quantization none; scalar quantile 0.99 (DESIGN §6), always_ram false.
 * Memory placements (Qdrant 1.19, lib/model/memory.ts): `memory` beside every deprecated flag it replaces
 * (`vectors.memory`, `hnsw_config.memory`, `scalar.memory`, `payload.memory`), kept as given so collection info
 * echoes it; a request that sets `memory` without the flag also gets the flag that agrees with it (on disk = cold,
 * always_ram = pinned), so the deprecated form reported beside it tells the truth. An explicit `memory` wins over
 * a flag that disagrees, as in Qdrant. `pinned` originals or payloads are Qdrant's 422.
 */
import { z } from 'zod';
import type {
  CollectionConfig,
  CollectionUpdate,
  HnswConfig,
  OptimizersConfig,
  QuantizationConfig,
  ScalarQuantizationConfig,
  SparseIndexParams,
  SparseVectorParams,
  VectorDatatype,
  VectorParams,
  VectorParamsDiff,
  VectorsConfig,
} from '../../model/collection-config.js';
import {
  BINARY_ENCODINGS,
  BINARY_QUERY_ENCODINGS,
  PQ_COMPRESSIONS,
  TURBO_BITS,
} from '../../model/collection-config.js';
import { type CodeKind, supportedKinds } from '../../quantization/index.js';
import { isNamedVectors } from '../../model/vector-spaces.js';
import { byVectorName } from '../../model/vector-name-order.js';
import { MEMORY_PLACEMENTS, type Memory, isOnDiskMemory, payloadMemory } from '../../model/memory.js';
import { passIssues } from './common.js';
import type { CollectionInfo } from '../../collection/types.js';
import { DISTANCES } from '../../distance/index.js';
import type { Distance } from '../../model/distance.js';
import { parsePayloadPath } from '../../segment/payload-path.js';
import { type PayloadFieldSchema, parseFieldSchema, schemaType } from '../../model/payload-schema.js';
import { HttpError } from '../errors.js';

export const HNSW_DEFAULTS: HnswConfig = { m: 16, ef_construct: 100, full_scan_threshold: 10_000, on_disk: false };
export const OPTIMIZER_DEFAULTS: OptimizersConfig = { default_segment_number: 0, indexing_threshold: 20_000 };
export const SCALAR_DEFAULTS = { quantile: 0.99, always_ram: false } as const;

const distanceSchema = z.enum(DISTANCES as [Distance, ...Distance[]]);

/** Qdrant's Memory enum, with serde's wording for anything else (a 400 format error). */
const memorySchema = z.enum(MEMORY_PLACEMENTS as [Memory, ...Memory[]], {
  error: (issue) => {
    const expected = MEMORY_PLACEMENTS.map((m) => `\`${m}\``).join(', ');
    return typeof issue.input === 'string'
      ? `unknown variant \`${issue.input}\`, expected one of ${expected}`
      : `invalid type: ${JSON.stringify(issue.input)}, expected one of ${expected}`;
  },
});

/** A placement Qdrant's validator refuses for `storage` (dense originals, payloads): `pinned`, as its 422. */
const memoryWithoutPinned = (storage: string) =>
  memorySchema.superRefine((m, ctx) => {
    if (m === 'pinned') {
      ctx.addIssue({
        code: 'custom',
        message: `\`pinned\` memory placement is not supported for ${storage}`,
        params: { validation: true },
      });
    }
  });

const denseMemory = memoryWithoutPinned('dense vector storage');
const payloadStorage = z.object({ memory: memoryWithoutPinned('payload storage').nullish() });

/** The legacy `on_disk` a diff states, or the one its `memory` implies when it sets only that (see header). */
function onDiskOf(d: { on_disk?: boolean | null; memory?: Memory | null }): boolean | undefined {
  return d.on_disk ?? (d.memory != null ? isOnDiskMemory(d.memory) : undefined);
}

/** `memory` as stored: only when given. */
const memoryField = (m: Memory | null | undefined): { memory?: Memory } => (m != null ? { memory: m } : {});

const hnswDiff = z.object({
  m: z.number().int().min(0).nullish(),
  ef_construct: z.number().int().min(4).nullish(),
  full_scan_threshold: z.number().int().min(10).nullish(),
  on_disk: z.boolean().nullish(),
  memory: memorySchema.nullish(),
  max_indexing_threads: z.number().int().min(0).nullish(),
  payload_m: z.number().int().min(0).nullish(),
});

const HNSW_KEYS = ['m', 'ef_construct', 'full_scan_threshold', 'on_disk', 'memory', 'payload_m'] as const;

/** An hnsw diff's fields Strata keeps, with the `on_disk` its `memory` implies (see header). */
function hnswFields(h: z.infer<typeof hnswDiff>): Partial<HnswConfig> {
  const onDisk = onDiskOf(h);
  return pick(stripNullish({ ...h, ...(onDisk !== undefined ? { on_disk: onDisk } : {}) }), HNSW_KEYS);
}

const optimizersDiff = z.object({
  default_segment_number: z.number().int().min(0).nullish(),
  indexing_threshold: z.number().int().min(0).nullish(),
  deleted_threshold: z.number().min(0).max(1).nullish(),
  vacuum_min_vector_number: z.number().int().min(100).nullish(),
  max_segment_size: z.number().int().min(1).nullish(),
  memmap_threshold: z.number().int().nullish(),
  flush_interval_sec: z.number().int().min(0).nullish(),
  max_optimization_threads: z.unknown().optional(),
});

const scalarSchema = z.strictObject({
  scalar: z.object({
    type: z.literal('int8'),
    quantile: z.number().min(0.5).max(1).nullish(),
    always_ram: z.boolean().nullish(),
    memory: memorySchema.nullish(),
  }),
});

const binarySchema = z.strictObject({
  binary: z.object({
    always_ram: z.boolean().nullish(),
    encoding: z.enum(BINARY_ENCODINGS).nullish(),
    query_encoding: z.enum(BINARY_QUERY_ENCODINGS).nullish(),
  }),
});

const productSchema = z.strictObject({
  product: z.object({ compression: z.enum(PQ_COMPRESSIONS), always_ram: z.boolean().nullish() }),
});

const turboSchema = z.strictObject({
  turbo: z.object({ always_ram: z.boolean().nullish(), bits: z.enum(TURBO_BITS).nullish() }),
});

/**
 * Qdrant's QuantizationConfig is an untagged enum: a value that fits no kind is serde's 400 "data did not match any
 * variant of untagged enum QuantizationConfig" (QuantizationConfigDiff for PATCH); an int8 quantile out of
 * [0.5, 1] is the validator's 422. Each kind is kept as given (Qdrant echoes only the fields set), except scalar,
 * whose defaults Strata has always filled in. A kind without a codec in this build (quantization/codes.ts) is
 * refused here, before anything is written.
 */
const quantizationOf = (enumName: string, disabled: boolean) =>
  z.unknown().transform((raw, ctx): QuantizationConfig | null => {
    if (raw === null || (disabled && raw === 'Disabled')) return null;
    const keys = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    const kind = keys.length === 1 ? keys[0] : '';
    const untagged = () => {
      ctx.addIssue({ code: 'custom', message: `data did not match any variant of untagged enum ${enumName}` });
      return z.NEVER;
    };
    if (kind === 'scalar') {
      const r = scalarSchema.safeParse(raw);
      if (!r.success) {
        passIssues(r.error, ctx);
        return z.NEVER;
      }
      const q = r.data.scalar;
      return {
        scalar: {
          type: 'int8',
          quantile: q.quantile ?? SCALAR_DEFAULTS.quantile,
          always_ram: q.always_ram ?? (q.memory != null ? q.memory === 'pinned' : SCALAR_DEFAULTS.always_ram),
          ...memoryField(q.memory),
        } satisfies ScalarQuantizationConfig,
      };
    }
    const schema =
      kind === 'binary' ? binarySchema : kind === 'product' ? productSchema : kind === 'turbo' ? turboSchema : null;
    const r = schema?.safeParse(raw);
    if (r === undefined || !r.success) return untagged();
    if (!supportedKinds().includes(kind as CodeKind)) {
      ctx.addIssue({ code: 'custom', message: `${kind} quantization is not supported by Strata yet` });
      return z.NEVER;
    }
    const inner = Object.values(r.data)[0] as Record<string, unknown>;
    return { [kind]: stripNullish(inner) } as unknown as QuantizationConfig;
  });

/** `{scalar|binary|product|turbo: {...}}` or `null`. */
const quantizationSchema = quantizationOf('QuantizationConfig', false);
/** PATCH's QuantizationConfigDiff: a config, or the string "Disabled" (quantization off). */
const quantizationDiffSchema = quantizationOf('QuantizationConfigDiff', true);

const vectorParams = z.object({
  size: z.number().int().min(1).max(65_536),
  distance: distanceSchema,
  on_disk: z.boolean().nullish(),
  memory: denseMemory.nullish(),
  hnsw_config: hnswDiff.nullish(),
  quantization_config: quantizationSchema.nullish(),
  datatype: z.enum(['float32', 'float16', 'uint8']).nullish(),
  multivector_config: z.object({ comparator: z.literal('max_sim') }).nullish(),
});

/** The storage fields of a vector (datatype, multivector) as stored: only when given, so old configs stay as they were. */
const storageFields = (p: {
  datatype?: VectorDatatype | null;
  multivector_config?: { comparator: 'max_sim' } | null;
}): Pick<VectorParams, 'datatype' | 'multivector_config'> => ({
  ...(p.datatype != null ? { datatype: p.datatype } : {}),
  ...(p.multivector_config != null ? { multivector_config: { comparator: p.multivector_config.comparator } } : {}),
});

/** Qdrant's VectorsConfig: one params object (it has a `size`), or a map name -> params. */
const isSingleParams = (v: unknown): boolean => v !== null && typeof v === 'object' && 'size' in v;

/**
 * An empty map is a collection without dense vectors (sparse vectors only), as Qdrant allows. The name '' is the
 * unnamed vector among the map's names (Qdrant's validate_vector_name takes an empty name); a map holding only ''
 * stays a map, as Qdrant's untagged VectorsConfig deserializes it (Multi, echoed as `{"": {...}}`). '' is put first,
 * where Qdrant's sorted map has it (lib/model/vector-spaces.ts).
 */
const namedVectorsSchema = z
  .record(z.string(), vectorParams)
  .transform((m) => (Object.hasOwn(m, '') ? { '': m[''], ...m } : m));

/** Qdrant's SparseIndexParams; only the fields given are kept (it echoes exactly those). */
const sparseIndexSchema = z.object({
  full_scan_threshold: z.number().int().min(0).nullish(),
  on_disk: z.boolean().nullish(),
  memory: z.string().nullish(),
  datatype: z.enum(['float32', 'float16', 'uint8']).nullish(),
});

const sparseParamsSchema = z
  .object({ index: sparseIndexSchema.nullish(), modifier: z.enum(['none', 'idf']).nullish() })
  .transform((p): SparseVectorParams => {
    const index = p.index ? (stripNullish(p.index) as SparseIndexParams) : undefined;
    return {
      ...(index !== undefined ? { index } : {}),
      ...(p.modifier != null ? { modifier: p.modifier } : {}),
    };
  });

/** `sparse_vectors`: name -> params, kept in Qdrant's (BTreeMap) name order. */
export const sparseVectorsSchema = z
  .record(z.string(), sparseParamsSchema)
  .transform((m) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

type ParsedParams = z.infer<typeof vectorParams>;

/** The shape is chosen from the value (a `size` key: one params object) so errors name the right fields. */
const vectorsSchema = z.unknown().transform((v, ctx): ParsedParams | Record<string, ParsedParams> => {
  const named = v !== null && typeof v === 'object' && !Array.isArray(v) && !isSingleParams(v);
  const r = (named ? namedVectorsSchema : vectorParams).safeParse(v);
  if (!r.success) {
    passIssues(r.error, ctx);
    return z.NEVER;
  }
  return r.data;
});

const isParsedSingle = (v: ParsedParams | Record<string, ParsedParams>): v is ParsedParams =>
  typeof (v as { size?: unknown }).size === 'number';

/** The params of one named vector as stored: on_disk defaulted, overrides kept as given (Qdrant echoes them). */
function namedParams(p: z.infer<typeof vectorParams>): VectorParams {
  const hnsw = p.hnsw_config ? hnswFields(p.hnsw_config) : undefined;
  return {
    size: p.size,
    distance: p.distance,
    on_disk: onDiskOf(p) ?? false,
    ...memoryField(p.memory),
    ...(hnsw !== undefined ? { hnsw_config: hnsw } : {}),
    ...(p.quantization_config !== undefined && p.quantization_config !== null
      ? { quantization_config: p.quantization_config }
      : {}),
    ...storageFields(p),
  };
}

/**
 * Qdrant's `Option<u32>` fields: serde refuses what a u32 cannot hold (a negative or too large integer, a fraction)
 * with a 400 format error before its validator's `range(min = 1)` answers 422 for 0.
 */
const u32 = z.number().transform((n, ctx): number => {
  if (Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n;
  ctx.addIssue({
    code: 'custom',
    message: Number.isInteger(n)
      ? `invalid value: integer \`${n}\`, expected u32`
      : `invalid type: floating point \`${n}\`, expected u32`,
  });
  return z.NEVER;
});

export const createCollectionSchema = z
  .object({
    // absent: no dense vectors (a sparse-only collection), Qdrant's default of an empty map
    vectors: vectorsSchema.default({}),
    hnsw_config: hnswDiff.nullish(),
    optimizers_config: optimizersDiff.nullish(),
    quantization_config: quantizationSchema.nullish(),
    shard_number: u32.pipe(z.number().min(1)).nullish(),
    replication_factor: u32.pipe(z.number().min(1)).nullish(),
    write_consistency_factor: u32.pipe(z.number().min(1)).nullish(),
    on_disk_payload: z.boolean().nullish(),
    payload: payloadStorage.nullish(),
    sparse_vectors: sparseVectorsSchema.nullish(),
    wal_config: z.unknown().optional(),
    strict_mode_config: z.unknown().optional(),
    sharding_method: z.enum(['auto']).nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((b): CollectionConfig => {
    const single = isParsedSingle(b.vectors) ? b.vectors : null;
    const hnsw = {
      ...(b.hnsw_config ? hnswFields(b.hnsw_config) : {}),
      ...(single?.hnsw_config ? hnswFields(single.hnsw_config) : {}),
    };
    const quantization =
      single !== null && single.quantization_config !== undefined ? single.quantization_config : b.quantization_config;
    const vectors: VectorsConfig =
      single !== null
        ? {
            size: single.size,
            distance: single.distance,
            on_disk: onDiskOf(single) ?? false,
            ...memoryField(single.memory),
            ...storageFields(single),
          }
        : Object.fromEntries(
            Object.entries(b.vectors as Record<string, ParsedParams>).map(([n, p]) => [n, namedParams(p)]),
          );
    return {
      vectors,
      hnsw_config: {
        m: hnsw.m ?? HNSW_DEFAULTS.m,
        ef_construct: hnsw.ef_construct ?? HNSW_DEFAULTS.ef_construct,
        full_scan_threshold: hnsw.full_scan_threshold ?? HNSW_DEFAULTS.full_scan_threshold,
        on_disk: hnsw.on_disk ?? HNSW_DEFAULTS.on_disk,
        ...memoryField(hnsw.memory),
        // Qdrant's multitenancy layout is created as {m: 0, payload_m: 16}: unset stays unset (it then means m)
        ...(hnsw.payload_m != null ? { payload_m: hnsw.payload_m } : {}),
      },
      quantization_config: quantization ?? null,
      optimizers_config: {
        default_segment_number:
          b.optimizers_config?.default_segment_number ?? OPTIMIZER_DEFAULTS.default_segment_number,
        indexing_threshold: b.optimizers_config?.indexing_threshold ?? OPTIMIZER_DEFAULTS.indexing_threshold,
        max_segment_size: b.optimizers_config?.max_segment_size ?? null,
      },
      // only when given, so a config stays as short as the request that made it
      ...(b.on_disk_payload != null ? { on_disk_payload: b.on_disk_payload } : {}),
      ...(b.payload?.memory != null ? { payload: { memory: b.payload.memory } } : {}),
      ...(b.metadata != null ? { metadata: b.metadata } : {}),
      ...(b.sparse_vectors != null && Object.keys(b.sparse_vectors).length > 0
        ? { sparse_vectors: b.sparse_vectors }
        : {}),
    };
  });

const vectorDiff = z.object({
  on_disk: z.boolean().nullish(),
  memory: denseMemory.nullish(),
  hnsw_config: hnswDiff.nullish(),
});

const DIFF_KEYS = new Set(['on_disk', 'hnsw_config', 'quantization_config', 'memory']);

/** A named vector's diff (Qdrant's VectorParamsDiff); an empty `hnsw_config` unsets the vector's own overrides. */
const namedVectorDiff = z.object({
  on_disk: z.boolean().nullish(),
  memory: denseMemory.nullish(),
  hnsw_config: hnswDiff.nullish(),
  quantization_config: quantizationDiffSchema.optional(),
});

/** A diff map holding only the unnamed vector's (`{"": {...}}`) is that diff: it tunes '' in either config shape. */
const unwrapUnnamed = (v: unknown): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && '' in v
    ? (v as Record<string, unknown>)['']
    : v;

/**
 * PATCH's `vectors`: Qdrant's VectorsConfigDiff is a map name -> diff. The unnamed vector's diff is also accepted
 * bare (`{on_disk: true}`), as before named vectors: a map whose keys are all diff fields is read that way.
 */
const vectorsDiffSchema = z.unknown().transform((raw, ctx) => {
  if (raw === null || raw === undefined) return null;
  const v = unwrapUnnamed(raw);
  const bare =
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => DIFF_KEYS.has(k));
  if (bare) {
    const r = vectorDiff.safeParse(v);
    if (!r.success) {
      passIssues(r.error, ctx);
      return z.NEVER;
    }
    return { unnamed: r.data };
  }
  const r = z.record(z.string(), namedVectorDiff).safeParse(v);
  if (!r.success) {
    passIssues(r.error, ctx);
    return z.NEVER;
  }
  const named: Record<string, VectorParamsDiff> = {};
  for (const [name, d] of Object.entries(r.data)) {
    const diff: VectorParamsDiff = {};
    const onDisk = onDiskOf(d);
    if (onDisk !== undefined) diff.on_disk = onDisk;
    if (d.memory != null) diff.memory = d.memory;
    if (d.hnsw_config != null) diff.hnsw_config = hnswFields(d.hnsw_config);
    if (d.quantization_config !== undefined) diff.quantization_config = d.quantization_config;
    named[name] = diff;
  }
  return { named };
});

export const updateCollectionSchema = z
  .object({
    vectors: vectorsDiffSchema.optional(),
    hnsw_config: hnswDiff.nullish(),
    optimizers_config: optimizersDiff.nullish(),
    quantization_config: quantizationDiffSchema.optional(),
    // Qdrant's CollectionParamsDiff: the placement of payloads; its replication fields are accepted and ignored
    params: z.object({ on_disk_payload: z.boolean().nullish(), payload: payloadStorage.nullish() }).nullish(),
    strict_mode_config: z.unknown().optional(),
    sparse_vectors: sparseVectorsSchema.nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((b): CollectionUpdate => {
    const out: CollectionUpdate = {};
    const unnamed = b.vectors && 'unnamed' in b.vectors ? b.vectors.unnamed : undefined;
    const pickedHnsw = {
      ...(b.hnsw_config ? hnswFields(b.hnsw_config) : {}),
      ...(unnamed?.hnsw_config ? hnswFields(unnamed.hnsw_config) : {}),
    };
    if (Object.keys(pickedHnsw).length > 0) out.hnsw_config = pickedHnsw;
    const opt = pick(stripNullish({ ...b.optimizers_config }), [
      'default_segment_number',
      'indexing_threshold',
      'max_segment_size',
    ]);
    if (Object.keys(opt).length > 0) out.optimizers_config = opt;
    if (b.quantization_config !== undefined) out.quantization_config = b.quantization_config;
    if (unnamed !== undefined) {
      const onDisk = onDiskOf(unnamed);
      const v = { ...(onDisk !== undefined ? { on_disk: onDisk } : {}), ...memoryField(unnamed.memory) };
      if (Object.keys(v).length > 0) out.vectors = v;
    }
    if (b.params?.on_disk_payload != null) out.on_disk_payload = b.params.on_disk_payload;
    if (b.params?.payload?.memory != null) out.payload = { memory: b.params.payload.memory };
    if (b.vectors && 'named' in b.vectors) out.named_vectors = b.vectors.named;
    if (b.metadata != null) out.metadata = b.metadata;
    if (b.sparse_vectors != null && Object.keys(b.sparse_vectors).length > 0) out.sparse_vectors = b.sparse_vectors;
    return out;
  });

function stripNullish<T extends object>(o: T): { [K in keyof T]?: NonNullable<T[K]> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: NonNullable<T[K]> };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * CreateFieldIndex: `{field_name, field_schema}` (`field_type` is serde's alias); the schema is a type name or
 * `{type, ...params}`, parsed by lib/model/payload-schema.ts with Qdrant's errors. A missing schema is Qdrant's
 * "Can't auto-detect" 400 (it does not infer types from data).
 */
export function parseCreateIndex(body: unknown): { field: string; schema: PayloadFieldSchema } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'Format error in JSON body: invalid type: expected struct CreateFieldIndex');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.field_name !== 'string') {
    throw new HttpError(
      400,
      b.field_name === undefined
        ? 'Format error in JSON body: missing field `field_name`'
        : 'Format error in JSON body: field_name: invalid type: expected a string',
    );
  }
  if (!isPayloadKey(b.field_name)) {
    throw new HttpError(400, `Format error in JSON body: field_name: not a valid payload key`);
  }
  const raw = b.field_schema ?? b.field_type;
  if (raw === undefined || raw === null) {
    throw new HttpError(400, "Bad request: Can't auto-detect field type, please specify `field_schema` in the request");
  }
  return { field: b.field_name, schema: parseFieldSchema(raw) };
}

function isPayloadKey(key: string): boolean {
  try {
    parsePayloadPath(key);
    return true;
  } catch {
    return false;
  }
}

/** Qdrant's PayloadIndexInfo: `data_type`, `params` for the object form only, and the points indexed. */
function presentPayloadSchema(info: CollectionInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(info.config.payload_schema ?? {})) {
    out[key] = {
      data_type: schemaType(schema),
      ...(typeof schema === 'string' ? {} : { params: schema }),
      points: info.payload_points?.[key] ?? 0,
    };
  }
  return out;
}

/** Qdrant's CollectionInfo JSON (config.params / config.optimizer_config / ...), built from the service's view. */
export function presentCollectionInfo(info: CollectionInfo): unknown {
  const cfg = info.config;
  return {
    status: info.status,
    optimizer_status: info.optimizer_status,
    indexed_vectors_count: info.indexed_vectors_count,
    points_count: info.points_count,
    segments_count: info.segments_count,
    config: {
      params: {
        vectors: presentVectors(cfg.vectors),
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        // the deprecated flag as configured, else the one the placement implies
        on_disk_payload: cfg.on_disk_payload ?? isOnDiskMemory(payloadMemory(cfg)),
        ...(cfg.payload !== undefined ? { payload: cfg.payload } : {}),
        ...(cfg.sparse_vectors !== undefined ? { sparse_vectors: byVectorName(cfg.sparse_vectors) } : {}),
      },
      hnsw_config: { ...cfg.hnsw_config, max_indexing_threads: 0 },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: cfg.optimizers_config.default_segment_number,
        max_segment_size: cfg.optimizers_config.max_segment_size ?? null,
        memmap_threshold: null,
        indexing_threshold: cfg.optimizers_config.indexing_threshold,
        flush_interval_sec: 5,
        max_optimization_threads: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: cfg.quantization_config,
      strict_mode_config: { enabled: false },
      ...(cfg.metadata !== undefined ? { metadata: cfg.metadata } : {}),
    },
    payload_schema: presentPayloadSchema(info),
    // every acknowledged write is searchable at once (unsealed points are scanned), so nothing waits in a queue;
    // the unsealed WAL backlog is optimizer work, reported by GET /collections/{c}/optimizations
    update_queue: { length: 0 },
  };
}

/**
 * `params.vectors`: the unnamed vector as before; named vectors with their own overrides, as Qdrant echoes them, in
 * its map's name order whatever order the names were added in (lib/model/vector-name-order.ts).
 */
function presentVectors(vectors: VectorsConfig): unknown {
  if (!isNamedVectors(vectors)) {
    const { size, distance, on_disk } = vectors;
    return { size, distance, on_disk, ...memoryField(vectors.memory), ...storageFields(vectors) };
  }
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(byVectorName(vectors))) {
    out[name] = {
      size: p.size,
      distance: p.distance,
      ...(p.hnsw_config !== undefined ? { hnsw_config: p.hnsw_config } : {}),
      ...(p.quantization_config != null ? { quantization_config: p.quantization_config } : {}),
      on_disk: p.on_disk,
      ...memoryField(p.memory),
      ...storageFields(p),
    };
  }
  return out;
}
