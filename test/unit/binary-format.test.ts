/**
 * lib/binary: the one set of header, little-endian and CRC-32 helpers every format uses. The golden objects below
 * were written by the code BEFORE the formats moved onto it (table-driven JS CRC-32, per-format header code; commit
 * ef8632d): they must decode now, and encoding the same input must give the same bytes, so no stored object changes.
 */
import { describe, expect, it } from 'vitest';
import { checkCrc, checkMagic, crc32, readMagicVersion, writeMagicVersion } from '../../lib/binary/binary-format.js';
import { decodeWal, encodeWal } from '../../lib/collection/wal.js';
import { isStrataError } from '../../lib/model/errors.js';
import { buildHnsw } from '../../lib/index/build.js';
import { deserializeGraph, serializeGraph } from '../../lib/index/graph-format.js';
import { deserializeVectors, serializeVectors } from '../../lib/index/vectors-format.js';
import { deserializeQuantized, quantize, serializeQuantized } from '../../lib/quantization/index.js';
import { encodeIds, IdTable } from '../../lib/segment/ids-format.js';
import { encodePayloads, PayloadIndex } from '../../lib/segment/payload-format.js';
import { decodeTombstones, encodeTombstones } from '../../lib/segment/tombstones.js';

const GOLDEN = {
  quantized: [
    '53545251494e54380100000001000000060000000400000004000000c166803c5cff7fbfa4707d3fea826ffb00000000757a',
    '4910032e6a7f5a1d001e5b7f692d0210497a753f0a06880f92bfa017d7bef60ed53f8d4fe2bf0f51293f7a876d3f',
  ].join(''),
  graph: [
    '53545241484e5357010000000600000002000000040000000300000005000000400000000200000030000000030000000400',
    '000021000000ec000000c2550793000000000200000003000000040000000101050400000000030000000600000015000000',
    '2100000002000000020000000300000002000000000000000400000001000000000000000000000001000000040000000000',
    '0000010000000400000000000000010000000400000000000000000000000000000000000000010000000200000000000000',
    '0100000003000000000000000100000003000000000000000100000003000000000000006ee5d6b700000000040000000100',
    '000002000000030000000500000004000000000000000200000003000000040000004265b049020000000400000000000000',
    '0100000004000000050000000200000000000000010000000000000000000000342fa74e0400000002000000010000000200',
    '000000000000000000000200000002000000000000000000000000000000',
  ].join(''),
  vectors: [
    '535452415646333201000000060000000400000040000000030000003800000002000000e84b73f300000000000000000000',
    '000000000000000000000000000050c1709700000000a46a573fb7c7683fc381103ecfbd41bf107c75bf8c0f8fbe4630283f',
    '95467d3f3201d33ef8440bbf5cff7fbfd85c09bfe9ef2754030000002220d73e72987d3f4479263f106893be251e76bfb340',
    '40bf6979193ec8b6693f102f563f150511bce7a158bffcd367bf',
  ].join(''),
  ids: [
    '535452415f494453010000000600000061be7e7c050000000100000000000000000000000000f03f000000000000f03f0000',
    '0000000000400000000000000840000000000000144000000000000020400100000000000000000000000000000007000000',
    '0000000000000000000000003f2504e04f8911d39a0c0305e82c33012a000000000000000000000000000000050000000000',
    '0000000000000000000009000000000000000000000000000000000001000000000000000000040000000100000005000000',
    '0300000002000000',
  ].join(''),
  payload: [
    '535452415f5041590100000006000000d9d9cb5b70000000000000000000000000000000000000000000000000001c400000',
    '000000001c400000000000003040000000000000324000000000000032400000000000003d40afac1b5600000000a760af4b',
    '43bfa6a30000000002f320397b2261223a317d7b2262223a2278227d7b7d7b2263223a5b312c325d7d',
  ].join(''),
  deleted: ['535452415f44454c01000000060000003fe9bc5b0200000000000000000000001200000000000000'].join(''),
  wal: [
    '5357414c0100000004000000020000005e000000fbc066887b22696e6361726e6174696f6e223a226931222c22736571223a',
    '31372c22777269746572223a2277222c22696473223a5b312c325d2c227061796c6f616473223a5b7b2261223a317d2c6e75',
    '6c6c5d2c2264656c65746573223a5b335d7d0000a46a573fb7c7683fc381103ecfbd41bf107c75bf8c0f8fbe4630283f9546',
    '7d3f',
  ].join(''),
};
const bytes = (name: keyof typeof GOLDEN) => Uint8Array.from(Buffer.from(GOLDEN[name], 'hex'));

const dim = 4;
const n = 6;
const rows = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i + 1));

