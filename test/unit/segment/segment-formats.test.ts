import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { IdTable, encodeIds } from '../../../lib/segment/ids-format.js';
import { localityOrder } from '../../../lib/segment/locality.js';
import { PayloadIndex, encodePayloads } from '../../../lib/segment/payload-format.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import { decodeTombstones, encodeTombstones } from '../../../lib/segment/tombstones.js';
import { encodeSegment, shouldIndex } from '../../../lib/segment/writer.js';
import { parseMeta, encodeMeta, liveMeta } from '../../../lib/segment/meta.js';
import { makeConfig, seededVectors } from '../../support/segment-fixtures.js';

const uuid = fc.uuid();
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

function expectInternal(fn: () => unknown, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isStrataError(err, 'internal')).toBe(true);
  expect((err as Error).message).toMatch(message);
}

describe('ids object', () => {
  it('maps every external id to its offset and back, for mixed u64 and UUID ids', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(u64, uuid), { maxLength: 200, selector: (x) => String(x) }), (ids) => {
        const t = new IdTable(
          encodeIds(
            ids,
            ids.map((_, i) => i * 2),
          ),
        );
        ids.forEach((id, o) => {
          expect(t.offsetOf(id)).toBe(o);
          expect(t.externalId(o)).toBe(id);
          expect(t.version(o)).toBe(o * 2);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('answers any id with its offset or -1: below, inside and above the numeric range, and with no numeric id', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 60 }), uuid), { maxLength: 30, selector: (x) => String(x) }),
        fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 40 }),
        (ids, probes) => {
          const t = new IdTable(
            encodeIds(
              ids,
              ids.map(() => 1),
            ),
          );
          for (const p of probes) expect(t.offsetOf(p)).toBe(ids.indexOf(p));
          expect(t.offsetsOf(probes)).toEqual(probes.map((p) => ids.indexOf(p)).filter((o) => o >= 0));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds UUIDs whatever their spelling, misses absent ids, rejects duplicates', () => {
    const id = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';
    const t = new IdTable(encodeIds([7, id, Number.MAX_SAFE_INTEGER], [1, 1, 1]));
    expect(t.offsetOf('5C56C79369F34FBF87E6C4BF54C28C26')).toBe(1);
    expect(t.offsetOf(Number.MAX_SAFE_INTEGER)).toBe(2);
    expect(t.offsetOf(8)).toBe(-1);
    expect(t.offsetOf('not-a-uuid')).toBe(-1);
    expect(t.offsetsOf([8, 7, id])).toEqual([0, 1]);
    expectInternal(() => encodeIds([3, 3], [1, 1]), /duplicate point id 3/);
    expectInternal(() => encodeIds([id, id.toUpperCase()], [1, 1]), /duplicate point id/);
  });

  it('detects corruption by checksum', () => {
    const bytes = encodeIds([1, 2, 3], [1, 1, 1]);
    bytes[40] ^= 1;
    expectInternal(() => new IdTable(bytes), /checksum/);
  });
});

describe('payload object', () => {
  it('round-trips payloads (null included) from the whole object and from ranged blobs', () => {
    const payloads = [{ a: 1 }, null, { b: ['x', { c: true }] }, {}];
    const bytes = encodePayloads(payloads);
    const idx = new PayloadIndex(bytes.subarray(0, 200));
    payloads.forEach((p, o) => {
      expect(idx.decode(bytes, 0, o)).toEqual(p);
      const r = idx.range(o);
      expect(idx.decode(bytes.slice(r.start, r.end), r.start, o)).toEqual(p);
    });
  });

  it('detects a corrupted blob by its own checksum', () => {
    const bytes = encodePayloads([{ a: 'hello' }]);
    const idx = new PayloadIndex(bytes);
    bytes[idx.range(0).start + 3] ^= 1;
    expectInternal(() => idx.decode(bytes, 0, 0), /blob of point 0: checksum/);
  });
});

