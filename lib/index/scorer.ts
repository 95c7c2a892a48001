/**
 * Query scorers: the similarity (larger = closer) of one fixed query to stored vector `id`. HNSW, exact search and
 * rescoring are generic over this interface, so the same walk runs on int8 codes (lib/quantization's Int8Scorer
 * satisfies it structurally) or on float32 originals, in memory or paged.
 *
 * A scorer whose rows may not be resident exposes `prefetch`, which the async search calls (and awaits) with a node's
 * neighbour list before scoring them; an in-memory scorer omits it and the hot loop never awaits.
 */
import { dot, l1, l2sq, normalized, SIMD_BATCH, type SimdArena, simdArenaOf, similarityFn } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import type { SimilarityFn } from '../distance/index.js';
import { internal, invalid } from '../model/errors.js';

export interface QueryScorer {
  score(id: number): number;
  /**
   * out[j] = score(ids[start + j]) for j < count, the same values as score() would give; lets a scorer score a whole
   * neighbour list in one call (the SIMD kernels). Optional: searches fall back to score().
   */
  scoreMany?(ids: Uint32Array, start: number, count: number, out: Float64Array): void;
  /**
   * A buffer scoreMany reads in place (no copy) when it is passed as `ids` with start 0 (the SIMD arena's id slot). A
   * caller may fill up to its length with ids and score them synchronously; it is shared, so nothing may run between
   * filling it and reading the results.
   */
  readonly scratchIds?: Uint32Array;
  /**
   * Where scoreMany writes its results itself (the arena's result slot): a caller that passes it as `out`, with
   * `scratchIds` as ids (start 0, count at most its length), reads the results in place, without a copy. Shared like
   * `scratchIds`: read the results before anything else scores.
   */
  readonly scratchScores?: Float64Array;
  /**
   * Makes rows ids[start, start+count) resident before score() is called on them. Returns a promise only when
   * something must be fetched.
   */
  prefetch?(ids: Uint32Array, start: number, count: number): Promise<void> | void;
  /**
   * Present on in-memory scorers whose rows sit in a SIMD arena: what the wasm layer-0 walk (wasm-walk.ts) needs to
   * score exactly as scoreMany does, inside wasm. Undefined when the scorer cannot say (JS kernels, paged rows).
   */
  walkSource?(): WalkSource | undefined;
}

/**
 * A scorer's rows as the wasm walk reads them: bytes [0, dataBytes) of `arena` hold everything the kernel reads
 * besides the query (rows, and the int8 corrections), so a copy of them scores the same. Byte addresses throughout.
 */
export interface WalkSource {
  readonly arena: SimdArena;
  readonly dataBytes: number;
  /** the kernel: 0 the int8 estimate (est_u8_wide over a code set), 1 dot_f64, 2 l2_f64 negated (Euclid) */
  readonly kind: 0 | 1 | 2;
  readonly rows: number;
  readonly rowBytes: number;
  /** est_u8_wide's corrections, multiplier and query term (0 for the float kernels) */
  readonly corr: number;
  readonly mult: number;
  readonly kq: number;
  /** the bytes the kernel reads as the query */
  readonly query: Uint8Array;
}

/** Cosine queries are normalized like the stored vectors; other distances use the query as given. */
export function prepareQuery(distance: Distance, query: ArrayLike<number>): Float32Array {
  return distance === 'Cosine' ? normalized(query) : new Float32Array(query);
}

/**
 * Float32 originals held in memory as one flat row-major n × dim matrix. One class per distance so that score() calls
 * its kernel directly and V8 inlines it (a kernel held in a field is an indirect call: measured ~1.3× slower here).
 */
export abstract class FloatScorer implements QueryScorer {
  protected readonly query: Float32Array;

  constructor(
    protected readonly data: Float32Array,
    protected readonly dim: number,
    distance: Distance,
    query: ArrayLike<number>,
  ) {
    if (query.length !== dim) throw invalid(`query has ${query.length} dimensions, expected ${dim}`);
    this.query = prepareQuery(distance, query);
  }

  abstract score(id: number): number;
}

class DotScorer extends FloatScorer {
  score(id: number): number {
    return dot(this.query, 0, this.data, id * this.dim, this.dim);
  }
}

class EuclidScorer extends FloatScorer {
  score(id: number): number {
    return -l2sq(this.query, 0, this.data, id * this.dim, this.dim);
  }
}

class ManhattanScorer extends FloatScorer {
  score(id: number): number {
    return -l1(this.query, 0, this.data, id * this.dim, this.dim);
  }
}

