/**
 * What the engine benchmark needs from an ANN index, Strata's or a baseline's. Queries are converted to the engine's
 * own input form by `prepare` before the clock starts, so QPS measures search alone.
 */
import type { Dataset } from '../../test/support/datasets.js';

export interface HnswParams {
  m: number;
  efConstruct: number;
}

export interface AnnEngine<Q = unknown> {
  /** Row label in the tables, e.g. "hnswlib f32". */
  readonly name: string;
  /** Which family its ratios are read against (float32 originals or int8 codes). */
  readonly kind: 'baseline' | 'strata';
  /** One line of engine-specific configuration for the header. */
  readonly config: string;
  /**
   * Builds the index over every base vector of the dataset given at creation (timed by the caller). An engine that
   * reuses work another engine already did (Strata's modes share one graph) returns its seconds, which the caller
   * adds to the measured time so each build figure is the full cost of that engine.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: engines without reused work return nothing
  build(): { reusedSeconds?: number } | void;
  /** Sets the query-time beam width (hnsw_ef / ef / expansion_search); untimed. */
  setEf(ef: number): void;
  prepare(query: Float32Array): Q;
  /** Top-k base ids, best first. Single-threaded. */
  search(query: Q, k: number): ArrayLike<number>;
  /** Frees native memory or temp files. */
  close?(): void;
}

export type EngineFactory = (ds: Dataset, params: HnswParams) => AnnEngine;
