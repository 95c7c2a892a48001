/**
 * Strata's engine (lib/index over lib/distance and lib/quantization), in the three modes of DESIGN.md §1:
 *   - "strata f32":          HNSW walk scored on float32 originals (scenario 2's index, all in memory);
 *   - "strata i8":           a quantized segment's graph walked on int8 codes, no rescore (scenario 1: a warm query reads
 *                            no originals);
 *   - "strata i8+rescore":   int8 walk for ceil(k × oversampling) candidates (ef = max(hnsw_ef, candidates)), re-ranked
 *                            with float32 originals (scenario 3).
 * As the segment writer builds them, the f32 mode's graph is built over float32 originals (Cosine rows normalised
 * first, as on upsert) and the int8 modes' graph over the int8 codes (quantile 0.99, Qdrant's default), which they
 * share as one quantized segment would; the int8 build figure is training + encoding + that graph. Builds are
 * deterministic (seeded), so sharing changes no result.
 *
 * Rows are in the order a sealed segment holds them (lib/segment/writer.ts encodeSegment): the locality order
 * (locality.ts: points close in space get close offsets), the graph built on it (inserted in shuffled blocks of it,
 * lib/index/build.ts), then its upper-level nodes numbered
 * first (entry-order.ts) with the rows (and, int8, the codes re-encoded) permuted to match. Each graph has its own
 * final order, so f32 (and the binary modes walking its graph) and int8 each hold their rows; searches return
 * offsets, mapped back to dataset rows through that order as a segment maps offsets to point ids. The locality pass
 * counts in the build figures (it is part of the seal); its effect on a warm walk is cache and TLB locality: ~1.1-1.3x
 * int8 queries per second on Fashion-MNIST 20k against the dataset's order, measured in one process.
 *
 *   - "strata b1|b1.5|b2[+rescore]": binary codes (one_bit, one_and_half_bits, two_bits) walked over the float32-built
 *                            graph (the segment writer builds binary segments' graphs on float32), with or without
 *                            the same rescore.
 * Per-query work inside the timed search: the scorer's normalising (Cosine) and encoding of the query, the walk, the
 * rescore.
 */
import { performance } from 'node:perf_hooks';
import { normalizeRows, simdRows } from '../../lib/distance/index.js';
import { permuteGraph } from '../../lib/index/graph-permute.js';
import type { HnswGraph } from '../../lib/index/graph.js';
import {
  buildHnsw,
  floatScorer,
  InMemoryGraph,
  SearchContext,
  oversampledCount,
  searchHnsw,
  searchPipelineSync,
} from '../../lib/index/index.js';
import {
  BinaryScorer,
  type BinarySet,
  encodeBinary,
  Int8Scorer,
  quantize,
  type QuantizedSet,
  serializeBinary,
  serializeQuantized,
  trainBinary,
} from '../../lib/quantization/index.js';
import type { BinaryEncoding } from '../../lib/model/collection-config.js';
import { composeOrders, entryOrder } from '../../lib/segment/entry-order.js';
import { localityOrder, permuteRows } from '../../lib/segment/locality.js';
import type { Dataset } from '../../test/support/datasets.js';
import type { HnswParams, InProcessEngine } from './types.js';

/** the graph's seed (level draws and locality order) unless `--seed` says otherwise; a segment's comes from its id */
export const DEFAULT_SEED = 42;
const QUANTILE = 0.99;

/**
 * What the modes share for one dataset: stored (normalised) originals, the float32-built graph (f32 mode: an
 * unquantized segment's), the int8 codes and the graph built on them (both int8 modes: a quantized segment's, as the
 * segment writer builds it). Each piece is built by the first mode that needs it, inside that mode's timed build.
 */
interface Shared {
  /** the seed every piece below was built with */
  seed: number;
  /** the dataset's rows (Cosine: normalised) in locality order, and that order (offset → dataset row) */
  data?: Float32Array;
  order?: Uint32Array;
  dataCost?: Cost;
  /** the float32-built graph and its rows, in the seal's final order */
  graph?: Sealed;
  graphCost?: Cost;
  /** the int8 codes, the graph built on them, and the float rows (rescoring), in the seal's final order */
  codes?: QuantizedSet;
  int8Graph?: Sealed;
  int8Cost?: Cost;
  /** binary codes per encoding (their segments' graphs are the float32-built one, as the segment writer builds them) */
  binary?: Map<BinaryEncoding, { set: BinarySet; cost: Cost }>;
}

