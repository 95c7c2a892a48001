/**
 * Loaders for the real ANN datasets kept outside the repository (STRATA_DATASETS_DIR, default `../shared/datasets`
 * beside the checkout), for recall tests and benchmarks. Each folder's README.md documents formats and checksums.
 *
 * - GloVe-100 (angular): 100,000 base and 1,000 query words, gzip text `word v1 … v100`; ground truth ivecs top-100.
 *   Values are parsed as doubles and stored as float32, NOT normalised (callers that need unit vectors normalise).
 * - Fashion-MNIST-784 (Euclidean): IDX3 gzip uint8 images (60,000 train = base, 10,000 t10k = queries) cast to
 *   float32; ground truth ivecs top-100 (and distances fvecs, not squared).
 *
 * Invariants: vectors are row-major float32; ground truth rows hold ids into `base`, ordered by (distance, id).
 * Parsed datasets are cached per process (one promise per dataset), so concurrent callers share one parse.
 * Data is never copied into the repository.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';

const gunzip = promisify(gunzipCb);

export interface Dataset {
  name: string;
  distance: 'Cosine' | 'Euclid';
  dim: number;
  nBase: number;
  /** nBase × dim, row-major. */
  base: Float32Array;
  nQueries: number;
  /** nQueries × dim, row-major. */
  queries: Float32Array;
  /** nQueries × gtK ids into base, each row ordered by (distance, id). */
  groundTruth: Int32Array;
  gtK: number;
}

/** Where the dataset folders live: STRATA_DATASETS_DIR, else `../shared/datasets` relative to the checkout. */
export function datasetsDir(): string {
  const fromEnv = process.env.STRATA_DATASETS_DIR;
  if (fromEnv) return fromEnv;
  return fileURLToPath(new URL('../../../shared/datasets', import.meta.url));
}

export const GLOVE_DIR = 'glove-100-wink';
export const FASHION_DIR = 'fashion-mnist-784';

/** True when the dataset folder exists (tests skip otherwise). */
export function datasetsAvailable(): boolean {
  return existsSync(join(datasetsDir(), GLOVE_DIR)) && existsSync(join(datasetsDir(), FASHION_DIR));
}

// ---------------------------------------------------------------------------------------------------------------
// File formats

/** .ivecs / .fvecs: per row, int32 LE count d then d 4-byte values. Returns the rows packed (n × d) and the shape. */
function readVecsBuffer(buf: Buffer, what: string): { n: number; d: number; data: ArrayBuffer } {
  if (buf.length < 4) throw new Error(`${what}: empty vecs file`);
  const d = buf.readInt32LE(0);
  const rowBytes = 4 + 4 * d;
  if (d <= 0 || buf.length % rowBytes !== 0) throw new Error(`${what}: bad vecs layout (d=${d}, bytes=${buf.length})`);
  const n = buf.length / rowBytes;
  const out = new ArrayBuffer(n * d * 4);
  const dst = new Uint8Array(out);
  for (let i = 0; i < n; i++) {
    const at = i * rowBytes;
    if (buf.readInt32LE(at) !== d) throw new Error(`${what}: row ${i} has a different dimension`);
    dst.set(buf.subarray(at + 4, at + rowBytes), i * d * 4);
  }
  return { n, d, data: out };
}

export async function readIvecs(path: string): Promise<{ n: number; d: number; data: Int32Array }> {
  const { n, d, data } = readVecsBuffer(await readFile(path), path);
  return { n, d, data: new Int32Array(data) };
}

export async function readFvecs(path: string): Promise<{ n: number; d: number; data: Float32Array }> {
  const { n, d, data } = readVecsBuffer(await readFile(path), path);
  return { n, d, data: new Float32Array(data) };
}

/** GloVe text: one `word v1 … vdim` line per vector. The word may not contain spaces; values follow it. */
async function readGloveText(path: string, dim: number, expectedRows: number): Promise<Float32Array> {
  const text = (await gunzip(await readFile(path))).toString('utf8');
  const out = new Float32Array(expectedRows * dim);
  let row = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = len;
    if (eol > pos) {
      if (row >= expectedRows) throw new Error(`${path}: more than ${expectedRows} rows`);
      const fields = text.slice(pos, eol).trimEnd().split(' ');
      if (fields.length !== dim + 1) throw new Error(`${path}: line ${row + 1} has ${fields.length - 1} values`);
      const at = row * dim;
      for (let j = 0; j < dim; j++) {
        const v = Number(fields[j + 1]);
        if (Number.isNaN(v)) throw new Error(`${path}: line ${row + 1} value ${j} is not a number`);
        out[at + j] = v;
      }
      row++;
    }
    pos = eol + 1;
  }
  if (row !== expectedRows) throw new Error(`${path}: expected ${expectedRows} rows, found ${row}`);
  return out;
}