describe('tombstones', () => {
  it('round-trips a bitmap and counts deletions once', () => {
    const t = decodeTombstones(encodeTombstones(20, [0, 19, 7, 7]));
    expect(t.deleted).toBe(3);
    expect([0, 7, 19].every((o) => t.has(o))).toBe(true);
    expect(t.has(1) || t.has(18)).toBe(false);
    expectInternal(() => encodeTombstones(5, [5]), /outside/);
  });
});

describe('writer', () => {
  it('indexes only above indexing_threshold KB (0 disables), as Qdrant does', () => {
    const c = makeConfig(100, 'Cosine', { indexingThreshold: 20 });
    expect(shouldIndex(c, 51)).toBe(false); // 19.9 KB
    expect(shouldIndex(c, 52)).toBe(true);
    expect(shouldIndex(makeConfig(100, 'Cosine', { indexingThreshold: 0 }), 10_000)).toBe(false);
  });

  it('is deterministic for a seed and writes no graph below the threshold', () => {
    const v = seededVectors(300, 8, 1);
    const input = {
      config: makeConfig(8, 'Cosine'),
      ids: Array.from({ length: 300 }, (_, i) => i),
      versions: new Array<number>(300).fill(1),
      vectors: v,
      payloads: new Array(300).fill(null),
      seed: 5,
    };
    const a = encodeSegment(input);
    const b = encodeSegment(input);
    expect([...a.objects.keys()].sort()).toEqual(['graph', 'ids', 'payload', 'quantized', 'vectors']);
    for (const [k, bytes] of a.objects)
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(b.objects.get(k)!))).toBe(0);
    expect(parseMeta(encodeMeta(a.meta))).toEqual(a.meta);
    const small = encodeSegment({
      ...input,
      config: makeConfig(8, 'Cosine', { indexingThreshold: 100, quantized: false }),
    });
    expect([...small.objects.keys()].sort()).toEqual(['ids', 'payload', 'vectors']);
    expect(small.meta.spaces[''].hnsw).toBeNull();
  });

  it("keeps the unnamed vector's objects in vectors/%unnamed/ only when the segment holds named dense vectors too", () => {
    const n = 40;
    const base = makeConfig(8, 'Cosine', { indexingThreshold: 0, quantized: false });
    const config = {
      ...base,
      vectors: { '': base.vectors as never, b: { size: 4, distance: 'Dot' as const, on_disk: false } },
    };
    const input = {
      config,
      ids: Array.from({ length: n }, (_, i) => i),
      versions: new Array<number>(n).fill(1),
      payloads: new Array(n).fill(null),
      seed: 5,
    };
    const unnamed = { name: '', points: null, data: seededVectors(n, 8, 1) };
    const half = Uint32Array.from({ length: n / 2 }, (_, i) => 2 * i);
    const both = encodeSegment({
      ...input,
      spaces: [unnamed, { name: 'b', points: half, data: seededVectors(n / 2, 4, 2) }],
    });
    expect([...both.objects.keys()].sort()).toEqual([
      'ids',
      'payload',
      'vectors/%unnamed/vectors',
      'vectors/b/offsets',
      'vectors/b/vectors',
    ]);
    expect(both.meta.spaces[''].nested).toBe(true);
    expect(both.meta.spaces.b.nested).toBeUndefined();
    expect(parseMeta(encodeMeta(both.meta))).toEqual(both.meta);
    // no point holds the name: the unnamed vector stays at the top level (format 1, byte for byte as before)
    const alone = encodeSegment({
      ...input,
      spaces: [unnamed, { name: 'b', points: new Uint32Array(0), data: new Float32Array(0) }],
    });
    expect([...alone.objects.keys()].sort()).toEqual(['ids', 'payload', 'vectors']);
    expect(alone.meta.format).toBe(1);
    expect(() =>
      parseMeta({ ...JSON.parse(JSON.stringify(both.meta)), spaces: { '': { ...both.meta.spaces[''], nested: 1 } } }),
    ).toThrow(/nested/);
  });

  it("keeps the generation of a re-created '' that is the segment's only vector: format 2, read back live", () => {
    const n = 20;
    const base = makeConfig(8, 'Cosine', { indexingThreshold: 0, quantized: false });
    // '' deleted and created again over gRPC (CreateVectorName ""): its rows carry generation 3
    const config = { ...base, vectors: { '': base.vectors as never }, vector_generations: { '': 3 } };
    const seg = encodeSegment({
      config,
      ids: Array.from({ length: n }, (_, i) => i),
      versions: new Array<number>(n).fill(1),
      payloads: new Array(n).fill(null),
      seed: 5,
      spaces: [{ name: '', points: null, data: seededVectors(n, 8, 1) }],
    });
    expect([...seg.objects.keys()].sort()).toEqual(['ids', 'payload', 'vectors']);
    const back = parseMeta(encodeMeta(seg.meta));
    expect(back.format).toBe(2);
    expect(back.spaces[''].generation).toBe(3);
    expect(Object.keys(liveMeta(back, new Map([['', 3]])).spaces)).toEqual(['']);
  });

  it('orders points by locality: a permutation that keeps neighbours close', () => {
    const v = seededVectors(2000, 16, 9);
    const order = localityOrder(v, 16, 1);
    expect(new Set(order).size).toBe(2000);
    expect(Array.from(localityOrder(v, 16, 1))).toEqual(Array.from(order));
  });
});

