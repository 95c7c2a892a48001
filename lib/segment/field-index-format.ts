/**
 * One payload field index of one segment: the object `index/{field}` (keys.ts), written by the segment writer for
 * every key of the collection's payload_schema, read whole once per warm container when a filter needs it.
 *
 * It stores, per point, the values its key holds that the index type serves (field-values.ts `storedValues`), as
 * ids into a sorted dictionary — a column of value ids, so a condition is answered per point (or for all points
 * in one pass over typed arrays) without decoding any payload — and, since version 2, two flags per point over
 * every value at the key whatever its type, so is_empty and is_null are answered too.
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset | size           | field                                                                           |
 * |--------|----------------|---------------------------------------------------------------------------------|
 * | 0      | 32             | header: magic `STRA_FLD`, version 2, n points, CRC-32 of bytes [32, end),      |
 * |        |                | a = dictionary kind (0 f64, 1 UTF-8 strings, 2 geo lon/lat f64 pairs),         |
 * |        |                | b = dictionary entries d, c = value refs m                                      |
 * | 32     | 4(n+1), pad 8  | starts (u32): the refs of offset o are refs[starts[o], starts[o+1])             |
 * | …      | 4m, pad 8      | refs (u32 dictionary ids; text: tokens in order, 0xFFFFFFFF between two values) |
 * | …      | f64: 8d; geo: 16d; strings: 4(d+1) u32 byte ends, pad 8, then the UTF-8 bytes | dictionary      |
 * | …      | n, pad 8       | flags (u8, version 2): bit 0 = some value is neither null nor [] (is_empty      |
 * |        |                | fails), bit 1 = some value is null (is_null holds), bit 2 = some non-null value |
 * |        |                | or array element is not stored here (another type: match.except holds),        |
 * |        |                | bits 3-7 = values_count of the key's value (null, missing 0; an array its      |
 * |        |                | length; else 1), 31 meaning 31 or more; meaningful for paths without `[]`     |
 * | …      | 4n, pad 8      | value counts (u32, version 4 only): bit c set when some value at the key has  |
 * |        |                | values_count c (bit 31: 31 or more); bit 0 too when the key has no value      |
 *
 * Version 4 is version 2 plus the value counts, written for key paths with `[]` (several values per point, where
 * values_count holds when ANY value's count passes, which one summed count cannot tell); paths without `[]` are
 * still written as version 2, byte for byte. Version 1 objects (no flags) are still read: their `flags` is null and
 * is_empty / is_null read payloads; a version 2 object of a `[]` path (written before version 4) has no value
 * counts, and values_count on it reads payloads.
 *
 * Invariants: the dictionary is sorted (numbers ascending, strings by UTF-16 code units) and without duplicates;
 * a point's refs keep the order of its values (text: document order, which phrases need).
 */
