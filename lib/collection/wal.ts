/**
 * The write-ahead log: one immutable object per acknowledged write batch, at `wal/{seq}.{writer}` (keys.ts).
 *
 * Invariants:
 * - A batch is validated whole (ids, dimension, finite values) before anything is written (DESIGN.md §4.6), and
 *   Cosine vectors are normalized here, on the way in, so every layer below compares plain dot products (but uint8
 *   Cosine vectors: they keep their bytes, as Qdrant stores them, and are scored by the full cosine, see prepareRow).
 * - The object is written with a create-only PUT before the write is acknowledged (§4.1). An ambiguous PUT (timeout
 *   after the request left) is retried with the same key: `conflict` then means our first attempt landed, which we
 *   confirm by reading it back and comparing bytes (only this writer ever uses its writer id).
 * - Versions: a batch's version is its hybrid-logical-clock `seq` = max(now, highest seq seen + 1), tie-broken by
 *   writer id. A newer (seq, writer) shadows an older one for the same point (§4.2); within one batch the last
 *   occurrence of an id wins, as in Qdrant.
 * - The listing floor (DESIGN.md §3, manifest.ts `walFloor`): a write is acknowledged only if its seq is at least
 *   (writer's clock at acknowledgment − WAL_ACK_WINDOW_MS); a slower PUT fails 'unavailable' instead (its object may
 *   stay below a later floor, unread and unsealed: a failed write is allowed not to apply). With every clock within
 *   MAX_CLOCK_SKEW_MS of true time, an acknowledged object that an optimizer's listing (started at its clock T) did
 *   not see was acknowledged after T, so its seq ≥ T − WAL_FLOOR_LAG_MS. That is why the optimizer may record
 *   `walFloor = T − WAL_FLOOR_LAG_MS` and readers list `wal/` from there: nothing unsealed can appear below it, not
 *   even a late writer's object whose lagging clock sorts it below objects already sealed. Writers also fold the
 *   floor of the manifest they read into their clock, so a clock that lags by more than the skew bound still
 *   writes above every floor already committed (only a seal racing the write relies on the bound).
 * - Payload operations and deletes by filter are resolved by the writer against the state it reads (service.ts)
 *   into full-point upserts and id deletes, so the log holds only two record kinds. The race this allows: two
 *   concurrent payload updates of the same point both read version A and each writes a full point; the newer
 *   (seq, writer) wins whole, so the other's payload change is lost (last-writer-wins per point, never a torn point).
 *
 * Object layout (little-endian). Version 1 is what a batch of unnamed vectors held by every point is written as (byte
 * for byte what this module wrote before named vectors); version 2 carries any number of named vector blocks;
 * version 3 is version 2's layout whose block headers may carry `counts` (rows per holding point: a multivector
 * block, lib/model/multivector.ts), written only when a batch holds a multivector; version 4 is version 3 plus sparse
 * vector blocks, written only when a batch holds a sparse vector (with or without multivectors). Each version is
 * written only when a batch needs it, so every other batch keeps its version 1, 2 or 3 bytes, and a reader that
 * predates a version refuses its objects instead of misreading them. (The sparse branch first numbered its layout 3
 * too; multivectors reached main first, so sparse records became 4: one number, one layout.) All four are read.
 *
 * | offset   | size        | field (version 1)                                                       |
 * |----------|-------------|-------------------------------------------------------------------------|
 * | 0        | 4           | magic `SWAL`                                                            |
 * | 4        | 2           | format version (1)                                                      |
 * | 6        | 2           | reserved (0)                                                            |
 * | 8        | 4           | dim                                                                     |
 * | 12       | 4           | n = number of upserted points (rows of the vector block)                |
 * | 16       | 4           | J = byte length of the JSON header                                      |
 * | 20       | 4           | CRC-32 of every byte from offset 24 to the end                          |
 * | 24       | J           | UTF-8 JSON: {incarnation, seq, writer, ids, payloads, deletes}          |
 * | 24+J     | 0–3         | zero padding to a multiple of 4                                         |
 * | aligned  | n × dim × 4 | float32 vectors, row i belongs to ids[i]                                |
 *
 * | offset   | size        | field (version 2)                                                       |
 * |----------|-------------|-------------------------------------------------------------------------|
 * | 0        | 4           | magic `SWAL`                                                            |
 * | 4        | 2           | format version (2)                                                      |
 * | 6        | 2           | reserved (0)                                                            |
 * | 8        | 4           | B = number of vector blocks                                             |
 * | 12       | 4           | n = number of upserted points                                           |
 * | 16       | 4           | J = byte length of the JSON header                                      |
 * | 20       | 4           | CRC-32 of every byte from offset 24 to the end                          |
 * | 24       | J           | UTF-8 JSON: {incarnation, seq, writer, ids, payloads, deletes,          |
 * |          |             |   vectors: [{name, dim, points}]} (points: indices into ids, or null =  |
 * |          |             |   every point holds this vector)                                        |
 * | 24+J     | 0–3         | zero padding to a multiple of 4                                         |
 * | aligned  | Σ rows×dim×4| float32 rows of each block in order; row r of a block belongs to        |
 * |          |             |   ids[points[r]] (ids[r] when points is null)                           |
 *
 * Version 3: as version 2, each block header `{name, dim, points, counts?}`; with `counts`, the block holds
 * Σ counts rows and holder k owns the next counts[k] of them.
 *
 * Any version's JSON may carry `generations` ({name: generation}, the non-zero ones of the config the batch was
 * validated against; lib/model/vector-generations.ts): written only once a vector name was added to the live
 * collection, so every other batch keeps its bytes; a reader that predates it ignores the key.
 *
 * Version 4 = version 3 with `sparse: [{name, points, nnz}]` in the JSON (nnz: entries of each row) and, after the
 * dense rows, per sparse block: Σnnz u32 dimension ids, then Σnnz float32 weights (rows in order, each sorted by
 * dimension id).
 *
 * Version 5 = version 4 (sparse blocks optional) whose dense block headers may carry `datatype` (`float16` or
 * `uint8`, the vector's storage type): such a block's rows are stored in that type, a float16 value as its IEEE
 * half bit pattern (u16), a uint8 value as its byte, instead of float32 (half, or a quarter, of the bytes). Every
 * dense block is then padded with zeros to a multiple of 4 bytes, so the blocks after it stay aligned. Written only
 * when a batch holds such a block; a block is typed only when every value is exactly representable in the type
 * (prepareRow already converted it, lib/model/datatype.ts), so decoding gives back the very float32 values that were
 * prepared: the tail scores what the sealed segment will store (its writer encodes with the same float16Bits). Rows
 * that are not representable (a uint8 Cosine row normalized by a build before datatypes, rewritten by a payload
 * update) are written as float32, as before.
 */
