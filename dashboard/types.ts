/** Shapes of the answers the dashboard reads (mirrors of the server's types, which live in Node-only modules). */

/** lib/collection/segment-layout.ts */
export type Tier = 'RAM' | 'S3 pages' | 'S3';

export interface SegmentLayout {
  id: string;
  points: number;
  deleted: number;
  indexed: boolean;
  stale: boolean;
  build: {
    m: number;
    efConstruct: number;
    vectorsOnDisk: boolean;
    graphOnDisk: boolean;
    quantile: number | null;
  } | null;
  objects: { name: string; bytes: number; tier: Tier }[];
}

export interface CollectionLayout {
  segments: SegmentLayout[];
  backlog: { walObjects: number; walPoints: number; stale: { id: string; points: number }[] };
  totals: Record<Tier, number>;
}

/** Qdrant's collection info (the parts shown) */
export interface CollectionInfo {
  status: string;
  optimizer_status: string;
  points_count: number;
  indexed_vectors_count: number;
  segments_count: number;
  config: {
    /** one unnamed vector's params, or a map of vector names to params (dashboard/vector-spaces.ts reads both) */
    params: { vectors: VectorParams | Record<string, VectorParams>; on_disk_payload?: boolean };
    hnsw_config: Record<string, unknown>;
    optimizer_config: Record<string, unknown>;
    quantization_config: Record<string, unknown> | null;
    metadata?: Record<string, unknown>;
  };
}

/** lib/model/collection-config.ts VectorParams (the parts shown) */
export interface VectorParams {
  size: number;
  distance: string;
  on_disk?: boolean;
  hnsw_config?: Record<string, unknown>;
  /** a named vector's own quantization; null: none for this vector; absent: the collection's */
  quantization_config?: Record<string, unknown> | null;
}

/** Qdrant's `GET /collections/{c}/optimizations` */
export interface Optimizations {
  summary: { queued_optimizations: number; queued_segments: number; queued_points: number; idle_segments: number };
  running: OptimizerRun[];
  queued?: { optimizer: string; segments: { uuid: string; points_count: number }[] }[];
  completed?: OptimizerRun[];
}

export interface PointRecord {
  id: number | string;
  payload: Record<string, unknown> | null;
  score?: number;
}

export interface OptimizerRun {
  uuid: string;
  optimizer: string;
  status: string | { error: string };
  progress: { started_at: string; finished_at: string | null; duration_sec: number | null };
}
