/**
 * Strata's engine (lib/index over lib/distance and lib/quantization), in the three modes of DESIGN.md §1:
 *   - "strata f32":          HNSW walk scored on float32 originals (scenario 2's index, all in memory);
 *   - "strata i8":           the same graph walked on int8 codes, no rescore (scenario 1: a warm query reads no originals);
 *   - "strata i8+rescore":   int8 walk for ceil(k × oversampling) candidates (ef = max(hnsw_ef, candidates)), re-ranked
 *                            with float32 originals (scenario 3).
 * The graph is built once per dataset over float32 originals (Cosine rows normalised first, as on upsert) and shared
 * by the three modes, as one segment shares it; the int8 modes add the time to train and encode the codes
 * (quantile 0.99, Qdrant's default). The build is deterministic (seeded), so sharing changes no result.
 *
 * Per-query work inside the timed search: normalising the query (Cosine), encoding it to int8, the walk, the rescore.
 */
import { performance } from 'node:perf_hooks';
import { normalized, normalizeRows, simdRows } from '../../lib/distance/index.js';
import {
  buildHnsw,
  floatScorer,
  InMemoryGraph,
  SearchContext,
  oversampledCount,
  searchHnsw,
  searchPipelineSync,
} from '../../lib/index/index.js';
import { Int8Scorer, quantize, type QuantizedSet } from '../../lib/quantization/index.js';
import type { Dataset } from '../../test/support/datasets.js';
import type { AnnEngine, EngineFactory, HnswParams } from './types.js';

const SEED = 42;
const QUANTILE = 0.99;

/** What the three modes share for one dataset: stored (normalised) originals, the graph, the codes. */
interface Shared {
  data?: Float32Array;
  graph?: InMemoryGraph;
  graphSeconds?: number;
  codes?: QuantizedSet;
  codesSeconds?: number;
}

const shared = new WeakMap<Dataset, Shared>();

function sharedFor(ds: Dataset): Shared {
  let s = shared.get(ds);
  if (!s) shared.set(ds, (s = {}));
  return s;
}

/** Builds the graph if no mode did yet; returns the seconds of earlier shared work this mode reuses. */
function ensureGraph(ds: Dataset, params: HnswParams, s: Shared): number {
  if (s.graph && s.data) return s.graphSeconds!;
  const t = performance.now();
  const data = ds.base.slice();
  if (ds.distance === 'Cosine') normalizeRows(data, ds.dim);
  const graph = buildHnsw(data, ds.dim, ds.distance, { m: params.m, efConstruct: params.efConstruct, seed: SEED });
  // originals held in memory as a segment holds them: in a SIMD arena where WebAssembly SIMD is available
  s.data = simdRows(data, ds.dim);
  s.graph = new InMemoryGraph(graph);
  s.graphSeconds = (performance.now() - t) / 1000;
  return 0;
}

function ensureCodes(ds: Dataset, s: Shared): number {
  if (s.codes) return s.codesSeconds!;
  const t = performance.now();
  s.codes = quantize(s.data!, ds.dim, ds.distance, { quantile: QUANTILE });
  s.codesSeconds = (performance.now() - t) / 1000;
  return 0;
}

type Mode = 'f32' | 'i8' | 'i8+rescore';

function createStrata(mode: Mode, oversampling: number): EngineFactory {
  return (ds: Dataset, params: HnswParams): AnnEngine<Float32Array> => {
    const s = sharedFor(ds);
    const ctx = new SearchContext(ds.nBase);
    let ef = 64;
    const base = `lib/index HNSW m=${params.m} ef_construct=${params.efConstruct} seed=${SEED}, graph over float32`;
    return {
      name: `strata ${mode}`,
      kind: 'strata',
      config:
        mode === 'f32'
          ? `${base}; walk on float32`
          : `${base}; walk on int8 codes (quantile ${QUANTILE})` +
            (mode === 'i8+rescore' ? `; rescore ceil(k×${oversampling}) candidates with float32` : '; no rescore'),
      build() {
        let reused = ensureGraph(ds, params, s);
        if (mode !== 'f32') reused += ensureCodes(ds, s);
        return { reusedSeconds: reused };
      },
      setEf(value) {
        ef = value;
      },
      prepare(query) {
        return query.slice();
      },
      search(query, k) {
        const graph = s.graph!;
        if (mode === 'f32')
          return searchHnsw(graph, floatScorer(s.data!, ds.dim, ds.distance, query), { k, ef }, ctx).ids;
        const q = ds.distance === 'Cosine' ? normalized(query) : query;
        const int8 = new Int8Scorer(s.codes!, q);
        if (mode === 'i8') return searchHnsw(graph, int8, { k, ef }, ctx).ids;
        return searchPipelineSync(
          { n: ds.nBase, graph },
          int8,
          floatScorer(s.data!, ds.dim, ds.distance, query),
          { k, candidates: oversampledCount(k, oversampling), ef },
          ctx,
        ).ids;
      },
    };
  };
}

export function strataFactories(oversampling: number): EngineFactory[] {
  return [
    createStrata('f32', oversampling),
    createStrata('i8', oversampling),
    createStrata('i8+rescore', oversampling),
  ];
}