describe('segment registry', () => {
  const entry = (bytes: number) => ({ memoryBytes: () => bytes });

  it('evicts least recently used entries beyond its byte budget, never the newest', async () => {
    const r = new SegmentRegistry({ budgetBytes: 100 });
    await r.getOrOpen('a', async () => entry(40));
    await r.getOrOpen('b', async () => entry(40));
    expect(r.get('a')).toBeDefined(); // a is now most recent
    await r.getOrOpen('c', async () => entry(40));
    expect(r.get('b')).toBeUndefined();
    expect(r.get('a')).toBeDefined();
    await r.getOrOpen('huge', async () => entry(1000));
    expect(r.size).toBe(1);
    expect(r.get('huge')).toBeDefined();
  });

  it('re-charges an entry that grew when touched, evicting the least recently used others to fit', async () => {
    const r = new SegmentRegistry({ budgetBytes: 100 });
    let grown = 30;
    await r.getOrOpen('a', async () => entry(30));
    await r.getOrOpen('b', async () => ({ memoryBytes: () => grown }));
    await r.getOrOpen('c', async () => entry(30));
    expect(r.size).toBe(3);
    grown = 60; // b decoded its payloads for a filter
    r.touch('b');
    expect(r.get('a')).toBeUndefined(); // least recently used: evicted
    expect(r.get('b')).toBeDefined();
    expect(r.get('c')).toBeDefined();
    expect(r.stats()).toMatchObject({ entries: 2, bytes: 90, evictions: 1 });
    // a touch that finds the same size still marks the entry recent: c was read last, b is touched after it, so a
    // new entry evicts c
    r.touch('b');
    await r.getOrOpen('d', async () => entry(30));
    expect(r.get('c')).toBeUndefined();
    expect(r.get('b')).toBeDefined();
    expect(r.stats()).toMatchObject({ entries: 2, bytes: 90, evictions: 2 });
  });

  it('shares one in-flight open and retries after a failure', async () => {
    const r = new SegmentRegistry({ budgetBytes: 100 });
    let opens = 0;
    const open = async () => {
      opens++;
      await new Promise((res) => setTimeout(res, 5));
      return entry(1);
    };
    const [x, y] = await Promise.all([r.getOrOpen('s', open), r.getOrOpen('s', open)]);
    expect(opens).toBe(1);
    expect(x.cold && y.cold).toBe(true);
    expect((await r.getOrOpen('s', open)).cold).toBe(false);
    await expect(r.getOrOpen('f', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await r.getOrOpen('f', open)).cold).toBe(true);
  });
});