import { align4, checkMagic, crc32, le, writeMagic } from '../binary/binary-format.js';
import { FLOAT16_VALUES, elementBytes, float16Bits, normalizeInPlace, representableAs } from '../distance/index.js';
import { dimensionMismatch, internal, invalid, malformed } from '../model/errors.js';
import { isMultiValue, wrongMulti } from '../model/multivector.js';
import type { Payload } from '../model/payload.js';
import { type PointId, requirePointId } from '../model/point-id.js';
import type { PointStruct, VectorRows } from '../model/points.js';
import type { CollectionConfig } from '../model/collection-config.js';
import { applyDatatype } from '../model/datatype.js';
import { type VectorSpace, findVectorSpace, vectorSpace, vectorSpaces } from '../model/vector-spaces.js';
import { sparseSpaces } from '../model/sparse-spaces.js';
import { type SparseVector, isSparse, looksSparse, parseSparseVector, wrongSparse } from '../model/sparse-vector.js';

/** Longest time from choosing a batch's seq to acknowledging it (writer's clock); slower writes are refused. */
export const WAL_ACK_WINDOW_MS = 60_000;
/** Largest clock error, against true time, of any writer or optimizer (AWS hosts sync to well under a second). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** How far below an optimizer's clock at listing time an unsealed acknowledged object can still sort. */
export const WAL_FLOOR_LAG_MS = WAL_ACK_WINDOW_MS + 2 * MAX_CLOCK_SKEW_MS;