/** IDX3 (big-endian header: magic 2051, n, rows, cols) then n × rows × cols uint8, cast to float32. */
async function readIdxImages(path: string, expectedRows: number): Promise<{ dim: number; data: Float32Array }> {
  const buf = await gunzip(await readFile(path));
  const magic = buf.readUInt32BE(0);
  const n = buf.readUInt32BE(4);
  const dim = buf.readUInt32BE(8) * buf.readUInt32BE(12);
  if (magic !== 2051) throw new Error(`${path}: not an IDX3 image file (magic ${magic})`);
  if (n !== expectedRows) throw new Error(`${path}: expected ${expectedRows} images, found ${n}`);
  if (buf.length !== 16 + n * dim) throw new Error(`${path}: truncated (${buf.length} bytes)`);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < data.length; i++) data[i] = buf[16 + i];
  return { dim, data };
}

// ---------------------------------------------------------------------------------------------------------------
// Loaders (cached per process)

let gloveCache: Promise<Dataset> | undefined;
let fashionCache: Promise<Dataset> | undefined;

export function loadGlove(): Promise<Dataset> {
  gloveCache ??= (async () => {
    const dir = join(datasetsDir(), GLOVE_DIR);
    const dim = 100;
    const [base, queries, gt] = await Promise.all([
      readGloveText(join(dir, 'glove.6B.100d.wink.base100k.txt.gz'), dim, 100_000),
      readGloveText(join(dir, 'glove.6B.100d.wink.query1k.txt.gz'), dim, 1_000),
      readIvecs(join(dir, 'glove.6B.100d.wink.groundtruth.angular.top100.ivecs')),
    ]);
    if (gt.n !== 1_000) throw new Error(`GloVe ground truth has ${gt.n} rows, expected 1000`);
    return {
      name: 'glove-100-angular',
      distance: 'Cosine' as const,
      dim,
      nBase: 100_000,
      base,
      nQueries: 1_000,
      queries,
      groundTruth: gt.data,
      gtK: gt.d,
    };
  })();
  gloveCache.catch(() => (gloveCache = undefined));
  return gloveCache;
}

export function loadFashionMnist(): Promise<Dataset> {
  fashionCache ??= (async () => {
    const dir = join(datasetsDir(), FASHION_DIR);
    const [base, queries, gt] = await Promise.all([
      readIdxImages(join(dir, 'train-images-idx3-ubyte.gz'), 60_000),
      readIdxImages(join(dir, 't10k-images-idx3-ubyte.gz'), 10_000),
      readIvecs(join(dir, 'fashion-mnist.groundtruth.euclidean.top100.ivecs')),
    ]);
    if (gt.n !== 10_000) throw new Error(`Fashion-MNIST ground truth has ${gt.n} rows, expected 10000`);
    return {
      name: 'fashion-mnist-784-euclidean',
      distance: 'Euclid' as const,
      dim: base.dim,
      nBase: 60_000,
      base: base.data,
      nQueries: 10_000,
      queries: queries.data,
      groundTruth: gt.data,
      gtK: gt.d,
    };
  })();
  fashionCache.catch(() => (fashionCache = undefined));
  return fashionCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Brute force, slices, recall

/**
 * Exact top-k of one query by brute force in float64, ordered by (distance, id). Cosine ranks by 1 − cos (monotone
 * in the angle) without normalising the stored vectors; a zero vector has cos 0. Euclid ranks by squared L2.
 * Returns ids and the matching distances (1 − cos, or squared L2).
 */
export function bruteForceTopK(
  ds: Pick<Dataset, 'distance' | 'dim' | 'base'>,
  nBase: number,
  query: Float32Array,
  k: number,
  baseNorms?: Float64Array,
): { ids: Int32Array; distances: Float64Array } {
  const { dim, base } = ds;
  const kk = Math.min(k, nBase);
  // Max-heap of the best kk so far, keyed by (distance, id); the root is the worst kept.
  const hd = new Float64Array(kk);
  const hi = new Int32Array(kk);
  let size = 0;
  const worse = (da: number, ia: number, db: number, ib: number): boolean => da > db || (da === db && ia > ib);
  let qn = 0;
  if (ds.distance === 'Cosine') {
    for (let j = 0; j < dim; j++) qn += query[j] * query[j];
    qn = Math.sqrt(qn);
  }
  for (let i = 0; i < nBase; i++) {
    const at = i * dim;
    let d: number;
    if (ds.distance === 'Cosine') {
      let dot = 0;
      let bn = 0;
      for (let j = 0; j < dim; j++) {
        const b = base[at + j];
        dot += query[j] * b;
        if (!baseNorms) bn += b * b;
      }
      const nb = baseNorms ? baseNorms[i] : Math.sqrt(bn);
      d = qn === 0 || nb === 0 ? 1 : 1 - dot / (qn * nb);
    } else {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const t = query[j] - base[at + j];
        s += t * t;
      }
      d = s;
    }
    if (size < kk) {
      // sift up
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(d, i, hd[p], hi[p])) break;
        hd[c] = hd[p];
        hi[c] = hi[p];
        c = p;
      }
      hd[c] = d;
      hi[c] = i;
    } else if (worse(hd[0], hi[0], d, i)) {
      // replace root, sift down
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(hd[r], hi[r], hd[l], hi[l]) ? r : l;
        if (!worse(hd[m], hi[m], d, i)) break;
        hd[c] = hd[m];
        hi[c] = hi[m];
        c = m;
      }
      hd[c] = d;
      hi[c] = i;
    }
  }
  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) => hd[a] - hd[b] || hi[a] - hi[b]);
  const ids = new Int32Array(size);
  const distances = new Float64Array(size);
  order.forEach((j, r) => {
    ids[r] = hi[j];
    distances[r] = hd[j];
  });
  return { ids, distances };
}

