/**
 * What the engine benchmark needs from an ANN index, Strata's or a baseline's. An in-process engine converts queries
 * to its own input form in `prepare`, before the clock starts, so QPS measures search alone; an engine in another
 * process (Qdrant Edge in Python) times its own passes there, so the pipe between the processes is never on the clock.
 */
import type { Dataset } from '../../test/support/datasets.js';

export interface HnswParams {
  m: number;
  efConstruct: number;
}

/**
 * - `baseline`: an outside HNSW library every Strata row is compared with (hnswlib-node, usearch);
 * - `qdrant`: Qdrant's own engine in one of Strata's modes; a Strata row is compared with the Qdrant row of its mode;
 * - `strata`: Strata.
 */
export type EngineKind = 'baseline' | 'qdrant' | 'strata';

export interface BuildResult {
  /**
   * Seconds of work another engine already did and this one reuses (Strata's modes share one graph), which the
   * caller adds to the measured time so each build figure is the full cost of that engine.
   */
  reusedSeconds?: number;
  /** The CPU seconds of that reused work, where the engine measured them (in process), added likewise. */
  reusedCpuSeconds?: number;
  /** An engine that times its own build (out of process) reports wall and CPU seconds here. */
  seconds?: number;
  cpuSeconds?: number;
}

interface EngineBase {
  /** Row label in the tables, e.g. "hnswlib f32". */
  readonly name: string;
  readonly kind: EngineKind;
  /** Strata's mode this engine runs in ("f32", "i8", "i8+rescore"), for pairing Strata and Qdrant rows. */
  readonly mode?: string;
  /** One line of engine-specific configuration for the header. */
  readonly config: string;
  /** Builds the index over every base vector of the dataset given at creation (timed by the caller). */
  // biome-ignore lint/suspicious/noConfusingVoidType: engines without reused work return nothing
  build(): BuildResult | void | Promise<BuildResult>;
  /** Frees native memory, temp files or a child process. */
  close?(): void;
}

export interface InProcessEngine<Q = unknown> extends EngineBase {
  /** Sets the query-time beam width (hnsw_ef / ef / expansion_search); untimed. */
  setEf(ef: number): void;
  prepare(query: Float32Array): Q;
  /** Top-k base ids, best first. Single-threaded. */
  search(query: Q, k: number): ArrayLike<number>;
}

/** One timed pass over queries [from, from + queries), one at a time, after `warmup` untimed ones. */
export interface TimedPass {
  found: ArrayLike<number>[];
  seconds: number;
  cpuSeconds: number;
}

export interface OutOfProcessEngine extends EngineBase {
  timedPass(ef: number, k: number, queries: number, warmup: number, from: number): Promise<TimedPass>;
}

export type AnnEngine = InProcessEngine | OutOfProcessEngine;

export type EngineFactory = (ds: Dataset, params: HnswParams) => AnnEngine;
