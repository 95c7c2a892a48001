/**
 * A collection's configuration in Qdrant's JSON shapes (snake_case), with every default applied: the API layer fills
 * defaults before a config reaches the collection service, and the manifest stores it as is.
 */
import type { Distance } from './distance.js';
import type { Memory } from './memory.js';
import type { PayloadSchema } from './payload-schema.js';

export interface VectorParams {
  size: number;
  distance: Distance;
  /** originals as pages in the object store (true) or in memory (false): Qdrant's deprecated flag */
  on_disk: boolean;
  /** Qdrant 1.19's placement of the originals (cold | cached), kept as given; absent: from `on_disk` (memory.ts) */
  memory?: Memory;
  /**
   * A named vector's own HNSW parameters, overriding the collection's field by field, kept as given (Qdrant echoes
   * the diff). The unnamed vector's overrides are folded into the collection's `hnsw_config` at create instead.
   */
  hnsw_config?: Partial<HnswConfig>;
  /** A named vector's own quantization (null: none for this vector), overriding the collection's; absent: inherit */
  quantization_config?: QuantizationConfig | null;
  /** storage type of the originals (absent = float32, as Qdrant); lib/model/datatype.ts holds the value rules */
  datatype?: VectorDatatype;
  /** present: each point holds a list of vectors of `size` for this name, compared by MaxSim (Qdrant's multivectors) */
  multivector_config?: MultiVectorConfig;
}

/** Qdrant's `Datatype` of a vector's stored originals. */
export type VectorDatatype = 'float32' | 'float16' | 'uint8';

/** Qdrant's MultiVectorConfig: how two lists of vectors compare (only MaxSim exists). */
export interface MultiVectorConfig {
  comparator: 'max_sim';
}

/**
 * `vectors` of a collection: one unnamed params object (today's shape, kept byte for byte), or a map name -> params
 * (Qdrant's named vectors). lib/model/vector-spaces.ts resolves both into one list of vector spaces.
 */
export type VectorsConfig = VectorParams | NamedVectorsConfig;
export type NamedVectorsConfig = Record<string, VectorParams>;

/** PATCH of one vector's parameters (Qdrant's VectorParamsDiff). */
export interface VectorParamsDiff {
  on_disk?: boolean;
  memory?: Memory;
  hnsw_config?: Partial<HnswConfig>;
  quantization_config?: QuantizationConfig | null;
}

/** Qdrant's SparseIndexParams: every field kept as given (Qdrant echoes only what was set). */
export interface SparseIndexParams {
  /** below this many points (not KB) a filtered search scans the filtered points instead of the index */
  full_scan_threshold?: number;
  /** the inverted index as pages in the object store (true) or in memory (false, Qdrant's default) */
  on_disk?: boolean;
  /** Qdrant 1.19's memory placement, echoed; `on_disk` decides the tier here */
  memory?: string;
  /** weights are stored as float32 whatever is configured (echoed as given) */
  datatype?: 'float32' | 'float16' | 'uint8';
}

/** One sparse vector name's params (Qdrant's SparseVectorParams). */
export interface SparseVectorParams {
  index?: SparseIndexParams;
  /** `idf`: query weights are multiplied by each dimension's inverse document frequency; absent = none */
  modifier?: 'none' | 'idf';
}

export interface HnswConfig {
  m: number;
  ef_construct: number;
  /** layer-0 adjacency as pages in the object store (true) or in memory (false): Qdrant's deprecated flag */
  on_disk: boolean;
  /** Qdrant 1.19's placement of the graph, kept as given; absent: from `on_disk` (memory.ts) */
  memory?: Memory;
  /** below this many KB of vectors a segment is searched exactly, without building a graph (Qdrant's default 10000) */
  full_scan_threshold: number;
  /**
   * links per node of the extra graphs built per keyword/integer value block at seal time (lib/index/payload-links.ts);
   * absent: `m`, as in Qdrant; 0: none
   */
  payload_m?: number;
}

export interface ScalarQuantizationConfig {
  type: 'int8';
  quantile: number;
  /** Qdrant's deprecated flag: true = pinned, false = follow the originals' placement */
  always_ram: boolean;
  /** Qdrant 1.19's placement of the codes, kept as given; absent: from `always_ram` (memory.ts) */
  memory?: Memory;
}

/**
 * Qdrant's binary quantization (encoded_vectors_binary.rs), kept as given: Qdrant echoes only the fields the client
 * set, so absent fields stay absent (defaults: encoding one_bit, query_encoding default = same as storage).
 */