const MAGIC = 'SWAL';
const FORMAT_VERSION = 2;
const UNNAMED_VERSION = 1;
const MULTI_VERSION = 3;
const SPARSE_VERSION = 4;
const TYPED_VERSION = 5;
const HEADER_BYTES = 24;
/** float rows are copied in bulk on little-endian hosts (the format's byte order); elsewhere one float at a time */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The rows of one vector name in a batch. */
export interface WalVectorBlock {
  /** '' is the unnamed vector */
  name: string;
  dim: number;
  /** indices into the batch's ids of the points holding this vector, ascending; null: every point */
  points: number[] | null;
  /** rows × dim float32, row r belongs to ids[points[r]] (ids[r] when points is null) */
  data: Float32Array;
  /**
   * a multivector block: holder k (ids[points[k]], or ids[k]) owns counts[k] consecutive rows; absent: one row each
   */
  counts?: number[];
  /**
   * the vector's storage type when not float32: the record stores the rows in it (version 5) when every value is
   * representable; `data` holds float32 values either way
   */
  datatype?: StoredType;
}

/** A datatype a WAL block can store its rows in besides float32. */
type StoredType = 'float16' | 'uint8';

/** The block's storage type as `WalVectorBlock.datatype` spells it (absent for float32). */
const storedTypeOf = (space: VectorSpace): { datatype?: StoredType } =>
  space.datatype === 'float32' ? {} : { datatype: space.datatype };

/** The sparse vectors of one sparse name in a batch. */
export interface WalSparseBlock {
  name: string;
  /** indices into the batch's ids of the points holding this vector, ascending; null: every point */
  points: number[] | null;
  /** row r belongs to ids[points[r]] (ids[r] when points is null); indices sorted */
  rows: SparseVector[];
}

/** One decoded WAL object. */
export interface WalBatch {
  /** the collection incarnation the batch was written for; a batch of an older incarnation is ignored */
  incarnation: string;
  seq: number;
  writer: string;
  ids: PointId[];
  payloads: (Payload | null)[];
  vectors: WalVectorBlock[];
  /** sparse vector blocks (version 3); absent or empty: none */
  sparse?: WalSparseBlock[];
  deletes: PointId[];
  /**
   * the non-zero generations of the config the batch was validated against (lib/model/vector-generations.ts): a
   * block of a name written under another generation than the reader's config has is stale. Absent: all 0.
   */
  generations?: Record<string, number>;
}

/** Orders two versions (seq, writer): negative when a is older. */
export function compareVersions(aSeq: number, aWriter: string, bSeq: number, bWriter: string): number {
  if (aSeq !== bSeq) return aSeq - bSeq;
  return aWriter < bWriter ? -1 : aWriter > bWriter ? 1 : 0;
}

/**
 * Hybrid logical clock: seq = max(now, last + 1), and `observe` folds in every seq read from the store, so one
 * writer's versions only grow and a writer whose clock lags still orders after what it has seen.
 */
export class HybridClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): number {
    this.last = Math.max(Math.floor(this.now()), this.last + 1);
    return this.last;
  }

  observe(seq: number): void {
    if (seq > this.last) this.last = seq;
  }
}

/** Validated, normalized upserts ready for `encodeWal`; nothing is written until the whole batch passes. */
export interface PreparedUpserts {
  ids: PointId[];
  payloads: (Payload | null)[];
  vectors: WalVectorBlock[];
  sparse?: WalSparseBlock[];
}

/**
 * Validates a whole batch (§4.6) against the collection's vector spaces and copies each name's vectors into one
 * float32 block, normalized for Cosine. A list is the unnamed vector; a map names its vectors (any may be left out).
 */