/** A graph with its rows in the order the seal leaves them: offset i is dataset row order[i]. */
interface Sealed {
  graph: InMemoryGraph;
  data: Float32Array;
  order: Uint32Array;
}

/** Wall and CPU seconds of a piece of shared work, so a mode that reuses it can count both. */
interface Cost {
  seconds: number;
  cpu: number;
}

const NOTHING: Cost = { seconds: 0, cpu: 0 };

function measure(work: () => void): Cost {
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  work();
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const plus = (a: Cost, b: Cost): Cost => ({ seconds: a.seconds + b.seconds, cpu: a.cpu + b.cpu });

const shared = new WeakMap<Dataset, Shared>();

function sharedFor(ds: Dataset, seed: number): Shared {
  let s = shared.get(ds);
  if (!s || s.seed !== seed) shared.set(ds, (s = { seed }));
  return s;
}

/** Each ensure* builds its piece if no mode did yet and returns the cost of earlier shared work it reuses. */
function ensureData(ds: Dataset, s: Shared): Cost {
  if (s.data) return s.dataCost!;
  s.dataCost = measure(() => {
    const data = ds.base.slice();
    if (ds.distance === 'Cosine') normalizeRows(data, ds.dim);
    s.order = localityOrder(data, ds.dim, s.seed);
    s.data = permuteRows(data, ds.dim, s.order);
  });
  return NOTHING;
}

/**
 * The seal's last step for a graph built on the locality-ordered rows: its upper-level nodes numbered first, the
 * rows permuted to match, held as a segment holds them (in a SIMD arena where WebAssembly SIMD is available).
 */
function seal(ds: Dataset, s: Shared, graph: HnswGraph): Sealed {
  const entry = entryOrder(graph);
  if (entry === null) return { graph: new InMemoryGraph(graph), data: simdRows(s.data!, ds.dim), order: s.order! };
  return {
    graph: new InMemoryGraph(permuteGraph(graph, entry)),
    data: simdRows(permuteRows(s.data!, ds.dim, entry), ds.dim),
    order: composeOrders(s.order!, entry),
  };
}

function ensureGraph(ds: Dataset, params: HnswParams, s: Shared): Cost {
  if (s.graph) return s.graphCost!;
  s.graphCost = measure(() => {
    const graph = buildHnsw(s.data!, ds.dim, ds.distance, {
      m: params.m,
      efConstruct: params.efConstruct,
      seed: s.seed,
    });
    s.graph = seal(ds, s, graph);
  });
  return NOTHING;
}

function ensureInt8(ds: Dataset, params: HnswParams, s: Shared): Cost {
  if (s.int8Graph) return s.int8Cost!;
  s.int8Cost = measure(() => {
    const codes = quantize(s.data!, ds.dim, ds.distance, { quantile: QUANTILE });
    const graph = buildHnsw(s.data!, ds.dim, ds.distance, {
      m: params.m,
      efConstruct: params.efConstruct,
      seed: s.seed,
      codes,
    });
    s.int8Graph = seal(ds, s, graph);
    // the writer encodes the codes it stores from the rows in their final order
    s.codes =
      s.int8Graph.order === s.order ? codes : quantize(s.int8Graph.data, ds.dim, ds.distance, { quantile: QUANTILE });
  });
  return NOTHING;
}

/** Binary modes: b1 / b1.5 / b2 walk on one_bit / one_and_half_bits / two_bits codes; `+rescore` as for int8. */
export const BINARY_MODES: Record<string, BinaryEncoding> = {
  b1: 'one_bit',
  'b1.5': 'one_and_half_bits',
  b2: 'two_bits',
};

function ensureBinary(ds: Dataset, params: HnswParams, s: Shared, encoding: BinaryEncoding): Cost {
  s.binary ??= new Map();
  const reused = ensureGraph(ds, params, s);
  const have = s.binary.get(encoding);
  if (have) return plus(reused, have.cost);
  let set: BinarySet | undefined;
  const cost = measure(() => {
    const rows = s.graph!.data;
    set = encodeBinary(trainBinary(rows, ds.dim, ds.distance, encoding, 1), rows);
  });
  s.binary.set(encoding, { set: set!, cost });
  return reused;
}

/** Bytes of a code set as stored (the `quantized` object: what a cold load reads and a warm worker keeps). */
export function codeSetBytes(ds: Dataset, mode: string): number | null {
  const s = shared.get(ds);
  if (s === undefined) return null;
  if (mode.startsWith('i8')) return s.codes ? serializeQuantized(s.codes).byteLength : null;
  const b = s.binary?.get(BINARY_MODES[mode.replace('+rescore', '')]);
  return b ? serializeBinary(b.set).byteLength : null;
}

type Mode = string;

/** In process and synchronous, so other benchmarks (storage) can drive a Strata engine directly. */
export type StrataFactory = (ds: Dataset, params: HnswParams) => InProcessEngine<Float32Array>;

function createStrata(mode: Mode, oversampling: number, seed: number): StrataFactory {
  return (ds: Dataset, params: HnswParams): InProcessEngine<Float32Array> => {
    const s = sharedFor(ds, seed);
    const ctx = new SearchContext(ds.nBase);
    let ef = 64;
    const base =
      `lib/index HNSW m=${params.m} ef_construct=${params.efConstruct} seed=${seed}, ` +
      `graph over ${mode.startsWith('i8') ? 'int8 codes' : 'float32'}, rows in a sealed segment's order`;
    const binaryEncoding = BINARY_MODES[mode.replace('+rescore', '')];
    const rescore = mode.endsWith('+rescore');
    return {
      name: `strata ${mode}`,
      mode,
      kind: 'strata',
      config:
        mode === 'f32'
          ? `${base}; walk on float32`
          : `${base}; walk on ${binaryEncoding === undefined ? `int8 codes (quantile ${QUANTILE})` : `binary ${binaryEncoding} codes`}` +
            (rescore ? `; rescore ceil(k×${oversampling}) candidates with float32` : '; no rescore'),
      build() {
        const reused = plus(
          ensureData(ds, s),
          mode === 'f32'
            ? ensureGraph(ds, params, s)
            : binaryEncoding !== undefined
              ? ensureBinary(ds, params, s, binaryEncoding)
              : ensureInt8(ds, params, s),
        );
        return { reusedSeconds: reused.seconds, reusedCpuSeconds: reused.cpu };
      },
      setEf(value) {
        ef = value;
      },
      prepare(query) {
        return query.slice();
      },
      search(query, k) {
        const sealed = mode.startsWith('i8') ? s.int8Graph! : s.graph!;
        return datasetRows(sealed.order, searchSealed(sealed, query, k));
      },
    };
    function searchSealed(sealed: Sealed, query: Float32Array, k: number): Uint32Array {
      const { graph, data } = sealed;
      if (mode === 'f32') return searchHnsw(graph, floatScorer(data, ds.dim, ds.distance, query), { k, ef }, ctx).ids;
      // the code scorers normalize a Cosine query themselves, as a segment hands them the query as given
      const codes =
        binaryEncoding === undefined
          ? new Int8Scorer(s.codes!, query)
          : new BinaryScorer(s.binary!.get(binaryEncoding)!.set, query);
      if (!rescore) return searchHnsw(graph, codes, { k, ef }, ctx).ids;
      return searchPipelineSync(
        { n: ds.nBase, graph },
        codes,
        floatScorer(data, ds.dim, ds.distance, query),
        { k, candidates: oversampledCount(k, oversampling), ef },
        ctx,
      ).ids;
    }
  };
}

/** Offsets as dataset rows (a segment maps its offsets to point ids the same way). */
function datasetRows(order: Uint32Array, offsets: Uint32Array): Uint32Array {
  const rows = new Uint32Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) rows[i] = order[offsets[i]];
  return rows;
}

export function strataFactories(oversampling: number, seed = DEFAULT_SEED): StrataFactory[] {
  return [
    createStrata('f32', oversampling, seed),
    createStrata('i8', oversampling, seed),
    createStrata('i8+rescore', oversampling, seed),
    ...Object.keys(BINARY_MODES).flatMap((m) => [
      createStrata(m, oversampling, seed),
      createStrata(`${m}+rescore`, oversampling, seed),
    ]),
  ];
}
