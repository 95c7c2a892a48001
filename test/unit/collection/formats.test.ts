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
import { mergeCandidates } from '../../../lib/collection/merge.js';
import { decodeWal, encodeWal, HybridClock, prepareUpserts } from '../../../lib/collection/wal.js';
import { requirePointId } from '../../../lib/model/point-id.js';
import { foldBatches } from '../../../lib/collection/tail.js';
import { config } from '../../support/collection-harness.js';

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
});