export function prepareUpserts(points: PointStruct[], config: CollectionConfig): PreparedUpserts {
  if (!Array.isArray(points)) throw malformed('points', 'expected an array of points');
  const ids: PointId[] = new Array(points.length);
  const payloads: (Payload | null)[] = new Array(points.length);
  const spaces = vectorSpaces(config);
  // values[k] holds the rows of holder k (one for a dense name)
  const rows = new Map<string, { points: number[]; values: number[][][] }>(
    spaces.map((s) => [s.name, { points: [], values: [] }]),
  );
  const sparseRows = new Map<string, { points: number[]; rows: SparseVector[] }>(
    sparseSpaces(config).map((s) => [s.name, { points: [], rows: [] }]),
  );
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p === null || typeof p !== 'object') throw malformed(`points[${i}]`, 'expected a point object');
    ids[i] = requirePointId(p.id, `points[${i}].id`);
    for (const [name, v] of vectorEntries(p.vector, `points[${i}].vector`)) {
      const sparse = sparseRows.get(name);
      if (sparse !== undefined) {
        if (!looksSparse(v)) throw wrongSparse();
        sparse.points.push(i);
        sparse.rows.push(parseSparseVector(v, `points[${i}].vector.${name}`));
        continue;
      }
      if (looksSparse(v) && findVectorSpace(config, name) !== undefined) throw wrongSparse();
      const space = vectorSpace(config, name);
      const path = name === '' ? `points[${i}].vector` : `points[${i}].vector.${name}`;
      const value = checkValue(v, space.size, space.multivector, path);
      const r = rows.get(name) as { points: number[]; values: number[][][] };
      r.points.push(i);
      r.values.push(value);
    }
    const payload = p.payload ?? null;
    if (payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) {
      throw malformed(`points[${i}].payload`, 'expected an object');
    }
    payloads[i] = payload;
  }
  const vectors: WalVectorBlock[] = [];
  for (const space of spaces) {
    const r = rows.get(space.name) as { points: number[]; values: number[][][] };
    if (r.points.length === 0) continue;
    const dim = space.size;
    const data = new Float32Array(r.values.reduce((t, v) => t + v.length, 0) * dim);
    let at = 0;
    for (const value of r.values) {
      for (const row of value) {
        for (let j = 0; j < dim; j++) data[at + j] = row[j];
        prepareRow(space, data, at);
        at += dim;
      }
    }
    const holders = r.points.length === points.length ? null : r.points;
    const block: WalVectorBlock = { name: space.name, dim, points: holders, data, ...storedTypeOf(space) };
    if (space.multivector) block.counts = r.values.map((v) => v.length);
    vectors.push(block);
  }
  const sparse: WalSparseBlock[] = [];
  for (const [name, r] of sparseRows) {
    if (r.points.length > 0)
      sparse.push({ name, points: r.points.length === points.length ? null : r.points, rows: r.rows });
  }
  return sparse.length > 0 ? { ids, payloads, vectors, sparse } : { ids, payloads, vectors };
}

/**
 * One row as a space stores it (in place): Cosine normalized, and the datatype's value rule (lib/model/datatype.ts)
 * in Qdrant's order: float16 after normalizing (Qdrant normalizes in float32, then stores f16); uint8 values are
 * converted and NOT normalized: Qdrant keeps the bytes (retrieve returns them) and scores the full cosine on them
 * (lib/distance/stored-kernels.ts storedSimilarityFn). Records written before kept uint8 Cosine rows normalized;
 * the full cosine scores those the same, and a segment stores them as float32 (writer.ts).
 */
export function prepareRow(space: VectorSpace, data: Float32Array, at: number): void {
  const dim = space.size;
  if (space.datatype === 'uint8') applyDatatype('uint8', data, at, at + dim);
  else if (space.distance === 'Cosine') normalizeInPlace(data, at, dim);
  if (space.datatype === 'float16') applyDatatype('float16', data, at, at + dim);
}

/**
 * One query row as the scorers take it (in place): converted to the stored type as Qdrant's scorers convert it,
 * and normalized for Cosine (a uint8 query too: the codes' scorers compare normalized rows; the full cosine does
 * not mind).
 */
export function prepareQueryRow(space: VectorSpace, data: Float32Array, at: number): void {
  prepareRow(space, data, at);
  if (space.datatype === 'uint8' && space.distance === 'Cosine') normalizeInPlace(data, at, space.size);
}

/**
 * Blocks for points whose vectors are already stored (validated and normalized): payload rewrites and vector
 * updates write points back whole. `rows[i]` belongs to `count` points' i-th.
 */
