/**
 * Baseline: usearch 2 `Index` with int8 storage (quantization 'i8'), single-threaded add and search.
 *
 * usearch casts float32 to i8 per vector: it divides by the vector's own L2 norm and scales to ±127. That suits
 * cosine (GloVe: vectors are passed as float32 and usearch casts them) but changes the metric for Euclid. For
 * Euclid (Fashion-MNIST) we therefore hand usearch int8 codes ourselves with ONE global range, as Qdrant's scalar
 * quantization does: code = round((x − lo) / alpha), alpha = (hi − lo) / 127, over the base's min/max. A shared
 * scale and offset keep L2 ranking up to rounding, so usearch then searches squared L2 on the codes.
 *
 * usearch's JS `Index` wrapper converts every Int8Array to Float32Array before calling the addon, which would
 * send the codes back through that per-vector cast. So this adapter drives the addon's `CompiledIndex` (the class
 * `Index` wraps, loaded the same way with node-gyp-build) directly; it also skips the wrapper's per-call argument
 * normalisation, so usearch's QPS is not held back by JS glue.
 *
 * The binding cannot change expansion_search after construction, so setEf saves the built index to a temp file once
 * and loads it into a fresh CompiledIndex configured with the new expansion_search (untimed; the graph is identical).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MetricKind, ScalarKind } from 'usearch';
import type { Dataset } from '../../test/support/datasets.js';
import type { HnswParams, InProcessEngine } from './types.js';

const THREADS = 1;

/** The native class behind usearch's `Index` (javascript/lib.cpp), as far as this adapter uses it. */
interface CompiledIndex {
  add(keys: BigUint64Array, vectors: Float32Array | Int8Array, threads: number): void;
  search(vectors: Float32Array | Int8Array, k: number, threads: number): [BigUint64Array, Float32Array, BigUint64Array];
  save(path: string): void;
  load(path: string): void;
}
type CompiledIndexCtor = new (
  dimensions: number,
  metric: string,
  quantization: string,
  connectivity: number,
  expansionAdd: number,
  expansionSearch: number,
  multi: boolean,
) => CompiledIndex;

function loadCompiled(): CompiledIndexCtor {
  const require = createRequire(import.meta.url);
  // the package's exports hide package.json, so walk up from its entry point to the folder holding binding.gyp
  let root = dirname(require.resolve('usearch'));
  while (!existsSync(join(root, 'binding.gyp'))) {
    const up = dirname(root);
    if (up === root) throw new Error('usearch package root not found');
    root = up;
  }
  const build = require('node-gyp-build') as (dir: string) => { CompiledIndex: CompiledIndexCtor };
  return build(root).CompiledIndex;
}

interface GlobalRange {
  lo: number;
  alpha: number;
}

function globalRange(data: Float32Array): GlobalRange {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, alpha: hi > lo ? (hi - lo) / 127 : 1 };
}

function encode(data: Float32Array, r: GlobalRange): Int8Array {
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = Math.round((data[i] - r.lo) / r.alpha);
    out[i] = c < 0 ? 0 : Math.min(c, 127);
  }
  return out;
}

export function createUsearch(ds: Dataset, params: HnswParams): InProcessEngine<Float32Array | Int8Array> {
  const cosine = ds.distance === 'Cosine';
  const metric = cosine ? MetricKind.Cos : MetricKind.L2sq;
  const range = cosine ? undefined : globalRange(ds.base);
  const Compiled = loadCompiled();
  const make = (ef: number): CompiledIndex =>
    new Compiled(ds.dim, metric, ScalarKind.I8, params.m, params.efConstruct, ef, false);
  let index = make(64);
  let dir: string | undefined;
  let file: string | undefined;
  return {
    name: 'usearch i8',
    kind: 'baseline',
    config:
      `usearch CompiledIndex metric=${metric} quantization=i8 connectivity=${params.m} expansion_add=${params.efConstruct}, ` +
      `${THREADS} thread; input ${cosine ? 'float32 (usearch casts per vector)' : 'int8 codes over one global range (see adapter)'}`,
    build() {
      const keys = new BigUint64Array(ds.nBase);
      for (let i = 0; i < ds.nBase; i++) keys[i] = BigInt(i);
      index.add(keys, range ? encode(ds.base, range) : ds.base, THREADS);
    },
    setEf(ef) {
      if (!file) {
        dir = mkdtempSync(join(tmpdir(), 'strata-bench-usearch-'));
        file = join(dir, 'index.usearch');
        index.save(file);
      }
      index = make(ef);
      index.load(file);
    },
    prepare(query) {
      return range ? encode(query, range) : query;
    },
    search(query, k) {
      const [keys, , counts] = index.search(query, k, THREADS);
      const n = Number(counts[0]);
      const out = new Array<number>(n);
      for (let i = 0; i < n; i++) out[i] = Number(keys[i]);
      return out;
    },
    close() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