/**
 * Dot / Euclid over rows placed in a SIMD arena (lib/distance simdRows), a neighbour list per wasm call. The kernels
 * sum in float64 in the JS kernels' order, so every score is bit-identical to DotScorer's / EuclidScorer's: a segment
 * answers the same whether its originals are in an arena, in plain memory or in pages.
 */
class SimdFloatScorer extends FloatScorer {
  private readonly arena: SimdArena;
  private readonly euclid: boolean;
  readonly scratchIds: Uint32Array;
  readonly scratchScores: Float64Array;
  private readonly one = new Float64Array(1);
  private readonly oneId = new Uint32Array(1);

  constructor(arena: SimdArena, data: Float32Array, dim: number, distance: Distance, query: ArrayLike<number>) {
    super(data, dim, distance, query);
    this.arena = arena;
    this.scratchIds = arena.ids;
    this.scratchScores = arena.outF64;
    this.euclid = distance === 'Euclid';
  }

  walkSource(): WalkSource {
    const q = this.query;
    return {
      arena: this.arena,
      dataBytes: this.data.byteOffset + this.data.byteLength,
      kind: this.euclid ? 2 : 1,
      rows: this.data.byteOffset,
      rowBytes: this.dim * 4,
      corr: 0,
      mult: 0,
      kq: 0,
      query: new Uint8Array(q.buffer, q.byteOffset, q.byteLength),
    };
  }

  score(id: number): number {
    this.oneId[0] = id;
    this.scoreMany(this.oneId, 0, 1, this.one);
    return this.one[0];
  }

  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena.owner !== this) {
      new Float32Array(arena.buffer, arena.queryOffset, this.dim).set(this.query);
      arena.owner = this;
    }
    const batch = arena.ids;
    const sims = arena.outF64;
    const rows = this.data.byteOffset;
    const rowBytes = this.dim * 4;
    const kernel = this.euclid ? arena.kernels.l2_f64 : arena.kernels.dot_f64;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      kernel(rows, rowBytes, arena.queryOffset, arena.idsOffset, c, arena.outOffset);
      if (this.euclid) for (let j = 0; j < c; j++) out[done + j] = -sims[j];
      else if (out !== sims) for (let j = 0; j < c; j++) out[done + j] = sims[j];
    }
  }
}

/**
 * The in-memory float32 scorer of a distance (Cosine: the query is normalized; stored rows must already be). Rows
 * placed in a SIMD arena (simdRows) get the wasm kernels for Cosine, Dot and Euclid.
 */
export function floatScorer(
  data: Float32Array,
  dim: number,
  distance: Distance,
  query: ArrayLike<number>,
): FloatScorer {
  const arena = distance === 'Manhattan' || dim % 4 !== 0 ? undefined : simdArenaOf(data);
  if (arena !== undefined) return new SimdFloatScorer(arena, data, dim, distance, query);
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return new DotScorer(data, dim, distance, query);
    case 'Euclid':
      return new EuclidScorer(data, dim, distance, query);
    case 'Manhattan':
      return new ManhattanScorer(data, dim, distance, query);
  }
}

/**
 * Float32 rows served in pages that may not be resident (the `vectors` object on disk). `rows(id)` is the Float32Array
 * holding row id at `rowOffset(id)`, or null; `load` fetches the pages holding a batch of rows.
 */
export interface RowSource {
  readonly dim: number;
  rows(id: number): Float32Array | null;
  rowOffset(id: number): number;
  load(ids: ArrayLike<number>): Promise<void>;
}

export class PagedFloatScorer implements QueryScorer {
  private readonly query: Float32Array;
  private readonly sim: SimilarityFn;
  private readonly missing: number[] = [];

  constructor(
    private readonly source: RowSource,
    distance: Distance,
    query: ArrayLike<number>,
  ) {
    if (query.length !== source.dim) throw invalid(`query has ${query.length} dimensions, expected ${source.dim}`);
    this.query = prepareQuery(distance, query);
    this.sim = similarityFn(distance);
  }

  prefetch(ids: Uint32Array, start: number, count: number): Promise<void> | void {
    const missing = this.missing;
    missing.length = 0;
    for (let i = start; i < start + count; i++) if (this.source.rows(ids[i]) === null) missing.push(ids[i]);
    if (missing.length > 0) return this.source.load(missing.slice());
  }

  score(id: number): number {
    const rows = this.source.rows(id);
    if (rows === null) throw internal(`row ${id} scored before it was fetched`);
    return this.sim(this.query, 0, rows, this.source.rowOffset(id), this.source.dim);
  }
}