export function blocksOf(rows: readonly VectorRows[], config: CollectionConfig): WalVectorBlock[] {
  const out: WalVectorBlock[] = [];
  for (const space of vectorSpaces(config)) {
    const holders: number[] = [];
    rows.forEach((r, i) => {
      const v = r.get(space.name);
      if (v !== undefined && !isSparse(v)) holders.push(i);
    });
    if (holders.length === 0) continue;
    const values = holders.map((i) => rows[i].get(space.name) as Float32Array);
    const data = new Float32Array(values.reduce((t, v) => t + v.length, 0));
    let at = 0;
    for (const v of values) {
      data.set(v, at);
      at += v.length;
    }
    const block: WalVectorBlock = {
      name: space.name,
      dim: space.size,
      points: holders.length === rows.length ? null : holders,
      data,
      // rows read back from the store: the encoder keeps float32 for any that the type cannot hold exactly
      ...storedTypeOf(space),
    };
    if (space.multivector) block.counts = values.map((v) => v.length / space.size);
    out.push(block);
  }
  return out;
}

/** Sparse blocks for points whose vectors are already stored (validated, sorted); see `blocksOf`. */
export function sparseBlocksOf(rows: readonly VectorRows[], config: CollectionConfig): WalSparseBlock[] {
  const out: WalSparseBlock[] = [];
  for (const space of sparseSpaces(config)) {
    const holders: number[] = [];
    const vs: SparseVector[] = [];
    rows.forEach((r, i) => {
      const v = r.get(space.name);
      if (v !== undefined && isSparse(v)) {
        holders.push(i);
        vs.push(v);
      }
    });
    if (holders.length > 0)
      out.push({ name: space.name, points: holders.length === rows.length ? null : holders, rows: vs });
  }
  return out;
}

/** Upserts of whole points already stored (payload rewrites, vector updates): dense and sparse blocks. */
export function storedUpserts(
  points: readonly { id: PointId; payload: Payload | null; vectors: VectorRows | null }[],
  config: CollectionConfig,
): PreparedUpserts {
  const rows = points.map((p) => p.vectors ?? new Map());
  const sparse = sparseBlocksOf(rows, config);
  return {
    ids: points.map((p) => p.id),
    payloads: points.map((p) => p.payload),
    vectors: blocksOf(rows, config),
    ...(sparse.length > 0 ? { sparse } : {}),
  };
}

/** The prepared upserts at the indices where `keep` is true (update_mode / update_filter drop the others). */
export function selectUpserts(p: PreparedUpserts, keep: readonly boolean[]): PreparedUpserts {
  const index = new Int32Array(p.ids.length).fill(-1);
  let n = 0;
  keep.forEach((k, i) => {
    if (k) index[i] = n++;
  });
  const vectors: WalVectorBlock[] = [];
  for (const b of p.vectors) {
    const points: number[] = [];
    const kept: Float32Array[] = [];
    const values = holderValues(b, p.ids.length);
    for (let k = 0; k < values.length; k++) {
      const i = b.points === null ? k : b.points[k];
      if (index[i] >= 0) {
        points.push(index[i]);
        kept.push(values[k]);
      }
    }
    if (kept.length === 0) continue;
    const data = new Float32Array(kept.reduce((t, v) => t + v.length, 0));
    let at = 0;
    for (const v of kept) {
      data.set(v, at);
      at += v.length;
    }
    const block: WalVectorBlock = { name: b.name, dim: b.dim, points: points.length === n ? null : points, data };
    if (b.counts !== undefined) block.counts = kept.map((v) => v.length / b.dim);
    if (b.datatype !== undefined) block.datatype = b.datatype;
    vectors.push(block);
  }
  const sparse: WalSparseBlock[] = [];
  for (const b of p.sparse ?? []) {
    const points: number[] = [];
    const rows: SparseVector[] = [];
    b.rows.forEach((v, r) => {
      const i = b.points === null ? r : b.points[r];
      if (index[i] >= 0) {
        points.push(index[i]);
        rows.push(v);
      }
    });
    if (rows.length > 0) sparse.push({ name: b.name, points: points.length === n ? null : points, rows });
  }
  return {
    ids: p.ids.filter((_, i) => keep[i]),
    payloads: p.payloads.filter((_, i) => keep[i]),
    vectors,
    ...(sparse.length > 0 ? { sparse } : {}),
  };
}

