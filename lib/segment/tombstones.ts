/**
 * Tombstone bitmaps `deleted.{v}`: which offsets of a segment are deleted as of tombstone version v.
 *
 * A segment is born without tombstones; each new version is a complete bitmap (not a delta), written once with a
 * create-only put and named by the manifest, so a reader needs exactly one object per (segment, version).
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset | size        | field                                                                   |
 * |--------|-------------|-------------------------------------------------------------------------|
 * | 0      | 32          | header: magic `STRA_DEL`, version 1, n, CRC-32 of the bitmap, a = #deleted |
 * | 32     | ⌈n/8⌉, pad 8 | bitmap: bit (i & 7) of byte i >> 3 set = offset i deleted             |
 */
import { internal } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HEADER_BYTES, align8, checkCrc, crc32, readHeader, writeHeader } from './binary.js';
import type { PointOffset } from './ids-format.js';
import { getWhole, putCreateOnly } from './store-io.js';
import { META, segmentObjectKey, tombstoneKeyOf } from './keys.js';
import { parseMeta } from './meta.js';

const MAGIC = 'STRA_DEL';
const VERSION = 1;

export class Tombstones {
  readonly count: number;
  readonly deleted: number;
  readonly byteLength: number;
  private readonly bits: Uint8Array;

  constructor(bits: Uint8Array, count: number, deleted: number) {
    this.bits = bits;
    this.count = count;
    this.deleted = deleted;
    this.byteLength = bits.byteLength;
  }

  /** The bitmap itself (bit (o & 7) of byte o >> 3 set = offset o deleted; may run past n): the walk's reject set. */
  get bitmap(): Uint8Array {
    return this.bits;
  }

  has(offset: PointOffset): boolean {
    return (this.bits[offset >> 3] & (1 << (offset & 7))) !== 0;
  }
}

export function encodeTombstones(count: number, deletedOffsets: Iterable<PointOffset>): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + align8(Math.ceil(count / 8)));
  const bits = out.subarray(HEADER_BYTES);
  let deleted = 0;
  for (const o of deletedOffsets) {
    if (!Number.isInteger(o) || o < 0 || o >= count) throw internal(`tombstones: offset ${o} outside 0..${count - 1}`);
    const mask = 1 << (o & 7);
    if ((bits[o >> 3] & mask) === 0) deleted++;
    bits[o >> 3] |= mask;
  }
  writeHeader(out, { magic: MAGIC, version: VERSION, count, crc: crc32(bits), a: deleted, b: 0, c: 0 });
  return out;
}

export function decodeTombstones(bytes: Uint8Array, what = 'deleted'): Tombstones {
  const h = readHeader(bytes, MAGIC, VERSION, what);
  const bits = bytes.subarray(HEADER_BYTES);
  if (bits.byteLength !== align8(Math.ceil(h.count / 8)))
    throw internal(`${what}: bitmap size does not fit ${h.count} points`);
  checkCrc(bits, h.crc, what);
  return new Tombstones(bits, h.count, h.a);
}

/** Reads and checks `deleted.{version}` (one GET); `count`, when given, is the segment's point count it must match. */
export async function readTombstones(
  store: ObjectStore,
  segmentPrefix: string,
  version: number,
  io: IoScope | undefined,
  count?: number,
): Promise<Tombstones> {
  const key = tombstoneKeyOf(segmentPrefix, version);
  const t = decodeTombstones(await getWhole(store, key, io, `tombstones v${version}`), key);
  if (count !== undefined && t.count !== count)
    throw internal(`${key}: bitmap of ${t.count} points, segment has ${count}`);
  return t;
}

/**
 * Writes `deleted.{version}` (create-only). The bitmap must hold every deletion so far (versions are complete, not
 * deltas). `count` is the segment's point count; when omitted it is read from meta.json (one GET).
 * Returns the object's size in bytes.
 */
export async function writeTombstones(
  store: ObjectStore,
  segmentPrefix: string,
  version: number,
  deletedOffsets: Iterable<PointOffset>,
  count?: number,
): Promise<number> {
  if (!Number.isSafeInteger(version) || version <= 0) throw internal(`tombstones: version ${version} must be ≥ 1`);
  const n =
    count ?? parseMeta(await getWhole(store, segmentObjectKey(segmentPrefix, META), undefined, 'meta.json')).count;
  const body = encodeTombstones(n, deletedOffsets);
  await putCreateOnly(store, tombstoneKeyOf(segmentPrefix, version), body);
  return body.byteLength;
}
