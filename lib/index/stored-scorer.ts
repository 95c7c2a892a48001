/**
 * Query scorers over originals stored as float16 or uint8 (vectors-format.ts version 2), in memory or in pages: the
 * float32 query is scored against the stored row directly (lib/distance/stored-kernels.ts), nothing is decoded or
 * copied per row, so a page cache and a worker hold 2 or 1 bytes per value while scores stay bit-identical to the
 * float32 kernels over the decoded rows.
 *
 * One class per (type, distance), as scorer.ts does, so score() calls its kernel directly and V8 inlines it.
 * A scorer over pages that may not be resident has `prefetch`; one over rows in memory does not (the walk never
 * awaits). Rows held whole in a SIMD arena (vectors-format.ts allocates them there, dim a multiple of 4) are scored
 * a batch per wasm call by the f16_f64 / u8_f64 / cos_u8_f64 kernels, bit-identical to the JS kernels, so a row
 * scores the same in memory, in pages and in the coordinator's float32 copy.
 */
import {
  type RowArray,
  SIMD_BATCH,
  STORED_OP,
  type SimdArena,
  cosineU8,
  dotF16,
  dotU8,
  l1F16,
  l1U8,
  l2sqF16,
  l2sqU8,
  simdArenaOf,
  sumSquares,
} from '../distance/index.js';
import type { VectorDatatype } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { internal, invalid } from '../model/errors.js';
import type { QueryScorer } from './scorer.js';
import { prepareQuery } from './scorer.js';

/** Rows in a stored type, maybe paged: `rows(id)` holds row id at `rowOffset(id)`, or is null until loaded. */
export interface StoredRowSource<R extends RowArray = RowArray> {
  readonly dim: number;
  rows(id: number): R | null;
  rowOffset(id: number): number;
  load(ids: ArrayLike<number>): Promise<void>;
}

/** Rows held whole in memory (row id at id·dim). */
export class ResidentRows<R extends RowArray> implements StoredRowSource<R> {
  constructor(
    readonly data: R,
    readonly dim: number,
  ) {}

  rows(): R {
    return this.data;
  }

  rowOffset(id: number): number {
    return id * this.dim;
  }

  load(): Promise<void> {
    return Promise.resolve();
  }
}

abstract class StoredScorer<R extends RowArray> implements QueryScorer {
  protected readonly query: Float32Array;
  protected readonly dim: number;
  readonly prefetch?: (ids: Uint32Array, start: number, count: number) => Promise<void> | void;

  constructor(
    protected readonly source: StoredRowSource<R>,
    distance: Distance,
    query: ArrayLike<number>,
  ) {
    if (query.length !== source.dim) throw invalid(`query has ${query.length} dimensions, expected ${source.dim}`);
    this.dim = source.dim;
    this.query = prepareQuery(distance, query);
    if (!(source instanceof ResidentRows)) {
      const missing: number[] = [];
      this.prefetch = (ids, start, count) => {
        missing.length = 0;
        for (let i = start; i < start + count; i++) if (source.rows(ids[i]) === null) missing.push(ids[i]);
        if (missing.length > 0) return source.load(missing.slice());
      };
    }
  }

  protected row(id: number): R {
    const rows = this.source.rows(id);
    if (rows === null) throw internal(`row ${id} scored before it was fetched`);
    return rows;
  }

  abstract score(id: number): number;
}

