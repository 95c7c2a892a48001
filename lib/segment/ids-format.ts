/**
 * The `ids` object: internal offset ↔ external point id, and each point's version.
 *
 * Internal offsets are dense u32 (0..n-1, the row of the point in every other object of the segment); external ids
 * are Qdrant's point ids: unsigned integers (≤ 2^53-1 here) or UUIDs. The two never mix: everything below the
 * segment API speaks offsets, and only this table converts.
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset      | size      | field                                                                    |
 * |-------------|-----------|--------------------------------------------------------------------------|
 * | 0           | 32        | header: magic `STRA_IDS`, version 1, n, CRC-32 of [32, end), a = #numeric, b = #uuid |
 * | 32          | 8·n       | versions: f64 per offset (the point's write version)                     |
 * | 32+8n       | 16·n      | keys: numeric id as u64 LE in bytes 0..8 (8..16 zero), or the UUID's 16 bytes |
 * | 32+24n      | n, pad 8  | kinds: u8 per offset, 0 = numeric, 1 = UUID                              |
 * | K           | 4·a       | offsets of numeric ids, sorted by id ascending                           |
 * | K+4a        | 4·b       | offsets of UUIDs, sorted by their 16 bytes (unsigned lexicographic)      |
 *
 * Invariants: every external id appears once; lookups are binary searches over the sorted offset lists, so the
 * table is used as loaded (no Map is built per container).
 */
import { internal } from '../model/errors.js';
import { formatUuid, parseUuid, type PointId } from '../model/point-id.js';
import { HEADER_BYTES, align8, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';

const MAGIC = 'STRA_IDS';
const VERSION = 1;
const KIND_NUMERIC = 0;
const KIND_UUID = 1;
const TWO_32 = 0x1_0000_0000;

/** A dense internal row number inside one segment (u32); never an external id. */
export type PointOffset = number;

function compareBytes16(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): number {
  for (let i = 0; i < 16; i++) {
    const d = a[aAt + i] - b[bAt + i];
    if (d !== 0) return d;
  }
  return 0;
}

function layout(n: number, a: number, b: number) {
  const versions = HEADER_BYTES;
  const keys = versions + 8 * n;
  const kinds = keys + 16 * n;
  const sortedNumeric = align8(kinds + n);
  const sortedUuid = sortedNumeric + 4 * a;
  const end = sortedUuid + 4 * b;
  return { versions, keys, kinds, sortedNumeric, sortedUuid, end };
}

export function encodeIds(ids: readonly PointId[], versions: ArrayLike<number>): Uint8Array {
  const n = ids.length;
  if (versions.length !== n) throw internal(`ids: ${n} ids but ${versions.length} versions`);
  const kinds = new Uint8Array(n);
  const keys = new Uint8Array(16 * n);
  const keyView = new DataView(keys.buffer);
  const numeric: number[] = [];
  const uuid: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (typeof id === 'number') {
      if (!Number.isSafeInteger(id) || id < 0) throw internal(`ids: point id ${id} is not an unsigned safe integer`);
      keyView.setUint32(16 * i, id % TWO_32, true);
      keyView.setUint32(16 * i + 4, Math.floor(id / TWO_32), true);
      kinds[i] = KIND_NUMERIC;
      numeric.push(i);
    } else {
      const u = parseUuid(id);
      if (!u) throw internal(`ids: point id '${id}' is not a UUID`);
      keys.set(u, 16 * i);
      kinds[i] = KIND_UUID;
      uuid.push(i);
    }
  }
  numeric.sort((x, y) => (ids[x] as number) - (ids[y] as number));
  uuid.sort((x, y) => compareBytes16(keys, 16 * x, keys, 16 * y));
  for (let j = 1; j < numeric.length; j++) {
    if (ids[numeric[j]] === ids[numeric[j - 1]]) throw internal(`ids: duplicate point id ${ids[numeric[j]]}`);
  }
  for (let j = 1; j < uuid.length; j++) {
    if (compareBytes16(keys, 16 * uuid[j], keys, 16 * uuid[j - 1]) === 0) {
      throw internal(`ids: duplicate point id ${formatUuid(keys, 16 * uuid[j])}`);
    }
  }
  const L = layout(n, numeric.length, uuid.length);
  const out = new Uint8Array(L.end);
  new Float64Array(out.buffer, L.versions, n).set(versions);
  out.set(keys, L.keys);
  out.set(kinds, L.kinds);
  new Uint32Array(out.buffer, L.sortedNumeric, numeric.length).set(numeric);
  new Uint32Array(out.buffer, L.sortedUuid, uuid.length).set(uuid);
  writeHeader(out, {
    magic: MAGIC,
    version: VERSION,
    count: n,
    crc: crc32(out.subarray(HEADER_BYTES)),
    a: numeric.length,
    b: uuid.length,
    c: 0,
  });
  return out;
}