import { internal } from '../model/errors.js';
import type { GeoPoint } from '../model/filter.js';
import type { PayloadSchemaType, TextIndexParams } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import { HEADER_BYTES, align8, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';
import { storedValues } from './field-values.js';
import { valuesAt } from './payload-path.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { fieldIndexName, segmentObjectKey } from './keys.js';
import { getWhole } from './store-io.js';
import type { PathStep } from './payload-path.js';
import { Tokenizer } from './text/tokenizer.js';

const MAGIC = 'STRA_FLD';
const VERSION = 2;
/** version 2 plus per-point value counts (paths with `[]`) */
export const COUNTS_VERSION = 4;
const FLAG_NOT_EMPTY = 1;
const FLAG_NULL = 2;
const FLAG_FOREIGN = 4;
const COUNT_SHIFT = 3;
/** the largest values_count the flags hold exactly; COUNT_CAP stands for "COUNT_CAP or more" */
export const COUNT_CAP = 31;
export const VALUE_BOUNDARY = 0xffffffff;

/**
 * Version 3 (field-index-paged.ts) is the paged layout of a cold index; it embeds a version 2 object, which decode()
 * answers from when the object is read whole. Its section table follows the header: the embedded object's offset
 * and length are at these byte offsets of the table.
 */
export const PAGED_VERSION = 3;
export const PAGED_TABLE_BYTES = 32;
export const PAGED_FORWARD_AT = 16;
export const PAGED_FORWARD_BYTES = 20;

const KIND_F64 = 0;
const KIND_STR = 1;
const KIND_GEO = 2;

export type Dictionary =
  | { kind: 'f64'; values: Float64Array }
  | { kind: 'str'; values: string[] }
  | { kind: 'geo'; lon: Float64Array; lat: Float64Array };

function dictionaryKind(type: PayloadSchemaType): number {
  if (type === 'keyword' || type === 'uuid' || type === 'text') return KIND_STR;
  if (type === 'geo') return KIND_GEO;
  return KIND_F64;
}

/** A stored value as its dictionary key: numbers (booleans as 0/1, datetimes as ms), strings, or `lon,lat`. */
function keyOf(kind: number, v: unknown): number | string {
  if (kind === KIND_STR) return v as string;
  if (kind === KIND_GEO) {
    const g = v as GeoPoint;
    return `${g.lon},${g.lat}`;
  }
  return typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
}

/** The index object of one key over a segment's payloads (in offset order). */
export function encodeFieldIndex(
  type: PayloadSchemaType,
  steps: readonly PathStep[],
  payloads: readonly (Payload | null | undefined)[],
  text: TextIndexParams | null,
): Uint8Array {
  const kind = dictionaryKind(type);
  const tokenizer = type === 'text' && text !== null ? new Tokenizer(text) : null;
  const perPoint: (number | string)[][] = [];
  const distinct = new Set<number | string>();
  const flags = new Uint8Array(payloads.length);
  const countSets = steps.some((s) => 'all' in s) ? new Uint32Array(payloads.length) : null;
  for (const [o, p] of payloads.entries()) {
    let count = 0;
    const values = valuesAt(p ?? {}, steps);
    if (countSets !== null && values.length === 0) countSets[o] = 1;
    for (const v of values) {
      const one = v === null ? 0 : Array.isArray(v) ? v.length : 1;
      count += one;
      if (countSets !== null) countSets[o] |= 1 << Math.min(one, COUNT_CAP);
      if (v === null) flags[o] |= FLAG_NULL;
      else if (!Array.isArray(v) || v.length > 0) flags[o] |= FLAG_NOT_EMPTY;
      for (const x of Array.isArray(v) ? v : [v]) {
        // an array inside an array is never stored (field-values.ts flattens one level)
        if (x !== null && (Array.isArray(x) || storedValues(type, x, []).length === 0)) flags[o] |= FLAG_FOREIGN;
      }
    }
    flags[o] |= Math.min(count, COUNT_CAP) << COUNT_SHIFT;
    const keys: (number | string)[] = [];
    const stored = storedValues(type, p ?? {}, steps);
    for (let i = 0; i < stored.length; i++) {
      if (tokenizer !== null) {
        if (i > 0) keys.push(Number.NaN); // boundary marker, mapped below
        for (const t of tokenizer.document(stored[i] as string)) keys.push(t);
      } else {
        keys.push(keyOf(kind, stored[i]));
      }
    }
    for (const k of keys) if (!(typeof k === 'number' && Number.isNaN(k) && tokenizer !== null)) distinct.add(k);
    perPoint.push(keys);
  }
  const dict = [...distinct];
  if (kind === KIND_STR) (dict as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  else if (kind === KIND_F64) (dict as number[]).sort((a, b) => a - b);
  else
    dict.sort(
      (a, b) => geoOf(a as string).lon - geoOf(b as string).lon || geoOf(a as string).lat - geoOf(b as string).lat,
    );
  const idOf = new Map<number | string, number>();
  dict.forEach((k, i) => idOf.set(k, i));

  const n = payloads.length;
  const m = perPoint.reduce((s, k) => s + k.length, 0);
  const startsBytes = align8(4 * (n + 1));
  const refsBytes = align8(4 * m);
  const enc = new TextEncoder();
  const strings = kind === KIND_STR ? (dict as string[]).map((s) => enc.encode(s)) : [];
  const strBytes = strings.reduce((s, b) => s + b.byteLength, 0);
  const dictBytes =
    kind === KIND_F64
      ? 8 * dict.length
      : kind === KIND_GEO
        ? 16 * dict.length
        : align8(4 * (dict.length + 1)) + strBytes;
  const flagsAt = HEADER_BYTES + startsBytes + refsBytes + align8(dictBytes);
  const countsAt = flagsAt + align8(n);
  const out = new Uint8Array(countsAt + (countSets === null ? 0 : align8(4 * n)));
  out.set(flags, flagsAt);
  if (countSets !== null) new Uint32Array(out.buffer, countsAt, n).set(countSets);
  const starts = new Uint32Array(out.buffer, HEADER_BYTES, n + 1);
  const refs = new Uint32Array(out.buffer, HEADER_BYTES + startsBytes, m);
  let at = 0;
  for (let o = 0; o < n; o++) {
    starts[o] = at;
    for (const k of perPoint[o])
      refs[at++] = typeof k === 'number' && Number.isNaN(k) ? VALUE_BOUNDARY : (idOf.get(k) as number);
  }
  starts[n] = at;
  const dictAt = HEADER_BYTES + startsBytes + refsBytes;
  if (kind === KIND_F64) new Float64Array(out.buffer, dictAt, dict.length).set(dict as number[]);
  else if (kind === KIND_GEO) {
    const f = new Float64Array(out.buffer, dictAt, 2 * dict.length);
    dict.forEach((k, i) => {
      const g = geoOf(k as string);
      f[2 * i] = g.lon;
      f[2 * i + 1] = g.lat;
    });
  } else {
    const ends = new Uint32Array(out.buffer, dictAt, dict.length + 1);
    let p = 0;
    const base = dictAt + align8(4 * (dict.length + 1));
    strings.forEach((b, i) => {
      out.set(b, base + p);
      p += b.byteLength;
      ends[i + 1] = p;
    });
  }
  writeHeader(out, {
    magic: MAGIC,
    version: countSets === null ? VERSION : COUNTS_VERSION,
    count: n,
    crc: crc32(out, HEADER_BYTES),
    a: kind,
    b: dict.length,
    c: m,
  });
  return out;
}

function geoOf(k: string): GeoPoint {
  const comma = k.indexOf(',');
  return { lon: Number(k.slice(0, comma)), lat: Number(k.slice(comma + 1)) };
}

/** Reads and decodes the index on `field` of the segment at `prefix` (one whole GET). */
export async function readFieldIndex(
  store: ObjectStore,
  prefix: string,
  field: string,
  io: IoScope | undefined,
): Promise<FieldIndex> {
  const key = segmentObjectKey(prefix, fieldIndexName(field));
  return FieldIndex.decode(await getWhole(store, key, io, `index ${field}`), key);
}

/** A decoded field index: a column of dictionary ids per point. */
export class FieldIndex {
  readonly byteLength: number;

  private constructor(
    readonly count: number,
    readonly starts: Uint32Array,
    readonly refs: Uint32Array,
    readonly dict: Dictionary,
    byteLength: number,
    /** per point FLAG_NOT_EMPTY | FLAG_NULL (null: a version 1 object, which has none) */
    readonly flags: Uint8Array | null,
    /** per point the set of its values' counts (version 4), else null */
    readonly countSets: Uint32Array | null = null,
  ) {
    this.byteLength = byteLength;
  }

  static decode(raw: Uint8Array, what: string): FieldIndex {
    const bytes = aligned(raw);
    const stored = bytes.byteLength >= 12 ? new DataView(bytes.buffer, bytes.byteOffset, 12).getUint32(8, true) : 0;
    if (stored === PAGED_VERSION) {
      // a paged object read whole (a coordinator's scroll/count, facet): its embedded version 2 object answers
      readHeader(bytes, MAGIC, PAGED_VERSION, what);
      if (bytes.byteLength < HEADER_BYTES + PAGED_TABLE_BYTES) throw internal(`${what}: truncated`);
      const t = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES, PAGED_TABLE_BYTES);
      const at = t.getUint32(PAGED_FORWARD_AT, true);
      const len = t.getUint32(PAGED_FORWARD_BYTES, true);
      if (at + len > bytes.byteLength) throw internal(`${what}: truncated`);
      return FieldIndex.decode(bytes.subarray(at, at + len), what);
    }
    const h = readHeader(bytes, MAGIC, stored === 1 || stored === COUNTS_VERSION ? stored : VERSION, what);
    checkCrc(bytes.subarray(HEADER_BYTES), h.crc, what);
    const n = h.count;
    const d = h.b;
    const m = h.c;
    const startsBytes = align8(4 * (n + 1));
    const refsBytes = align8(4 * m);
    const dictAt = bytes.byteOffset + HEADER_BYTES + startsBytes + refsBytes;
    if (HEADER_BYTES + startsBytes + refsBytes > bytes.byteLength) throw internal(`${what}: truncated`);
    const starts = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, n + 1);
    const refs = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + startsBytes, m);
    const dict = decodeDictionary(bytes, dictAt - bytes.byteOffset, h.a, d, what);
    let flags: Uint8Array | null = null;
    if (h.version >= 2) {
      const dictBytes =
        h.a === KIND_F64
          ? 8 * d
          : h.a === KIND_GEO
            ? 16 * d
            : align8(4 * (d + 1)) + (d === 0 ? 0 : dictEnd(bytes, dictAt, d));
      const flagsAt = HEADER_BYTES + startsBytes + refsBytes + align8(dictBytes);
      if (flagsAt + n > bytes.byteLength) throw internal(`${what}: truncated`);
      flags = bytes.subarray(flagsAt, flagsAt + n);
      if (h.version === COUNTS_VERSION) {
        const countsAt = flagsAt + align8(n);
        if (countsAt + 4 * n > bytes.byteLength) throw internal(`${what}: truncated`);
        const counts = new Uint32Array(bytes.buffer, bytes.byteOffset + countsAt, n);
        return new FieldIndex(n, starts, refs, dict, bytes.byteLength, flags, counts);
      }
    }
    return new FieldIndex(n, starts, refs, dict, bytes.byteLength, flags);
  }

  /** Dictionary ids whose value passes `test` (f64 and str dictionaries), as a membership array. */
  selectValues(test: (v: number | string) => boolean): Uint8Array {
    return selectValues(this.dict, test);
  }

  /** Dictionary ids of the geo points inside a shape. */
  selectPoints(inside: (p: GeoPoint) => boolean): Uint8Array {
    return selectPoints(this.dict, inside);
  }

  /** The dictionary id of a string, or -1 (binary search over the sorted dictionary). */
  idOfString(s: string): number {
    return idOfString(this.dict, s);
  }

  get dictionarySize(): number {
    return dictionarySize(this.dict);
  }

  /** a version 1 object: no emptiness / foreign / count flags */
  get flagless(): boolean {
    return this.flags === null;
  }

  /** Points with at least one value among `selected` ids. */
  maskAny(selected: Uint8Array): Uint8Array {
    const n = this.count;
    const mask = new Uint8Array(n);
    const { starts, refs } = this;
    for (let o = 0; o < n; o++) {
      for (let r = starts[o]; r < starts[o + 1]; r++) {
        const id = refs[r];
        if (id !== VALUE_BOUNDARY && selected[id] === 1) {
          mask[o] = 1;
          break;
        }
      }
    }
    return mask;
  }

  /** Points whose values satisfy `test` over their ref range (for all-of and phrase checks). */
  maskWhere(test: (refs: Uint32Array, from: number, to: number) => boolean): Uint8Array {
    const n = this.count;
    const mask = new Uint8Array(n);
    for (let o = 0; o < n; o++) if (test(this.refs, this.starts[o], this.starts[o + 1])) mask[o] = 1;
    return mask;
  }

  /** is_empty (no value but null and []) or is_null (some value is null) per point, from the flags. */
  maskOfEmptiness(kind: 'is_empty' | 'is_null'): Uint8Array {
    const flags = this.flags;
    if (flags === null) throw internal('field index: a version 1 object has no emptiness flags');
    const mask = new Uint8Array(this.count);
    if (kind === 'is_empty') for (let o = 0; o < this.count; o++) mask[o] = flags[o] & FLAG_NOT_EMPTY ? 0 : 1;
    else for (let o = 0; o < this.count; o++) mask[o] = flags[o] & FLAG_NULL ? 1 : 0;
    return mask;
  }

  /** Points holding a non-null value (or array element) of a type this index does not store. */
  maskOfForeign(): Uint8Array {
    const flags = this.flags;
    if (flags === null) throw internal('field index: a version 1 object has no flags');
    const mask = new Uint8Array(this.count);
    for (let o = 0; o < this.count; o++) mask[o] = flags[o] & FLAG_FOREIGN ? 1 : 0;
    return mask;
  }

  /** whether values_count on a `[]` path is answered (the per-value counts of version 4) */
  get valueCounts(): boolean {
    return this.countSets !== null;
  }

  /**
   * Points whose values_count (capped at COUNT_CAP) passes `test`: of their one value (flags), or with `perValue`
   * of any of their values (version 4 value counts; a point with no value counts 0).
   */
  maskOfCount(test: (count: number) => boolean, perValue = false): Uint8Array {
    const flags = this.flags;
    if (flags === null) throw internal('field index: a version 1 object has no flags');
    const mask = new Uint8Array(this.count);
    if (perValue) {
      const sets = this.countSets;
      if (sets === null) throw internal('field index: no per-value counts (not a version 4 object)');
      let passing = 0;
      for (let c = 0; c <= COUNT_CAP; c++) if (test(c)) passing |= 1 << c;
      for (let o = 0; o < this.count; o++) mask[o] = (sets[o] & passing) !== 0 ? 1 : 0;
      return mask;
    }
    const pass = Array.from({ length: COUNT_CAP + 1 }, (_, c) => test(c));
    for (let o = 0; o < this.count; o++) mask[o] = pass[flags[o] >> COUNT_SHIFT] ? 1 : 0;
    return mask;
  }

  /** Points with at least one stored value. */
  pointsWithValues(): number {
    let k = 0;
    for (let o = 0; o < this.count; o++) if (this.starts[o + 1] > this.starts[o]) k++;
    return k;
  }
}