class F16Dot extends StoredScorer<Uint16Array> {
  score(id: number): number {
    return dotF16(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

class F16Euclid extends StoredScorer<Uint16Array> {
  score(id: number): number {
    return -l2sqF16(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

class F16Manhattan extends StoredScorer<Uint16Array> {
  score(id: number): number {
    return -l1F16(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

class U8Dot extends StoredScorer<Uint8Array> {
  score(id: number): number {
    return dotU8(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

/** Qdrant's uint8 cosine (rows are the bytes, not normalized); the query's squared norm is summed once. */
class U8Cosine extends StoredScorer<Uint8Array> {
  private readonly qq: number;

  constructor(source: StoredRowSource<Uint8Array>, distance: Distance, query: ArrayLike<number>) {
    super(source, distance, query);
    this.qq = sumSquares(this.query, 0, this.dim);
  }

  score(id: number): number {
    return cosineU8(this.query, 0, this.qq, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

class U8Euclid extends StoredScorer<Uint8Array> {
  score(id: number): number {
    return -l2sqU8(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

class U8Manhattan extends StoredScorer<Uint8Array> {
  score(id: number): number {
    return -l1U8(this.query, 0, this.row(id), this.source.rowOffset(id), this.dim);
  }
}

/**
 * Resident float16 / uint8 rows in a SIMD arena, a neighbour list per wasm call. The kernel is picked once: f16_f64
 * or u8_f64 with the distance's `op`, or uint8 Cosine's cos_u8_f64 with the query's squared norm.
 */
class SimdStoredScorer implements QueryScorer {
  readonly scratchIds: Uint32Array;
  readonly scratchScores: Float64Array;
  private readonly query: Float32Array;
  private readonly rows: number;
  private readonly rowBytes: number;
  /** f16_f64 / u8_f64's op, or -1 for cos_u8_f64 */
  private readonly op: number;
  private readonly qq: number;
  private readonly negate: boolean;
  private readonly one = new Float64Array(1);
  private readonly oneId = new Uint32Array(1);

  constructor(
    private readonly arena: SimdArena,
    data: Uint16Array | Uint8Array,
    dim: number,
    private readonly float16: boolean,
    distance: Distance,
    query: ArrayLike<number>,
  ) {
    if (query.length !== dim) throw invalid(`query has ${query.length} dimensions, expected ${dim}`);
    this.query = prepareQuery(distance, query);
    this.scratchIds = arena.ids;
    this.scratchScores = arena.outF64;
    this.rows = data.byteOffset;
    this.rowBytes = dim * data.BYTES_PER_ELEMENT;
    this.negate = distance === 'Euclid' || distance === 'Manhattan';
    this.op =
      distance === 'Euclid'
        ? STORED_OP.l2sq
        : distance === 'Manhattan'
          ? STORED_OP.l1
          : distance === 'Cosine' && !float16
            ? -1
            : STORED_OP.dot;
    this.qq = this.op === -1 ? sumSquares(this.query, 0, dim) : 0;
  }

  score(id: number): number {
    this.oneId[0] = id;
    this.scoreMany(this.oneId, 0, 1, this.one);
    return this.one[0];
  }

  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena.owner !== this) {
      new Float32Array(arena.buffer, arena.queryOffset, this.query.length).set(this.query);
      arena.owner = this;
    }
    const batch = arena.ids;
    const sims = arena.outF64;
    const k = arena.kernels;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      if (this.op === -1)
        k.cos_u8_f64(this.rows, this.rowBytes, arena.queryOffset, arena.idsOffset, c, arena.outOffset, this.qq);
      else
        (this.float16 ? k.f16_f64 : k.u8_f64)(
          this.rows,
          this.rowBytes,
          arena.queryOffset,
          arena.idsOffset,
          c,
          arena.outOffset,
          this.op,
        );
      if (this.negate) for (let j = 0; j < c; j++) out[done + j] = -sims[j];
      else if (out !== sims) for (let j = 0; j < c; j++) out[done + j] = sims[j];
    }
  }
}

/**
 * The scorer of a float16 or uint8 row source for `distance` (Cosine queries are normalized, as scorer.ts does;
 * float16 Cosine rows were normalized before rounding, uint8 ones are the bytes and get the full cosine).
 */
export function storedScorer(
  source: StoredRowSource,
  datatype: Exclude<VectorDatatype, 'float32'>,
  distance: Distance,
  query: ArrayLike<number>,
): QueryScorer {
  if (source instanceof ResidentRows && source.dim % 4 === 0) {
    const data = source.data as Uint16Array | Uint8Array;
    const arena = simdArenaOf(data);
    if (arena !== undefined)
      return new SimdStoredScorer(arena, data, source.dim, datatype === 'float16', distance, query);
  }
  if (datatype === 'float16') {
    const s = source as StoredRowSource<Uint16Array>;
    if (distance === 'Euclid') return new F16Euclid(s, distance, query);
    if (distance === 'Manhattan') return new F16Manhattan(s, distance, query);
    return new F16Dot(s, distance, query);
  }
  const s = source as StoredRowSource<Uint8Array>;
  switch (distance) {
    case 'Cosine':
      return new U8Cosine(s, distance, query);
    case 'Dot':
      return new U8Dot(s, distance, query);
    case 'Euclid':
      return new U8Euclid(s, distance, query);
    case 'Manhattan':
      return new U8Manhattan(s, distance, query);
  }
}
