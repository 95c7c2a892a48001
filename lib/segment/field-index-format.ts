/**
 * One payload field index of one segment: the object `index/{field}` (keys.ts), written by the segment writer for
 * every key of the collection's payload_schema, read whole once per warm container when a filter needs it.
 *
 * It stores, per point, the values its key holds that the index type serves (field-values.ts `storedValues`), as
 * ids into a sorted dictionary — a column of value ids, so a condition is answered per point (or for all points
 * in one pass over typed arrays) without decoding any payload.
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset | size           | field                                                                           |
 * |--------|----------------|---------------------------------------------------------------------------------|
 * | 0      | 32             | header: magic `STRA_FLD`, version 1, n points, CRC-32 of bytes [32, end),      |
 * |        |                | a = dictionary kind (0 f64, 1 UTF-8 strings, 2 geo lon/lat f64 pairs),         |
 * |        |                | b = dictionary entries d, c = value refs m                                      |
 * | 32     | 4(n+1), pad 8  | starts (u32): the refs of offset o are refs[starts[o], starts[o+1])             |
 * | …      | 4m, pad 8      | refs (u32 dictionary ids; text: tokens in order, 0xFFFFFFFF between two values) |
 * | …      | f64: 8d; geo: 16d; strings: 4(d+1) u32 byte ends, pad 8, then the UTF-8 bytes | dictionary      |
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
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { fieldIndexName, segmentObjectKey } from './keys.js';
import { getWhole } from './store-io.js';
import type { PathStep } from './payload-path.js';
import { Tokenizer } from './text/tokenizer.js';

const MAGIC = 'STRA_FLD';
const VERSION = 1;
export const VALUE_BOUNDARY = 0xffffffff;

const KIND_F64 = 0;
const KIND_STR = 1;
const KIND_GEO = 2;

type Dictionary =
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
  for (const p of payloads) {
    const keys: (number | string)[] = [];
    const values = storedValues(type, p ?? {}, steps);
    for (let i = 0; i < values.length; i++) {
      if (tokenizer !== null) {
        if (i > 0) keys.push(Number.NaN); // boundary marker, mapped below
        for (const t of tokenizer.document(values[i] as string)) keys.push(t);
      } else {
        keys.push(keyOf(kind, values[i]));
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
  const out = new Uint8Array(HEADER_BYTES + startsBytes + refsBytes + align8(dictBytes));
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
    version: VERSION,
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
  ) {
    this.byteLength = byteLength;
  }

  static decode(raw: Uint8Array, what: string): FieldIndex {
    const bytes = aligned(raw);
    const h = readHeader(bytes, MAGIC, VERSION, what);
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
    let dict: Dictionary;
    if (h.a === KIND_F64) dict = { kind: 'f64', values: new Float64Array(bytes.buffer, dictAt, d) };
    else if (h.a === KIND_GEO) {
      const f = new Float64Array(bytes.buffer, dictAt, 2 * d);
      const lon = new Float64Array(d);
      const lat = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        lon[i] = f[2 * i];
        lat[i] = f[2 * i + 1];
      }
      dict = { kind: 'geo', lon, lat };
    } else if (h.a === KIND_STR) {
      const ends = new Uint32Array(bytes.buffer, dictAt, d + 1);
      const base = dictAt - bytes.byteOffset + align8(4 * (d + 1));
      const dec = new TextDecoder();
      const values: string[] = new Array(d);
      for (let i = 0; i < d; i++) values[i] = dec.decode(bytes.subarray(base + ends[i], base + ends[i + 1]));
      dict = { kind: 'str', values };
    } else {
      throw internal(`${what}: unknown dictionary kind ${h.a}`);
    }
    return new FieldIndex(n, starts, refs, dict, bytes.byteLength);
  }

  /** Dictionary ids whose value passes `test` (f64 and str dictionaries), as a membership array. */
  selectValues(test: (v: number | string) => boolean): Uint8Array {
    const d = this.dict;
    if (d.kind === 'geo') throw internal('selectValues on a geo index');
    const out = new Uint8Array(d.values.length);
    for (let i = 0; i < d.values.length; i++) if (test(d.values[i])) out[i] = 1;
    return out;
  }

  /** Dictionary ids of the geo points inside a shape. */
  selectPoints(inside: (p: GeoPoint) => boolean): Uint8Array {
    const d = this.dict;
    if (d.kind !== 'geo') throw internal('selectPoints on a non-geo index');
    const out = new Uint8Array(d.lon.length);
    for (let i = 0; i < d.lon.length; i++) if (inside({ lon: d.lon[i], lat: d.lat[i] })) out[i] = 1;
    return out;
  }

  /** The dictionary id of a string, or -1 (binary search over the sorted dictionary). */
  idOfString(s: string): number {
    const d = this.dict;
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

  /** Points with at least one stored value. */
  pointsWithValues(): number {
    let k = 0;
    for (let o = 0; o < this.count; o++) if (this.starts[o + 1] > this.starts[o]) k++;
    return k;
  }
}