function expectInternal(f: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(isStrataError(error, 'internal')).toBe(true);
  expect(String((error as Error).message)).toMatch(message);
}

describe('binary format primitives', () => {
  it('CRC-32 is the IEEE check value, continues across runs, and covers sub-ranges', () => {
    const digits = new TextEncoder().encode('123456789');
    expect(crc32(digits)).toBe(0xcbf43926);
    expect(crc32(digits, 4, 9, crc32(digits, 0, 4))).toBe(0xcbf43926);
    expect(crc32(digits, 2, 5)).toBe(crc32(digits.slice(2, 5)));
    expect(() => checkCrc(digits, 0xcbf43926, 'digits')).not.toThrow();
    expectInternal(() => checkCrc(digits, 1, 'digits'), /digits: checksum mismatch/);
  });

  it('writes and checks magic and version little-endian, naming the object on a mismatch', () => {
    const out = new Uint8Array(16);
    writeMagicVersion(out, 'STRATEST', 3);
    expect(Array.from(out.subarray(8, 12))).toEqual([3, 0, 0, 0]);
    expect(readMagicVersion(out, 'STRATEST', 3, 16, 'test').getUint32(8, true)).toBe(3);
    expectInternal(() => readMagicVersion(out, 'STRATEST', 4, 16, 'test'), /test: unsupported format version 3/);
    expectInternal(() => readMagicVersion(out, 'STRATEST', 3, 17, 'test'), /test: truncated/);
    expectInternal(() => checkMagic(out, 'OTHERMAG', 'test'), /test: bad magic 'STRATEST'/);
  });
});

describe('objects written before lib/binary decode and re-encode byte for byte', () => {
  it('quantized set', () => {
    const set = deserializeQuantized(bytes('quantized'));
    expect(set.n).toBe(n);
    expect(serializeQuantized(quantize(rows, dim, 'Dot'))).toEqual(bytes('quantized'));
  });

  it('graph and vectors', () => {
    const graph = buildHnsw(rows, dim, 'Euclid', { m: 2, efConstruct: 8, seed: 1 });
    expect(deserializeGraph(bytes('graph'))).toEqual(graph);
    expect(serializeGraph(graph, 64)).toEqual(bytes('graph'));
    expect(deserializeVectors(bytes('vectors')).data).toEqual(rows);
    expect(serializeVectors(rows, dim, 64)).toEqual(bytes('vectors'));
  });

  it('ids, payload and tombstones', () => {
    const ids = [1, 7, '3f2504e0-4f89-11d3-9a0c-0305e82c3301', 42, 5, 9];
    const table = new IdTable(bytes('ids'));
    expect(ids.map((_, o) => table.externalId(o))).toEqual(ids);
    expect(encodeIds(ids, [1, 1, 2, 3, 5, 8])).toEqual(bytes('ids'));
    const payloads = [{ a: 1 }, null, { b: 'x' }, {}, null, { c: [1, 2] }];
    const index = new PayloadIndex(bytes('payload'));
    expect(payloads.map((_, o) => index.decode(bytes('payload'), 0, o))).toEqual([
      { a: 1 },
      null,
      { b: 'x' },
      {},
      null,
      { c: [1, 2] },
    ]);
    expect(encodePayloads(payloads)).toEqual(bytes('payload'));
    const deleted = decodeTombstones(bytes('deleted'));
    expect([0, 1, 2, 3, 4, 5].filter((o) => deleted.has(o))).toEqual([1, 4]);
    expect(encodeTombstones(n, [1, 4])).toEqual(bytes('deleted'));
  });

  it('WAL batch', () => {
    const batch = {
      incarnation: 'i1',
      seq: 17,
      writer: 'w',
      ids: [1, 2],
      payloads: [{ a: 1 }, null],
      vectors: [{ name: '', dim, points: null, data: rows.slice(0, 2 * dim) }],
      deletes: [3],
    };
    expect(decodeWal(bytes('wal'))).toEqual(batch);
    expect(encodeWal(batch)).toEqual(bytes('wal'));
  });

  it('a flipped byte in any of them is an internal error', () => {
    const decoders: [keyof typeof GOLDEN, (b: Uint8Array) => unknown][] = [
      ['quantized', deserializeQuantized],
      ['graph', deserializeGraph],
      ['vectors', deserializeVectors],
      ['ids', (b) => new IdTable(b)],
      ['deleted', (b) => decodeTombstones(b)],
      ['wal', (b) => decodeWal(b)],
    ];
    for (const [name, decode] of decoders) {
      const b = bytes(name);
      b[b.length - 1] ^= 0x01;
      expectInternal(() => decode(b), /checksum/);
    }
  });
});
