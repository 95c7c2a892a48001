/**
 * The write-ahead log: one immutable object per acknowledged write batch, at `wal/{seq}.{writer}` (keys.ts).
 *
 * Invariants:
 * - A batch is validated whole (ids, dimension, finite values) before anything is written (DESIGN.md §4.6), and
 *   Cosine vectors are normalized here, on the way in, so every layer below compares plain dot products.
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
 * Object layout (little-endian):
 *
 * | offset   | size        | field                                                                   |
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
 */
import { align4, checkMagic, crc32, le, writeMagic } from '../binary/binary-format.js';
import { normalizeInPlace } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { dimensionMismatch, internal, invalid, malformed } from '../model/errors.js';
import type { Payload } from '../model/payload.js';
import { type PointId, requirePointId } from '../model/point-id.js';
import type { PointStruct } from '../model/points.js';

/** Longest time from choosing a batch's seq to acknowledging it (writer's clock); slower writes are refused. */
export const WAL_ACK_WINDOW_MS = 60_000;
/** Largest clock error, against true time, of any writer or optimizer (AWS hosts sync to well under a second). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** How far below an optimizer's clock at listing time an unsealed acknowledged object can still sort. */
export const WAL_FLOOR_LAG_MS = WAL_ACK_WINDOW_MS + 2 * MAX_CLOCK_SKEW_MS;

const MAGIC = 'SWAL';
const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;

/** One decoded WAL object. `vectors` is n × dim row-major; row i is the vector of `ids[i]`. */
export interface WalBatch {
  /** the collection incarnation the batch was written for; a batch of an older incarnation is ignored */
  incarnation: string;
  seq: number;
  writer: string;
  dim: number;
  ids: PointId[];
  payloads: (Payload | null)[];
  vectors: Float32Array;
  deletes: PointId[];
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
  vectors: Float32Array;
}

/** Validates a whole batch (§4.6) and copies the vectors into one float32 block, normalized for Cosine. */
export function prepareUpserts(points: PointStruct[], dim: number, distance: Distance): PreparedUpserts {
  if (!Array.isArray(points)) throw malformed('points', 'expected an array of points');
  const ids: PointId[] = new Array(points.length);
  const payloads: (Payload | null)[] = new Array(points.length);
  const vectors = new Float32Array(points.length * dim);
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p === null || typeof p !== 'object') throw malformed(`points[${i}]`, 'expected a point object');
    ids[i] = requirePointId(p.id, `points[${i}].id`);
    const v: unknown = p.vector;
    if (!Array.isArray(v)) {
      throw malformed(`points[${i}].vector`, 'expected a vector: an array of numbers');
    }
    if (v.length !== dim) throw dimensionMismatch(dim, v.length, `points[${i}].vector`);
    const off = i * dim;
    for (let j = 0; j < dim; j++) {
      const x = v[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw malformed(`points[${i}].vector[${j}]`, 'expected a finite number');
      }
      vectors[off + j] = x;
      if (!Number.isFinite(vectors[off + j])) {
        throw invalid({ path: `points[${i}].vector[${j}]`, detail: `${x} overflows float32` });
      }
    }
    if (distance === 'Cosine') normalizeInPlace(vectors, off, dim);
    const payload = p.payload ?? null;
    if (payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) {
      throw malformed(`points[${i}].payload`, 'expected an object');
    }
    payloads[i] = payload;
  }
  return { ids, payloads, vectors };
}

export function encodeWal(batch: WalBatch): Uint8Array {
  const { dim, ids, payloads, vectors } = batch;
  if (vectors.length !== ids.length * dim || payloads.length !== ids.length) {
    throw internal('WAL batch: vectors/payloads do not match ids');
  }
  const json = Buffer.from(
    JSON.stringify({
      incarnation: batch.incarnation,
      seq: batch.seq,
      writer: batch.writer,
      ids,
      payloads,
      deletes: batch.deletes,
    }),
    'utf8',
  );
  const vecOff = align4(HEADER_BYTES + json.length);
  const out = new Uint8Array(vecOff + vectors.length * 4);
  const view = le(out);
  writeMagic(out, MAGIC);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, dim, true);
  view.setUint32(12, ids.length, true);
  view.setUint32(16, json.length, true);
  out.set(json, HEADER_BYTES);
  for (let i = 0; i < vectors.length; i++) view.setFloat32(vecOff + i * 4, vectors[i], true);
  view.setUint32(20, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}

export function decodeWal(bytes: Uint8Array, key = 'WAL object'): WalBatch {
  if (bytes.length < HEADER_BYTES) throw internal(`${key}: truncated (${bytes.length} bytes)`);
  checkMagic(bytes, MAGIC, key);
  const view = le(bytes);
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) throw internal(`${key}: unsupported format version ${version}`);
  const dim = view.getUint32(8, true);
  const n = view.getUint32(12, true);
  const jsonLen = view.getUint32(16, true);
  const vecOff = align4(HEADER_BYTES + jsonLen);
  if (bytes.length !== vecOff + n * dim * 4) throw internal(`${key}: length ${bytes.length} does not match header`);
  if (crc32(bytes.subarray(HEADER_BYTES)) !== view.getUint32(20, true)) throw internal(`${key}: checksum mismatch`);
  const head = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, jsonLen).toString('utf8')) as {
    incarnation: string;
    seq: number;
    writer: string;
    ids: PointId[];
    payloads: (Payload | null)[];
    deletes: PointId[];
  };
  if (head.ids.length !== n) throw internal(`${key}: ${head.ids.length} ids for ${n} vectors`);
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = view.getFloat32(vecOff + i * 4, true);
  return { ...head, dim, vectors };
}
