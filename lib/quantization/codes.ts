/**
 * The one seam between a `quantization_config` kind and its codec: the segment writer, segment open and the vector
 * space go through here, never to a codec directly. A codec trains + encodes a segment's rows, (de)serializes its
 * `quantized` object (magic, version, CRC) and scores queries against it.
 *
 * Invariants: the `quantized` object of every kind starts with its codec's 8-byte magic, so `deserializeCodes`
 * picks the codec from the bytes alone (int8's layout, "STRQINT8", is unchanged byte for byte); a kind without a
 * codec here is refused by the API before anything is written (`supportedKinds`).
 */
import type { QuantizationConfig } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { internal, invalid } from '../model/errors.js';
import { BinaryScorer, type BinarySet, encodeBinary, queryBitsOf, trainBinary } from './binary.js';
import { BINARY_MAGIC, deserializeBinary, serializeBinary } from './binary-format.js';
import { QUANTIZED_MAGIC, deserializeQuantized, serializeQuantized } from './format.js';
import { ProductScorer, type ProductSet, quantizeProduct } from './product.js';
import { PRODUCT_MAGIC, deserializeProduct, serializeProduct } from './product-format.js';
import { Int8Scorer, type QuantizedSet, encodeAll, trainScalar } from './scalar-int8.js';
import { TurboScorer, type TurboSet, quantizeTurbo } from './turbo.js';
import { TURBO_MAGIC, deserializeTurbo, serializeTurbo } from './turbo-format.js';

/** What searches need of a code scorer (lib/index's QueryScorer is satisfied structurally). */
export interface CodeScorer {
  score(id: number): number;
  scoreMany?(ids: Uint32Array, start: number, count: number, out: Float64Array): void;
  readonly scratchIds?: Uint32Array;
}

/** The kind names of Qdrant's QuantizationConfig. */
export type CodeKind = 'scalar' | 'binary' | 'product' | 'turbo';

export interface EncodeInput {
  /** rows × dim row-major; Cosine rows already normalized */
  data: Float32Array;
  dim: number;
  distance: Distance;
  /** seed of any sampling or training, so a segment build is reproducible */
  seed: number;
}

/** A codec: one quantization kind's encoder, binary layout and scorer. */
export interface Codec<S> {
  kind: CodeKind;
  /** the 8-byte magic its `quantized` object starts with */
  magic: string;
  encode(config: QuantizationConfig, input: EncodeInput): S;
  serialize(set: S): Uint8Array;
  deserialize(bytes: Uint8Array): S;
  scorer(set: S, query: ArrayLike<number>): CodeScorer;
  count(set: S): number;
  dim(set: S): number;
  /** bytes held in memory */
  memoryBytes(set: S): number;
  /** the params segment meta.json records (the `type` field names the codec; see segment/meta.ts) */
  meta(set: S, config: QuantizationConfig): Record<string, unknown> & { type: string };
}

/** An encoded set with the codec that reads it. */
export interface CodeSet {
  codec: Codec<unknown>;
  set: unknown;
}

const int8: Codec<QuantizedSet> = {
  kind: 'scalar',
  magic: QUANTIZED_MAGIC,
  encode(config, { data, dim, distance, seed }) {
    if (!('scalar' in config)) throw internal('int8 codec given a non-scalar config');
    return encodeAll(trainScalar(data, dim, distance, { quantile: config.scalar.quantile, seed }), data);
  },
  serialize: serializeQuantized,
  deserialize: deserializeQuantized,
  scorer: (set, query) => new Int8Scorer(set, query),
  count: (set) => set.n,
  dim: (set) => set.params.dim,
  memoryBytes: (set) => set.codes.byteLength + set.corrections.byteLength,
  // the int8 meta is kept exactly as before the seam (format 1 segments stay byte for byte)
  meta: (set) => ({
    type: 'int8',
    quantile: set.params.quantile,
    alpha: set.params.alpha,
    offset: set.params.offset,
    alwaysRam: true,
  }),
};

const binary: Codec<BinarySet> = {
  kind: 'binary',
  magic: BINARY_MAGIC,
  encode(config, { data, dim, distance }) {
    if (!('binary' in config)) throw internal('binary codec given a non-binary config');
    const b = config.binary;
    return encodeBinary(trainBinary(data, dim, distance, b.encoding ?? 'one_bit', queryBitsOf(b.query_encoding)), data);
  },
  serialize: serializeBinary,
  deserialize: deserializeBinary,
  scorer: (set, query) => new BinaryScorer(set, query),
  count: (set) => set.n,
  dim: (set) => set.params.dim,
  memoryBytes: (set) =>
    set.codes.byteLength + set.norms.byteLength + (set.params.mean === null ? 0 : 8 * set.params.dim),
  meta: (set) => ({
    type: 'binary',
    encoding: set.params.encoding,
    queryBits: set.params.queryBits,
    alwaysRam: true,
  }),
};