/** Bytes of a string dictionary's UTF-8 section: its last end offset. */
function dictEnd(bytes: Uint8Array, dictAt: number, d: number): number {
  return new Uint32Array(bytes.buffer, dictAt, d + 1)[d];
}

/** Number of entries of a dictionary. */
export function dictionarySize(d: Dictionary): number {
  return d.kind === 'geo' ? d.lon.length : d.values.length;
}

/** Dictionary ids whose value passes `test` (f64 and str dictionaries), as a membership array. */
export function selectValues(d: Dictionary, test: (v: number | string) => boolean): Uint8Array {
  if (d.kind === 'geo') throw internal('selectValues on a geo index');
  const out = new Uint8Array(d.values.length);
  for (let i = 0; i < d.values.length; i++) if (test(d.values[i])) out[i] = 1;
  return out;
}

/** Dictionary ids of the geo points inside a shape. */
export function selectPoints(d: Dictionary, inside: (p: GeoPoint) => boolean): Uint8Array {
  if (d.kind !== 'geo') throw internal('selectPoints on a non-geo index');
  const out = new Uint8Array(d.lon.length);
  for (let i = 0; i < d.lon.length; i++) if (inside({ lon: d.lon[i], lat: d.lat[i] })) out[i] = 1;
  return out;
}

