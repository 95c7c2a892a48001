import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectionNameOfKey,
  collectionPrefix,
  manifestKey,
  newSegmentId,
  parseWalName,
  segmentIdTime,
  walKey,
} from '../../../lib/collection/keys.js';
import { segmentIdOfKey, tombstoneName } from '../../../lib/segment/keys.js';
import { validateCollectionName } from '../../../lib/model/collection-name.js';
import { compareCandidates, mergeCandidates, TopCandidates } from '../../../lib/collection/merge.js';
import { decodeWal, encodeWal, HybridClock, prepareUpserts } from '../../../lib/collection/wal.js';
import { requirePointId } from '../../../lib/model/point-id.js';
import { foldBatches } from '../../../lib/collection/tail.js';
import { crc32 } from '../../../lib/binary/binary-format.js';
import { config, rng } from '../../support/collection-harness.js';

describe('object keys', () => {
  it('lays out a collection under one prefix, WAL keys sorting by seq', () => {
    const c = collectionPrefix('tenant', 'docs');
    expect(c).toBe('tenant/collections/docs');
    expect(collectionPrefix('', 'docs')).toBe('collections/docs');
    expect(manifestKey(c)).toBe('tenant/collections/docs/manifest.json');
    const keys = [walKey(c, 100, 'b'), walKey(c, 99, 'a'), walKey(c, 1_700_000_000_000, 'a')];
    expect([...keys].sort()).toEqual([keys[1], keys[0], keys[2]]);
    expect(parseWalName(keys[2])).toEqual({ name: '0001700000000000.a', seq: 1_700_000_000_000, writer: 'a' });
    expect(parseWalName(`${c}/wal/x.~tmp`)).toBeNull();
    expect(collectionNameOfKey('tenant', manifestKey(c))).toBe('docs');
    const seg = newSegmentId(1234, 'ab12');
    expect(segmentIdTime(seg)).toBe(1234);
    expect(segmentIdOfKey(c, `${c}/segments/${seg}/ids`)).toBe(seg);
    expect(tombstoneName(7)).toBe('deleted.00000000000000000007');
    expect(tombstoneName(10) > tombstoneName(9)).toBe(true);
  });

  it('rejects collection names Qdrant rejects', () => {
    for (const bad of ['', 'a/b', 'a\\b', '..', 'x'.repeat(256), 'a*b', ' lead']) {
      expect(() => validateCollectionName(bad)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    }
    for (const good of ['docs', 'my-collection_1', 'Ünïcode', 'a.b'])
      expect(() => validateCollectionName(good)).not.toThrow();
  });
});

describe('WAL format', () => {
  it('round-trips a batch bit-exactly and detects corruption', () => {
    const prepared = prepareUpserts(
      [
        { id: 1, vector: [3, 4], payload: { a: 1 } },
        { id: '550E8400E29B41D4A716446655440000', vector: [0, 0] },
      ],
      config(2, 'Cosine'),
    );
    expect(prepared.ids[1]).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(Array.from(prepared.vectors[0].data)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
    const bytes = encodeWal({ incarnation: 'i', seq: 42, writer: 'w', ...prepared, deletes: [7] });
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('SWAL');
    const back = decodeWal(bytes);
    expect(back).toMatchObject({ incarnation: 'i', seq: 42, writer: 'w', ids: prepared.ids, deletes: [7] });
    expect(back.vectors).toEqual(prepared.vectors);
    expect(back.payloads).toEqual([{ a: 1 }, null]);
    expect(Array.from(back.vectors)).toEqual(Array.from(prepared.vectors));
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 1;
    expect(() => decodeWal(bad)).toThrow(
      expect.objectContaining({ kind: 'internal', message: expect.stringContaining('checksum') }),
    );
  });

  it('numbers each layout once: v1 unnamed, v2 named, v3 multivector counts, v4 sparse blocks (with counts)', () => {
    const version = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(4, true);
    const head = { incarnation: 'i', seq: 1, writer: 'w', deletes: [] };
    const multi = { comparator: 'max_sim' as const };
    const unnamedMulti = {
      ...config(2, 'Dot'),
      vectors: { size: 2, distance: 'Dot' as const, on_disk: false, multivector_config: multi },
    };
    const rows = [
      [1, 2],
      [3, 4],
    ];
    // an unnamed multivector held by every point is not version 1's one row per point
    const v3 = prepareUpserts([{ id: 1, vector: rows }], unnamedMulti);
    const b3 = encodeWal({ ...head, ...v3 });
    expect(version(b3)).toBe(3);
    expect(decodeWal(b3).vectors).toEqual(v3.vectors);
    const hybrid = {
      ...config(2, 'Dot'),
      vectors: { m: { size: 2, distance: 'Dot' as const, on_disk: false, multivector_config: multi } },
      sparse_vectors: { s: {} },
    };
    const both = prepareUpserts(
      [
        { id: 1, vector: { m: rows, s: { indices: [9, 2], values: [0.5, 1] } } },
        { id: 2, vector: { m: [5, 6] } },
      ],
      hybrid,
    );
    const b4 = encodeWal({ ...head, ...both });
    expect(version(b4)).toBe(4);
    const back = decodeWal(b4);
    expect(back.vectors).toEqual(both.vectors);
    expect(back.vectors[0].counts).toEqual([2, 1]);
    expect(back.sparse).toEqual(both.sparse);
    expect(back.sparse?.[0].points).toEqual([0]);
    expect(version(encodeWal({ ...head, ...prepareUpserts([{ id: 1, vector: { m: rows } }], hybrid) }))).toBe(3);
    expect(version(encodeWal({ ...head, ...prepareUpserts([{ id: 1, vector: [1, 2] }], config(2, 'Dot')) }))).toBe(1);
  });

  it('v5 stores float16 / uint8 rows in their type (2 and 1 bytes a value), decoding to the prepared float32 values', () => {
    const version = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(4, true);
    const head = { incarnation: 'i', seq: 1, writer: 'w', deletes: [] };
    const dim = 33; // an odd row size: blocks are padded to 4 bytes so the block after stays aligned
    const typed = {
      ...config(dim, 'Cosine'),
      vectors: {
        h: { size: dim, distance: 'Dot' as const, on_disk: false, datatype: 'float16' as const },
        c: { size: dim, distance: 'Cosine' as const, on_disk: false, datatype: 'float16' as const },
        u: { size: dim, distance: 'Euclid' as const, on_disk: false, datatype: 'uint8' as const },
        f: { size: dim, distance: 'Dot' as const, on_disk: false },
      },
      sparse_vectors: { s: {} },
    };
    const r = rng(7);
    const row = (scale: number) => Array.from({ length: dim }, () => (r() - 0.3) * scale);
    const points = Array.from({ length: 9 }, (_, i) => ({
      id: i,
      vector: {
        h: row(1e5), // beyond float16's range too: an infinity is a float16 value
        c: row(3), // normalized in float32, then rounded to float16
        u: row(600), // negative and > 255: saturated, fractions dropped
        ...(i % 2 === 0 ? { f: row(1) } : {}),
        ...(i === 4 ? { s: { indices: [3, 1], values: [0.5, 2] } } : {}),
      },
    }));
    const prepared = prepareUpserts(points, typed);
    expect(prepared.vectors.map((b) => [b.name, b.datatype])).toEqual([
      ['h', 'float16'],
      ['c', 'float16'],
      ['u', 'uint8'],
      ['f', undefined],
    ]);
    const bytes = encodeWal({ ...head, ...prepared });
    expect(version(bytes)).toBe(5);
    const back = decodeWal(bytes);
    // the very float32 values prepared (float16 rounding and uint8 truncation happened before the record)
    expect(back.vectors).toEqual(prepared.vectors);
    expect(back.sparse).toEqual(prepared.sparse);
    for (const b of back.vectors) {
      const want = prepared.vectors.find((x) => x.name === b.name)?.data as Float32Array;
      expect(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)).toEqual(
        Buffer.from(want.buffer, want.byteOffset, want.byteLength),
      );
    }
    expect(Array.from(back.vectors[0].data)).toContain(Number.POSITIVE_INFINITY);
    // the same batch with float32 rows (what every version before 5 wrote) is larger by what the types save
    const plain = encodeWal({ ...head, ...prepared, vectors: prepared.vectors.map(({ datatype: _, ...b }) => b) });
    expect(version(plain)).toBe(4);
    const values = 9 * dim;
    // two float16 blocks save 2 bytes a value, the uint8 one 3; the headers' datatype keys and padding cost a little
    const headDelta = ',"datatype":"float16"'.length * 2 + ',"datatype":"uint8"'.length;
    expect(plain.length - bytes.length).toBeGreaterThanOrEqual(values * (2 + 2 + 3) - headDelta - 3 * 4);
    expect(decodeWal(plain).vectors.map((b) => b.data)).toEqual(prepared.vectors.map((b) => b.data));
    // a float16-only batch without sparse vectors is version 5 too, half the float32 rows' bytes
    const half = prepareUpserts([{ id: 1, vector: { h: row(1) } }], typed);
    const halfBytes = encodeWal({ ...head, ...half });
    expect(version(halfBytes)).toBe(5);
    expect(decodeWal(halfBytes).vectors).toEqual(half.vectors);
    const halfPlain = encodeWal({ ...head, ...half, vectors: half.vectors.map(({ datatype: _, ...b }) => b) });
    expect(halfPlain.length - halfBytes.length).toBeGreaterThanOrEqual(dim * 2 - 4 - ',"datatype":"float16"'.length);
    // a version-5 object whose block names another type is refused, not misread
    const forged = Buffer.from(halfBytes);
    const at = forged.indexOf('float16');
    forged.write('float64', at);
    const dv = new DataView(forged.buffer, forged.byteOffset, forged.byteLength);
    dv.setUint32(20, crc32(forged.subarray(24)), true);
    expect(() => decodeWal(forged)).toThrow(expect.objectContaining({ message: expect.stringContaining('datatype') }));
  });

  it('v5 keeps float32 for rows its type cannot hold exactly (rows normalized before datatypes, rewritten)', () => {
    const version = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(4, true);
    const head = { incarnation: 'i', seq: 1, writer: 'w', deletes: [] };
    const legacy = new Float32Array([0.6, 0.8]); // a uint8 Cosine row as records before this change held it
    const batch = {
      ...head,
      ids: [1],
      payloads: [null],
      vectors: [{ name: '', dim: 2, points: null, data: legacy, datatype: 'uint8' as const }],
    };
    const bytes = encodeWal(batch);
    expect(version(bytes)).toBe(1);
    expect(Array.from(decodeWal(bytes).vectors[0].data)).toEqual(Array.from(legacy));
    // a representable block beside it is still typed, and each block decodes to its own values
    const bytes5 = encodeWal({
      ...batch,
      vectors: [
        ...batch.vectors,
        { name: 'b', dim: 2, points: null, data: new Float32Array([1, 255]), datatype: 'uint8' },
      ],
    });
    expect(version(bytes5)).toBe(5);
    const back = decodeWal(bytes5).vectors;
    expect(back.map((b) => [b.name, b.datatype, Array.from(b.data)])).toEqual([
      ['', undefined, Array.from(legacy)],
      ['b', 'uint8', [1, 255]],
    ]);
  });

  it('validates ids and vectors before anything is encoded', () => {
    expect(() => requirePointId(-1)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => requirePointId(1.5)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => requirePointId('not-a-uuid')).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => prepareUpserts([{ id: 1, vector: [1e39, 0] }], config(2, 'Dot'))).toThrow(
      expect.objectContaining({ kind: 'invalid', path: 'points[0].vector[0]' }),
    );
    expect(() => prepareUpserts([{ id: 1, vector: [1, 0, 0] }], config(2, 'Dot'))).toThrow(
      expect.objectContaining({ code: 'vector_dimension', path: 'points[0].vector', detail: 'expected dim: 2, got 3' }),
    );
    expect(() => prepareUpserts([{ id: 'abc', vector: [1, 0] }], config(2, 'Dot'))).toThrow(
      expect.objectContaining({ code: 'format', path: 'points[0].id' }),
    );
  });

  it('the hybrid clock never goes back and jumps past what it observed', () => {
    let t = 1000;
    const clock = new HybridClock(() => t);
    expect(clock.next()).toBe(1000);
    expect(clock.next()).toBe(1001);
    t = 500;
    expect(clock.next()).toBe(1002);
    clock.observe(5000);
    expect(clock.next()).toBe(5001);
  });

  it('folds batches by (seq, writer) whatever order they are read in; the last occurrence in a batch wins', () => {
    const mk = (seq: number, writer: string, ids: number[], deletes: number[] = []) => ({
      name: `${seq}.${writer}`,
      batch: {
        incarnation: 'i',
        seq,
        writer,
        ids,
        payloads: ids.map((_, i) => ({ i })),
        vectors: [{ name: '', dim: 1, points: null, data: Float32Array.from(ids.map((_, i) => i)) }],
        deletes,
      },
    });
    const folded = foldBatches([mk(5, 'b', [1]), mk(5, 'a', [1, 2, 1]), mk(6, 'a', [], [2])]);
    expect(folded.get(1)).toMatchObject({ version: 5, writer: 'b' });
    expect(folded.get(2)).toMatchObject({ version: 6, vectors: null });
    const inBatch = foldBatches([mk(1, 'a', [3, 3])]);
    expect(inBatch.get(3)?.payload).toEqual({ i: 1 });
  });

  it('the merge keeps one result per id, the newest version, ranked by similarity', () => {
    const page = mergeCandidates(
      [
        [
          { id: 1, version: 1, similarity: 0.9, segment: 's1' },
          { id: 2, version: 1, similarity: 0.5, segment: 's1' },
        ],
        [
          { id: 1, version: 2, similarity: 0.1, segment: null },
          { id: 3, version: 1, similarity: 0.5, segment: 's2' },
        ],
      ],
      0,
      10,
    );
    expect(page.map((c) => [c.id, c.version])).toEqual([
      [2, 1],
      [3, 1],
      [1, 2],
    ]);
  });

  it('the merge of thousands (a WAL tail under a writer) pages exactly as deduping and sorting them all', () => {
    // past 4 × (offset + limit) candidates the merge keeps a bounded queue instead of sorting: same pages, ties by id
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              id: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom('a', 'b', 'c')),
              version: fc.integer({ min: 1, max: 3 }),
              similarity: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: -1, max: 1, noNaN: true })),
              segment: fc.constantFrom<string | null>(null, 's1', 's2'),
            }),
            { maxLength: 400 },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 30 }),
        (lists, offset, limit) => {
          // the reference: every id's copies ranked newest first, a tail copy before a segment's of the same
          // version, the first seen among equals; the first copy of each id kept; then one full sort
          const flat = lists.flat().map((c, at) => ({ c, at }));
          flat.sort(
            (x, y) =>
              x.c.version - y.c.version || Number(x.c.segment === null) - Number(y.c.segment === null) || y.at - x.at,
          );
          const byId = new Map(flat.map(({ c }) => [c.id, c]));
          const expected = [...byId.values()].sort(compareCandidates).slice(offset, offset + limit);
          expect(mergeCandidates(lists, offset, limit)).toEqual(expected);
        },
      ),
      { seed: 31, numRuns: 200 },
    );
  });

  it('TopCandidates keeps the first m of what it is offered, as a full sort would, whatever admits turns away', () => {
    // the WAL tail's scoring offers only what admits lets in; ties at the worst kept similarity go to offer
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            id: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('a', 'b', 'c')),
            version: fc.constant(1),
            similarity: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: -1, max: 1, noNaN: true })),
            segment: fc.constant(null),
          }),
          { selector: (c) => c.id, maxLength: 500 },
        ),
        fc.integer({ min: 0, max: 30 }),
        (all, m) => {
          const top = new TopCandidates<(typeof all)[number]>(m);
          for (const c of all) if (top.admits(c.similarity)) top.offer(c);
          expect(top.sorted()).toEqual([...all].sort(compareCandidates).slice(0, m));
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