/** The decoded `ids` object: views over one buffer, no per-point objects. */
export class IdTable {
  readonly count: number;
  readonly byteLength: number;
  private readonly versions: Float64Array;
  private readonly keys: Uint8Array;
  private readonly keyView: DataView;
  private readonly kinds: Uint8Array;
  private readonly sortedNumeric: Uint32Array;
  private readonly sortedUuid: Uint32Array;

  constructor(raw: Uint8Array, what = 'ids') {
    const bytes = aligned(raw);
    const h = readHeader(bytes, MAGIC, VERSION, what);
    const n = h.count;
    const L = layout(n, h.a, h.b);
    if (bytes.byteLength !== L.end) throw internal(`${what}: ${bytes.byteLength} bytes, layout needs ${L.end}`);
    checkCrc(bytes.subarray(HEADER_BYTES), h.crc, what);
    const buf = bytes.buffer;
    const base = bytes.byteOffset;
    this.count = n;
    this.byteLength = bytes.byteLength;
    this.versions = new Float64Array(buf, base + L.versions, n);
    this.keys = bytes.subarray(L.keys, L.keys + 16 * n);
    this.keyView = new DataView(buf, base + L.keys, 16 * n);
    this.kinds = bytes.subarray(L.kinds, L.kinds + n);
    this.sortedNumeric = new Uint32Array(buf, base + L.sortedNumeric, h.a);
    this.sortedUuid = new Uint32Array(buf, base + L.sortedUuid, h.b);
  }

  version(offset: PointOffset): number {
    return this.versions[offset];
  }

  private numericAt(offset: PointOffset): number {
    return this.keyView.getUint32(16 * offset, true) + this.keyView.getUint32(16 * offset + 4, true) * TWO_32;
  }

  externalId(offset: PointOffset): PointId {
    if (offset < 0 || offset >= this.count) throw internal(`ids: offset ${offset} outside 0..${this.count - 1}`);
    return this.kinds[offset] === KIND_NUMERIC ? this.numericAt(offset) : formatUuid(this.keys, 16 * offset);
  }

  /** The offset of an external id in this segment, or -1 when the segment does not hold it. */
  offsetOf(id: PointId): PointOffset {
    if (typeof id === 'number') {
      const s = this.sortedNumeric;
      let lo = 0;
      let hi = s.length - 1;
      // outside the segment's range: no search (a task's `exclude` is mostly ids written after the segment sealed)
      if (hi < 0 || id < this.numericAt(s[0]) || id > this.numericAt(s[hi])) return -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = this.numericAt(s[mid]);
        if (v === id) return s[mid];
        if (v < id) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    }
    const u = parseUuid(id);
    if (!u) return -1;
    const s = this.sortedUuid;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareBytes16(this.keys, 16 * s[mid], u, 0);
      if (c === 0) return s[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Offsets of the ids this segment holds (others skipped), in input order. */
  offsetsOf(ids: readonly PointId[]): PointOffset[] {
    const out: PointOffset[] = [];
    for (const id of ids) {
      const o = this.offsetOf(id);
      if (o >= 0) out.push(o);
    }
    return out;
  }
}