/**
 * Each holder's value in a block, as views (no copy): one row of `dim`, or a multivector holder's counts[k] rows.
 * Holder k is ids[points[k]] (ids[k] when points is null).
 */
export function holderValues(b: WalVectorBlock, n: number): Float32Array[] {
  const holders = b.points === null ? n : b.points.length;
  const out: Float32Array[] = new Array(holders);
  let at = 0;
  for (let k = 0; k < holders; k++) {
    const len = (b.counts === undefined ? 1 : b.counts[k]) * b.dim;
    out[k] = b.data.subarray(at, at + len);
    at += len;
  }
  return out;
}

/** The (name, row) pairs of a VectorStruct: a list is the unnamed vector, a map names each of its rows. */
function vectorEntries(v: unknown, path: string): [string, unknown][] {
  if (Array.isArray(v)) return [['', v]];
  if (v !== null && typeof v === 'object') return Object.entries(v);
  throw malformed(path, 'expected a vector: an array of numbers, or an object of named vectors');
}

/**
 * A caller's value for a name as its rows, checked (Qdrant's rules, lib/model/multivector.ts): a dense name takes one
 * row; a multivector name takes a non-empty list of rows, or a dense vector as one row.
 */
function checkValue(v: unknown, dim: number, multivector: boolean, path: string): number[][] {
  if (!isMultiValue(v)) {
    checkRow(v, dim, path);
    return [v as number[]];
  }
  if (!multivector) throw wrongMulti();
  v.forEach((row, r) => checkRow(row, dim, `${path}[${r}]`));
  return v;
}

function checkRow(v: unknown, dim: number, path: string): void {
  if (!Array.isArray(v)) throw malformed(path, 'expected a vector: an array of numbers');
  if (v.length > 0 && Array.isArray(v[0])) throw malformed(path, 'expected a vector: an array of numbers');
  if (v.length !== dim) throw dimensionMismatch(dim, v.length, path);
  // one cheap test per float (x - x is 0 only for a finite number; a float32 overflow rounds to an infinity): a batch
  // upsert checks millions of them
  for (let j = 0; j < dim; j++) {
    const x = v[j];
    if (typeof x === 'number' && Math.fround(x) - Math.fround(x) === 0) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw malformed(`${path}[${j}]`, 'expected a finite number');
    throw invalid({ path: `${path}[${j}]`, detail: `${x} overflows float32` });
  }
}

/** Bytes a dense block of `values` values takes: float32, or its stored type padded to 4 bytes (version 5). */
const blockBytes = (values: number, type: StoredType | null): number =>
  type === null ? values * 4 : align4(values * elementBytes(type));

/** Rows of a block: how many float32 rows it holds in a batch of `n` points. */
const blockRows = (b: WalVectorBlock, n: number): number =>
  b.counts !== undefined ? b.counts.reduce((t, c) => t + c, 0) : b.points === null ? n : b.points.length;

/** A batch whose only block is the unnamed (single-row) vector of every point keeps version 1's bytes. */
const isVersion1 = (batch: WalBatch): boolean =>
  batch.vectors.length === 1 &&
  batch.vectors[0].name === '' &&
  batch.vectors[0].points === null &&
  batch.vectors[0].counts === undefined;