/** The dictionary id of a string, or -1 (binary search over the sorted dictionary). */
export function idOfString(d: Dictionary, s: string): number {
  if (d.kind !== 'str') return -1;
  let lo = 0;
  let hi = d.values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = d.values[mid];
    if (v === s) return mid;
    if (v < s) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Byte length of a dictionary section of `kind` with `d` entries that starts at `at` of `bytes`. */
export function dictionaryBytes(bytes: Uint8Array, at: number, kind: number, d: number): number {
  if (kind === KIND_F64) return 8 * d;
  if (kind === KIND_GEO) return 16 * d;
  return align8(4 * (d + 1)) + (d === 0 ? 0 : dictEnd(bytes, bytes.byteOffset + at, d));
}

/** Decodes the dictionary section at byte `at` of `bytes` (8-aligned). */
export function decodeDictionary(bytes: Uint8Array, at: number, kind: number, d: number, what: string): Dictionary {
  const dictAt = bytes.byteOffset + at;
  if (kind === KIND_F64) return { kind: 'f64', values: new Float64Array(bytes.buffer, dictAt, d) };
  if (kind === KIND_GEO) {
    const f = new Float64Array(bytes.buffer, dictAt, 2 * d);
    const lon = new Float64Array(d);
    const lat = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      lon[i] = f[2 * i];
      lat[i] = f[2 * i + 1];
    }
    return { kind: 'geo', lon, lat };
  }
  if (kind === KIND_STR) {
    const ends = new Uint32Array(bytes.buffer, dictAt, d + 1);
    const base = at + align8(4 * (d + 1));
    const dec = new TextDecoder();
    const values: string[] = new Array(d);
    for (let i = 0; i < d; i++) values[i] = dec.decode(bytes.subarray(base + ends[i], base + ends[i + 1]));
    return { kind: 'str', values };
  }
  throw internal(`${what}: unknown dictionary kind ${kind}`);
}