/** Float64 L2 norms of the first n rows (cosine brute force reuses them across queries). */
function rowNorms(data: Float32Array, dim: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j] * data[i * dim + j];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/**
 * The first nBase points and first nQueries queries of `ds`, with exact top-k ground truth recomputed by brute force
 * over the slice (ties by (distance, id); cosine by angle). Vectors are views, not copies. k defaults to ds.gtK and is
 * capped at nBase.
 */
export function slice(ds: Dataset, nBase: number, nQueries: number, k: number = ds.gtK): Dataset {
  if (!(nBase >= 1 && nBase <= ds.nBase)) throw new RangeError(`slice: nBase ${nBase} outside 1..${ds.nBase}`);
  if (!(nQueries >= 0 && nQueries <= ds.nQueries))
    throw new RangeError(`slice: nQueries ${nQueries} outside 0..${ds.nQueries}`);
  const gtK = Math.min(k, nBase);
  const base = ds.base.subarray(0, nBase * ds.dim);
  const queries = ds.queries.subarray(0, nQueries * ds.dim);
  const norms = ds.distance === 'Cosine' ? rowNorms(base, ds.dim, nBase) : undefined;
  const groundTruth = new Int32Array(nQueries * gtK);
  for (let q = 0; q < nQueries; q++) {
    const { ids } = bruteForceTopK(ds, nBase, queries.subarray(q * ds.dim, (q + 1) * ds.dim), gtK, norms);
    groundTruth.set(ids, q * gtK);
  }
  return {
    name: `${ds.name}[${nBase}x${nQueries}]`,
    distance: ds.distance,
    dim: ds.dim,
    nBase,
    base,
    nQueries,
    queries,
    groundTruth,
    gtK,
  };
}

/**
 * Mean recall@k: for each query i, |found[i][0..k) ∩ gt[i][0..k)| / k, averaged over found.length queries
 * (found[i] is query i's result ids, best first; a shorter list just finds fewer). Ties at rank k are not credited.
 */
export function recallAtK(found: ArrayLike<number>[], gt: Int32Array, gtK: number, k: number): number {
  if (k > gtK) throw new RangeError(`recallAtK: k ${k} exceeds ground-truth depth ${gtK}`);
  if (found.length * gtK > gt.length)
    throw new RangeError(`recallAtK: ${found.length} queries but ground truth has ${gt.length / gtK}`);
  if (found.length === 0) return 0;
  let hits = 0;
  const truth = new Set<number>();
  for (let q = 0; q < found.length; q++) {
    truth.clear();
    for (let j = 0; j < k; j++) truth.add(gt[q * gtK + j]);
    const f = found[q];
    const n = Math.min(k, f.length);
    // delete on hit so a duplicated id in a result is credited once
    for (let j = 0; j < n; j++) if (truth.delete(f[j])) hits++;
  }
  return hits / (found.length * k);
}