export function encodeWal(batch: WalBatch): Uint8Array {
  const { ids, payloads, vectors } = batch;
  if (payloads.length !== ids.length) throw internal('WAL batch: payloads do not match ids');
  for (const b of vectors) {
    if (b.data.length !== blockRows(b, ids.length) * b.dim) throw internal(`WAL batch: vector block ${b.name} size`);
  }
  const sparse = batch.sparse ?? [];
  // the type each block's rows are written in (version 5); null: float32
  const types = vectors.map((b) =>
    b.datatype !== undefined && representableAs(b.datatype, b.data) ? b.datatype : null,
  );
  const v5 = types.some((t) => t !== null);
  const v4 = !v5 && sparse.length > 0;
  const v1 = !v5 && !v4 && (isVersion1(batch) || (vectors.length === 0 && ids.length === 0));
  const multi = vectors.some((b) => b.counts !== undefined);
  for (const b of sparse) {
    if (b.rows.length !== (b.points === null ? ids.length : b.points.length)) {
      throw internal(`WAL batch: sparse block ${b.name} size`);
    }
  }
  const head: Record<string, unknown> = {
    incarnation: batch.incarnation,
    seq: batch.seq,
    writer: batch.writer,
    ids,
    payloads,
    deletes: batch.deletes,
  };
  // absent unless a name was added to the live collection, so every other batch keeps its bytes
  if (batch.generations !== undefined) head.generations = batch.generations;
  if (!v1) {
    head.vectors = vectors.map((b, k) => ({
      name: b.name,
      dim: b.dim,
      points: b.points,
      ...(b.counts !== undefined ? { counts: b.counts } : {}),
      ...(types[k] !== null ? { datatype: types[k] } : {}),
    }));
  }
  if (v4 || (v5 && sparse.length > 0))
    head.sparse = sparse.map((b) => ({ name: b.name, points: b.points, nnz: b.rows.map((r) => r.indices.length) }));
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const vecOff = align4(HEADER_BYTES + json.length);
  const denseBytes = vectors.reduce((n, b, k) => n + blockBytes(b.data.length, types[k]), 0);
  const entries = sparse.reduce((n, b) => n + b.rows.reduce((m, r) => m + r.indices.length, 0), 0);
  const out = new Uint8Array(vecOff + denseBytes + entries * 8);
  const view = le(out);
  writeMagic(out, MAGIC);
  const version = v5
    ? TYPED_VERSION
    : v1
      ? UNNAMED_VERSION
      : v4
        ? SPARSE_VERSION
        : multi
          ? MULTI_VERSION
          : FORMAT_VERSION;
  view.setUint16(4, version, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, v1 ? (vectors[0]?.dim ?? 0) : vectors.length, true);
  view.setUint32(12, ids.length, true);
  view.setUint32(16, json.length, true);
  out.set(json, HEADER_BYTES);
  let at = vecOff;
  vectors.forEach((b, k) => {
    const type = types[k];
    if (type === 'float16')
      for (let i = 0; i < b.data.length; i++) view.setUint16(at + i * 2, float16Bits(b.data[i]), true);
    else if (type === 'uint8') out.set(b.data, at);
    else if (HOST_LE) new Float32Array(out.buffer, at, b.data.length).set(b.data);
    else for (let i = 0; i < b.data.length; i++) view.setFloat32(at + i * 4, b.data[i], true);
    at += blockBytes(b.data.length, type);
  });
  for (const b of sparse) {
    for (const r of b.rows) for (let i = 0; i < r.indices.length; i++, at += 4) view.setUint32(at, r.indices[i], true);
    for (const r of b.rows) for (let i = 0; i < r.values.length; i++, at += 4) view.setFloat32(at, r.values[i], true);
  }
  view.setUint32(20, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}

export function decodeWal(bytes: Uint8Array, key = 'WAL object'): WalBatch {
  if (bytes.length < HEADER_BYTES) throw internal(`${key}: truncated (${bytes.length} bytes)`);
  checkMagic(bytes, MAGIC, key);
  const view = le(bytes);
  const version = view.getUint16(4, true);
  if (
    version !== FORMAT_VERSION &&
    version !== UNNAMED_VERSION &&
    version !== MULTI_VERSION &&
    version !== SPARSE_VERSION &&
    version !== TYPED_VERSION
  ) {
    throw internal(`${key}: unsupported format version ${version}`);
  }
  const n = view.getUint32(12, true);
  const jsonLen = view.getUint32(16, true);
  const vecOff = align4(HEADER_BYTES + jsonLen);
  if (bytes.length < vecOff) throw internal(`${key}: length ${bytes.length} does not match header`);
  if (crc32(bytes.subarray(HEADER_BYTES)) !== view.getUint32(20, true)) throw internal(`${key}: checksum mismatch`);
  const head = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, jsonLen).toString('utf8')) as {
    incarnation: string;
    seq: number;
    writer: string;
    ids: PointId[];
    payloads: (Payload | null)[];
    deletes: PointId[];
    vectors?: { name: string; dim: number; points: number[] | null; counts?: number[]; datatype?: unknown }[];
    sparse?: { name: string; points: number[] | null; nnz: number[] }[];
    generations?: Record<string, number>;
  };
  if (head.generations !== undefined && !validGenerations(head.generations)) {
    throw internal(`${key}: generations is not a map of names to generations`);
  }
  const blocks =
    version === UNNAMED_VERSION
      ? n === 0 && view.getUint32(8, true) === 0
        ? []
        : [{ name: '', dim: view.getUint32(8, true), points: null }]
      : (head.vectors ?? []);
  if (version !== UNNAMED_VERSION && blocks.length !== view.getUint32(8, true)) {
    throw internal(`${key}: ${blocks.length} vector blocks, header says ${view.getUint32(8, true)}`);
  }
  if (head.ids.length !== n) throw internal(`${key}: ${head.ids.length} ids for ${n} points`);
  const types = blocks.map((b): StoredType | null => {
    if (version !== TYPED_VERSION || !('datatype' in b) || b.datatype === undefined) return null;
    if (b.datatype !== 'float16' && b.datatype !== 'uint8') {
      throw internal(`${key}: vector block ${b.name} has unknown datatype ${String(b.datatype)}`);
    }
    return b.datatype;
  });
  const denseBytes = blocks.reduce((t, b, k) => t + blockBytes(blockRows(b as WalVectorBlock, n) * b.dim, types[k]), 0);
  const sparseHead = version >= SPARSE_VERSION ? (head.sparse ?? []) : [];
  const entries = sparseHead.reduce((t, b) => t + b.nnz.reduce((m, k) => m + k, 0), 0);
  if (bytes.length !== vecOff + denseBytes + entries * 8) {
    throw internal(`${key}: length ${bytes.length} does not match header`);
  }
  let at = vecOff;
  const vectors: WalVectorBlock[] = blocks.map((b, k) => {
    const floatsOf = blockRows(b as WalVectorBlock, n) * b.dim;
    const type = types[k];
    // a copy: the rows outlive the object's bytes, and `at` need not be 4-aligned in their buffer
    const data =
      type === 'float16'
        ? Float32Array.from({ length: floatsOf }, (_, i) => FLOAT16_VALUES[view.getUint16(at + i * 2, true)])
        : type === 'uint8'
          ? Float32Array.from(bytes.subarray(at, at + floatsOf))
          : HOST_LE
            ? new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + floatsOf * 4))
            : Float32Array.from({ length: floatsOf }, (_, i) => view.getFloat32(at + i * 4, true));
    at += blockBytes(floatsOf, type);
    const block: WalVectorBlock = { name: b.name, dim: b.dim, points: b.points, data };
    if (version >= MULTI_VERSION && b.counts !== undefined) block.counts = b.counts;
    if (type !== null) block.datatype = type;
    return block;
  });
  const sparse: WalSparseBlock[] = sparseHead.map((b) => {
    const total = b.nnz.reduce((m, k) => m + k, 0);
    const indices = new Uint32Array(total);
    const values = new Float32Array(total);
    for (let i = 0; i < total; i++, at += 4) indices[i] = view.getUint32(at, true);
    for (let i = 0; i < total; i++, at += 4) values[i] = view.getFloat32(at, true);
    let from = 0;
    const rows = b.nnz.map((k) => {
      const r = { indices: indices.subarray(from, from + k), values: values.subarray(from, from + k) };
      from += k;
      return r;
    });
    return { name: b.name, points: b.points, rows };
  });
  const { vectors: _blocks, sparse: _sparse, ...rest } = head;
  return sparse.length > 0 ? { ...rest, vectors, sparse } : { ...rest, vectors };
}

function validGenerations(g: unknown): boolean {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) return false;
  return Object.values(g).every((v) => Number.isSafeInteger(v) && (v as number) > 0);
}
