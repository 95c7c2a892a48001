/**
 * The `payload` object: one UTF-8 JSON blob per point, addressed through an offsets table, so that
 * - the final top-k's payloads are read with ranged GETs of just their blobs (the table is read once per container
 *   with the segment's other small objects and kept), and
 * - a filter reads the whole object once and decodes only what it needs.
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset        | size        | field                                                                  |
 * |---------------|-------------|------------------------------------------------------------------------|
 * | 0             | 32          | header: magic `STRA_PAY`, version 1, n, CRC-32 of the index [32, B), a = B |
 * | 32            | 8·(n+1)     | blob bounds: f64 byte positions relative to B; blob i = [o[i], o[i+1]) |
 * | 32+8(n+1)     | 4·n, pad 8  | CRC-32 of each blob (u32)                                              |
 * | B             | …           | blobs: JSON of the payload object; an empty blob is a null payload      |
 *
 * Invariant: the index region [0, B) is self-contained and checksummed, so it can be fetched by one ranged GET;
 * every blob carries its own checksum so a ranged read of one blob is verified without the rest.
 */
import { internal } from '../model/errors.js';
import type { Payload } from '../model/payload.js';
import { HEADER_BYTES, align8, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';
import type { PointOffset } from './ids-format.js';

const MAGIC = 'STRA_PAY';
const VERSION = 1;

const indexBytes = (n: number): number => align8(HEADER_BYTES + 8 * (n + 1) + 4 * n);

export function encodePayloads(payloads: readonly (Payload | null | undefined)[]): Uint8Array {
  const n = payloads.length;
  const enc = new TextEncoder();
  const blobs = payloads.map((p) => (p == null ? new Uint8Array(0) : enc.encode(JSON.stringify(p))));
  const B = indexBytes(n);
  let total = 0;
  for (const b of blobs) total += b.byteLength;
  const out = new Uint8Array(B + total);
  const bounds = new Float64Array(out.buffer, HEADER_BYTES, n + 1);
  const crcs = new Uint32Array(out.buffer, HEADER_BYTES + 8 * (n + 1), n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    bounds[i] = at;
    out.set(blobs[i], B + at);
    crcs[i] = crc32(blobs[i]);
    at += blobs[i].byteLength;
  }
  bounds[n] = at;
  writeHeader(out, {
    magic: MAGIC,
    version: VERSION,
    count: n,
    crc: crc32(out.subarray(HEADER_BYTES, B)),
    a: B,
    b: 0,
    c: 0,
  });
  return out;
}

/** Byte length of the index region of a segment with n points (what a ranged GET of the index asks for). */
export const payloadIndexBytes = indexBytes;

/** The decoded index: where each point's blob lies in the object. */
export class PayloadIndex {
  readonly count: number;
  /** start of the blob region (B) */
  readonly blobsStart: number;
  readonly byteLength: number;
  private readonly bounds: Float64Array;
  private readonly crcs: Uint32Array;

  /** `bytes` holds at least the index region (the whole object is fine too). */
  constructor(raw: Uint8Array, what = 'payload') {
    const h = readHeader(raw, MAGIC, VERSION, what);
    const B = h.a;
    if (B !== indexBytes(h.count) || raw.byteLength < B) {
      throw internal(`${what}: index region ${B} bytes does not fit ${h.count} points / ${raw.byteLength} bytes`);
    }
    const bytes = aligned(raw.subarray(0, B));
    checkCrc(bytes.subarray(HEADER_BYTES, B), h.crc, what);
    this.count = h.count;
    this.blobsStart = B;
    this.byteLength = B;
    this.bounds = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, h.count + 1);
    this.crcs = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + 8 * (h.count + 1), h.count);
  }

  /** Absolute byte range [start, end) of point `offset`'s blob in the object. */
  range(offset: PointOffset): { start: number; end: number } {
    return { start: this.blobsStart + this.bounds[offset], end: this.blobsStart + this.bounds[offset + 1] };
  }

  /** Decode point `offset`'s payload from bytes that start at absolute position `base` of the object. */
  decode(bytes: Uint8Array, base: number, offset: PointOffset, what = 'payload'): Payload | null {
    const { start, end } = this.range(offset);
    if (start === end) return null;
    const blob = bytes.subarray(start - base, end - base);
    if (blob.byteLength !== end - start) throw internal(`${what}: blob of point ${offset} is truncated`);
    checkCrc(blob, this.crcs[offset], `${what} blob of point ${offset}`);
    return JSON.parse(decoder.decode(blob)) as Payload;
  }
}

const decoder = new TextDecoder();