const product: Codec<ProductSet> = {
  kind: 'product',
  magic: PRODUCT_MAGIC,
  encode(config, { data, dim, distance, seed }) {
    if (!('product' in config)) throw internal('product codec given a non-product config');
    return quantizeProduct(data, dim, distance, { compression: config.product.compression, seed });
  },
  serialize: serializeProduct,
  deserialize: deserializeProduct,
  scorer: (set, query) => new ProductScorer(set, query),
  count: (set) => set.n,
  dim: (set) => set.params.dim,
  memoryBytes: (set) => set.codes.byteLength + set.params.centroids.byteLength,
  meta: (set) => ({ type: 'product', compression: set.params.compression, alwaysRam: true }),
};

/** Qdrant's default TurboQuant width when `bits` is absent (TurboQuantBitSize's default). */
const TURBO_DEFAULT_BITS = 'bits4';

const turbo: Codec<TurboSet> = {
  kind: 'turbo',
  magic: TURBO_MAGIC,
  encode(config, { data, dim, distance, seed }) {
    if (!('turbo' in config)) throw internal('turbo codec given a non-turbo config');
    return quantizeTurbo(data, dim, distance, { bits: config.turbo.bits ?? TURBO_DEFAULT_BITS, seed });
  },
  serialize: serializeTurbo,
  deserialize: deserializeTurbo,
  scorer: (set, query) => new TurboScorer(set, query),
  count: (set) => set.n,
  dim: (set) => set.params.dim,
  memoryBytes: (set) =>
    set.codes.byteLength +
    set.scaling.byteLength +
    set.xm.byteLength +
    set.lengths.byteLength +
    set.params.shift.byteLength +
    set.params.scale.byteLength,
  meta: (set) => ({ type: 'turbo', bits: set.params.bits, alwaysRam: true }),
};

const CODECS: readonly Codec<unknown>[] = [
  int8 as Codec<unknown>,
  binary as Codec<unknown>,
  product as Codec<unknown>,
  turbo as Codec<unknown>,
];

export function kindOf(config: QuantizationConfig): CodeKind {
  return Object.keys(config)[0] as CodeKind;
}

/** The kinds this build can encode; the API refuses the others with a 400 before anything is written. */
export function supportedKinds(): readonly CodeKind[] {
  return CODECS.map((c) => c.kind);
}

function codecOf(config: QuantizationConfig): Codec<unknown> {
  const kind = kindOf(config);
  const codec = CODECS.find((c) => c.kind === kind);
  if (codec === undefined) throw invalid(`${kind} quantization is not supported`);
  return codec;
}

/** Trains and encodes a segment's rows with the codec of `config`. */
export function encodeCodes(config: QuantizationConfig, input: EncodeInput): CodeSet {
  const codec = codecOf(config);
  return { codec, set: codec.encode(config, input) };
}

export function serializeCodes(codes: CodeSet): Uint8Array {
  return codes.codec.serialize(codes.set);
}

/** Reads a `quantized` object of any kind, choosing the codec by its magic; corrupt bytes throw 'internal'. */
export function deserializeCodes(bytes: Uint8Array): CodeSet {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  const codec = CODECS.find((c) => c.magic === magic);
  if (codec === undefined) throw internal(`quantized set: unknown magic '${magic}'`);
  return { codec, set: codec.deserialize(bytes) };
}

export function codeScorer(codes: CodeSet, query: ArrayLike<number>): CodeScorer {
  return codes.codec.scorer(codes.set, query);
}

export const codeCount = (codes: CodeSet): number => codes.codec.count(codes.set);
export const codeDim = (codes: CodeSet): number => codes.codec.dim(codes.set);
export const codeMemoryBytes = (codes: CodeSet): number => codes.codec.memoryBytes(codes.set);
export const codeMeta = (codes: CodeSet, config: QuantizationConfig) => codes.codec.meta(codes.set, config);

/** The int8 set when `codes` are int8 (the HNSW build scores pairs on int8 codes, lib/index/build.ts), else null. */
export function int8Set(codes: CodeSet): QuantizedSet | null {
  return codes.codec === (int8 as Codec<unknown>) ? (codes.set as QuantizedSet) : null;
}

/**
 * What a segment's codes were built from, as a comparable string: a config change that changes the key makes the
 * optimizer re-encode the segment (collection/rebuild.ts). int8's quantile is compared apart, at float32 precision.
 */
export function codesKey(config: QuantizationConfig): string {
  if ('scalar' in config) return 'int8';
  if ('binary' in config) {
    return `binary/${config.binary.encoding ?? 'one_bit'}/${queryBitsOf(config.binary.query_encoding)}`;
  }
  if ('product' in config) return `product/${config.product.compression}`;
  return `turbo/${config.turbo.bits ?? TURBO_DEFAULT_BITS}`;
}

/** The same key from a segment's recorded quantization meta (segment/meta.ts), so no object is read. */
export function codesKeyOfMeta(meta: { type: string; [k: string]: unknown }): string {
  if (meta.type === 'int8') return 'int8';
  if (meta.type === 'binary') return `binary/${String(meta.encoding)}/${String(meta.queryBits)}`;
  if (meta.type === 'product') return `product/${String(meta.compression)}`;
  return `turbo/${String(meta.bits)}`;
}