export interface BinaryQuantizationConfig {
  always_ram?: boolean;
  encoding?: BinaryEncoding;
  query_encoding?: BinaryQueryEncoding;
}

export const BINARY_ENCODINGS = ['one_bit', 'two_bits', 'one_and_half_bits'] as const;
export type BinaryEncoding = (typeof BINARY_ENCODINGS)[number];
export const BINARY_QUERY_ENCODINGS = ['default', 'binary', 'scalar4bits', 'scalar8bits'] as const;
export type BinaryQueryEncoding = (typeof BINARY_QUERY_ENCODINGS)[number];

export const PQ_COMPRESSIONS = ['x4', 'x8', 'x16', 'x32', 'x64'] as const;
export type PqCompression = (typeof PQ_COMPRESSIONS)[number];

/** Qdrant's product quantization: `compression` is required, the rest kept as given. */
export interface ProductQuantizationConfig {
  compression: PqCompression;
  always_ram?: boolean;
}

export const TURBO_BITS = ['bits1', 'bits1_5', 'bits2', 'bits4'] as const;
export type TurboBits = (typeof TURBO_BITS)[number];

/** Qdrant's TurboQuant, kept as given (`bits` absent = Qdrant's default). */
export interface TurboQuantizationConfig {
  bits?: TurboBits;
  always_ram?: boolean;
}

/** Qdrant's QuantizationConfig: exactly one kind. lib/quantization/codes.ts maps each kind to its codec. */
export type QuantizationConfig =
  | { scalar: ScalarQuantizationConfig }
  | { binary: BinaryQuantizationConfig }
  | { product: ProductQuantizationConfig }
  | { turbo: TurboQuantizationConfig };

export interface OptimizersConfig {
  default_segment_number: number;
  /**
   * Qdrant's knob, in KB of vectors: a segment smaller than this is searched exactly and gets no HNSW graph
   * (Qdrant's default 20000; 0 disables indexing).
   */
  indexing_threshold: number;
  /**
   * Qdrant's knob, in KB of vectors: the optimizer never creates a segment larger than this (it splits a seal and
   * skips merges that would exceed it). null or absent: no limit.
   */
  max_segment_size?: number | null;
}

export interface CollectionConfig {
  vectors: VectorsConfig;
  hnsw_config: HnswConfig;
  /** null: no quantization, searches run on float32 originals */
  quantization_config: QuantizationConfig | null;
  optimizers_config: OptimizersConfig;
  /**
   * Qdrant's knob, kept as configured and reported; absent = Qdrant's default (true). Strata always reads payloads
   * per query from the store (only the final top-k's), which is what `true` means.
   */
  on_disk_payload?: boolean;
  /** Qdrant 1.19's payload storage params (`memory`: cold | cached), kept as given; absent: from on_disk_payload */
  payload?: { memory?: Memory };
  /** arbitrary JSON the client attached (Qdrant's collection metadata), echoed in collection info; absent = none */
  metadata?: Record<string, unknown>;
  /** payload field indexes by key (payload-schema.ts); absent or empty = none */
  payload_schema?: PayloadSchema;
  /** sparse vector names (lib/model/sparse-spaces.ts); absent = none, so older configs are unchanged */
  sparse_vectors?: Record<string, SparseVectorParams>;
  /**
   * Strata's, never echoed: the generation of each vector name (dense or sparse) added to the live collection
   * (`PUT /collections/{c}/vectors/{name}`); a name absent here has generation 0 (every name given at create).
   * lib/model/vector-generations.ts says why: data stamped with another generation of a name is stale.
   */
  vector_generations?: Record<string, number>;
  /** the highest generation ever given in this collection (deleted names' too), so none is given twice; absent = 0 */
  vector_generation_high?: number;
}

/** Partial config accepted by PATCH /collections/{name} (parameters that do not require rewriting data). */
export interface CollectionUpdate {
  hnsw_config?: Partial<HnswConfig>;
  optimizers_config?: Partial<OptimizersConfig>;
  quantization_config?: QuantizationConfig | null;
  /** the unnamed vector's parameters */
  vectors?: { on_disk?: boolean; memory?: Memory };
  /** `params.on_disk_payload` / `params.payload` (Qdrant's CollectionParamsDiff) */
  on_disk_payload?: boolean;
  payload?: { memory?: Memory };
  /** named vectors' parameters, per name (each name must exist) */
  named_vectors?: Record<string, VectorParamsDiff>;
  /** merged into the stored metadata key by key, as Qdrant does */
  metadata?: Record<string, unknown>;
  /** sparse vectors' index params and modifier, per name (each name must exist); merged field by field */
  sparse_vectors?: Record<string, SparseVectorParams>;
}
