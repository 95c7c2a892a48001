/**
 * Vector spaces: the one resolved view of a collection's `vectors` config, whichever of Qdrant's two shapes it has.
 * A space is one vector name ('' is the unnamed vector) with its effective parameters: its own `hnsw_config` and
 * `quantization_config` over the collection's, as Qdrant resolves them. Every layer that stores, searches or checks
 * vectors asks for spaces here instead of reading `config.vectors` itself.
 *
 * Invariants: a config is either unnamed (exactly one space, named '') or named (one space per key, the map's key
 * order); a name is never both. A named config may hold the name '', alone or beside other names: Qdrant's map once
 * a name is added to a collection whose vector is unnamed (its VectorsConfig::insert turns Single into Multi under
 * ""), or created so (`{"": {...}}` alone stays a map, as Qdrant's untagged VectorsConfig reads it), or '' added to a
 * map over gRPC; '' is then the map's first key, as in Qdrant's sorted map, and still the vector a list or no `using`
 * means. Answers list names in Qdrant's order (vector-name-order.ts), not the stored one.
 */
import type {
  CollectionConfig,
  HnswConfig,
  NamedVectorsConfig,
  QuantizationConfig,
  VectorDatatype,
  VectorParams,
  VectorsConfig,
} from './collection-config.js';
import type { Distance } from './distance.js';
import { invalid } from './errors.js';
import { type SpacePlacement, componentMemory, quantizedMemory } from './memory.js';

export interface VectorSpace {
  /** '' for the unnamed vector */
  name: string;
  size: number;
  distance: Distance;
  on_disk: boolean;
  hnsw: HnswConfig;
  quantization: QuantizationConfig | null;
  /** true: a point holds a list of vectors of `size` (a multivector), scored by MaxSim */
  multivector: boolean;
  datatype: VectorDatatype;
  /** where each component lives, resolved from `memory` and the deprecated flags (memory.ts) */
  placement: SpacePlacement;
}

/** True when `vectors` is a map name -> params (Qdrant's named mode): the unnamed shape has a numeric `size`. */
export function isNamedVectors(vectors: VectorsConfig): vectors is NamedVectorsConfig {
  return typeof (vectors as { size?: unknown }).size !== 'number';
}

function resolve(config: CollectionConfig, name: string, p: VectorParams): VectorSpace {
  // merged field by field, then `memory` resolved over `on_disk`, as Qdrant does (a collection-wide `memory` wins
  // over a vector's own `on_disk`)
  const hnsw: HnswConfig = { ...config.hnsw_config, ...stripUndefined(p.hnsw_config ?? {}) };
  // a config built in code may leave the collection's `quantization_config` out: that is none (null)
  const quantization =
    (p.quantization_config !== undefined ? p.quantization_config : config.quantization_config) ?? null;
  const vectors = componentMemory(p);
  return {
    name,
    size: p.size,
    distance: p.distance,
    on_disk: p.on_disk,
    hnsw,
    quantization,
    multivector: p.multivector_config != null,
    datatype: p.datatype ?? 'float32',
    placement: {
      vectors,
      graph: componentMemory(hnsw),
      quantized:
        quantization === null
          ? vectors
          : // every kind's params carry `always_ram` (and scalar's `memory`): one object per config
            quantizedMemory(Object.values(quantization)[0] as { always_ram?: boolean | null }, vectors),
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Every vector space of the config, in the config's order. */
export function vectorSpaces(config: CollectionConfig): VectorSpace[] {
  const v = config.vectors;
  if (!isNamedVectors(v)) return [resolve(config, '', v)];
  return Object.entries(v).map(([name, p]) => resolve(config, name, p));
}

/** The space `name` (undefined or '' = the unnamed vector), or undefined when the config has no such vector. */
export function findVectorSpace(config: CollectionConfig, name: string | undefined): VectorSpace | undefined {
  const n = name ?? '';
  const v = config.vectors;
  if (!isNamedVectors(v)) return n === '' ? resolve(config, '', v) : undefined;
  return Object.hasOwn(v, n) ? resolve(config, n, v[n]) : undefined;
}

/** The space `name`, or Qdrant's 400 "Wrong input: Not existing vector name error: <name>". */
export function vectorSpace(config: CollectionConfig, name: string | undefined): VectorSpace {
  const s = findVectorSpace(config, name);
  if (s === undefined) throw invalid(`Not existing vector name error: ${name ?? ''}`);
  return s;
}

/** True when the config's vectors are one unnamed vector (today's shape). */
export function isUnnamedConfig(config: CollectionConfig): boolean {
  return !isNamedVectors(config.vectors);
}
