/**
 * Originals stored in their datatype (vectors-format.ts version 2, meta `datatype`): float16 rows take 2 bytes per
 * value and uint8 rows 1, in S3 (object sizes), in the page cache and in a worker's memory, while every search
 * answers what brute force under Qdrant's rules answers over the stored values (float16: the values after Qdrant's
 * rounding; uint8: the bytes, Cosine as Qdrant's full cosine of bytes); retrieve returns the stored values (a uint8
 * Cosine vector's bytes, not normalized). Old float32 objects (version 1) and metas without `datatype` still open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../../lib/binary/binary-format.js';
import { prepareRow } from '../../../lib/collection/wal.js';
import {
  FLOAT16_VALUES,
  cosineOfBytes,
  float16Bits,
  representableAs,
  similarityToScore,
} from '../../../lib/distance/index.js';
import {
  deserializeStoredVectors,
  deserializeVectors,
  parseVectorsHeader,
  serializeVectors,
} from '../../../lib/index/vectors-format.js';
import { mulberry32 } from '../../../lib/index/rng.js';
import type { CollectionConfig, VectorDatatype } from '../../../lib/model/collection-config.js';
import { roundFloat16 } from '../../../lib/model/datatype.js';
import type { Distance } from '../../../lib/model/distance.js';
import { vectorSpace } from '../../../lib/model/vector-spaces.js';
import { VECTORS, segmentObjectKey } from '../../../lib/segment/keys.js';
import { SEGMENT_FORMAT, encodeMeta, parseMeta } from '../../../lib/segment/meta.js';
import { openSegment, readMeta } from '../../../lib/segment/open.js';
import { readPoints } from '../../../lib/segment/points.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import type { Segment } from '../../../lib/segment/segment.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { type SegmentTaskContext, runSegmentTask } from '../../../lib/segment/task.js';
import { encodeSegment, shouldIndex, writeSegment } from '../../../lib/segment/writer.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { COLLECTION, makeConfig, seededPayloads, tempStore } from '../../support/segment-fixtures.js';

const N = 2000;
const DIM = 16;
const PAGE = 4096;
const SEED = 9;
const ids = Array.from({ length: N }, (_, i) => i + 1);

describe('float16 bit patterns', () => {
  it('every float16 value round-trips through float16Bits, and rounding agrees with roundFloat16', () => {
    for (let h = 0; h < 65536; h++) {
      const v = FLOAT16_VALUES[h];
      if (Number.isNaN(v)) continue;
      // −0 and +0 keep their sign bit
      expect(float16Bits(v)).toBe(h);
    }
    const rnd = mulberry32(3);
    for (let i = 0; i < 20000; i++) {
      const x = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 28);
      expect(FLOAT16_VALUES[float16Bits(x)]).toBe(roundFloat16(x));
    }
    expect(FLOAT16_VALUES[float16Bits(70000)]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('vectors object in a datatype', () => {
  const rows = new Float32Array(1000 * DIM);
  const rnd = mulberry32(4);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.floor(rnd() * 256);

  it('round-trips float16 and uint8 rows in their type, with proportionally more rows per page', () => {
    const f16 = rows.map((x) => roundFloat16(x / 37));
    for (const [type, data, Typed] of [
      ['float16', f16, Uint16Array],
      ['uint8', rows, Uint8Array],
    ] as const) {
      const bytes = serializeVectors(data, DIM, PAGE, type);
      const meta = parseVectorsHeader(bytes);
      expect(meta.datatype).toBe(type);
      expect(meta.rowsPerPage).toBe(Math.floor((PAGE - 8) / ((type === 'float16' ? 2 : 1) * DIM)));
      const stored = deserializeStoredVectors(bytes).data;
      expect(stored).toBeInstanceOf(Typed);
      expect(Array.from(deserializeVectors(bytes).data)).toEqual(Array.from(data));
    }
  });

  it('takes exactly 4, 2 and 1 bytes per value plus the header and 8 bytes a page', () => {
    const size = (type: VectorDatatype) => serializeVectors(rows, DIM, PAGE, type).byteLength;
    // rows per 4 KiB page at dim 16: 63 (float32), 127 (float16), 255 (uint8)
    expect(size('float32')).toBe(64 + Math.ceil(1000 / 63) * 8 + 1000 * DIM * 4);
    expect(size('float16')).toBe(64 + Math.ceil(1000 / 127) * 8 + 1000 * DIM * 2);
    expect(size('uint8')).toBe(64 + Math.ceil(1000 / 255) * 8 + 1000 * DIM);
  });

  it('reads a version 1 (float32) object built byte by byte as before datatypes', () => {
    const n = 3;
    const dim = 2;
    const values = [1.5, -2, 0.25, 8, -0.5, 3];
    const out = new Uint8Array(64 + 8 + n * dim * 4);
    const view = new DataView(out.buffer);
    out.set(new TextEncoder().encode('STRAVF32'), 0);
    [1, n, dim, PAGE, Math.floor((PAGE - 8) / (4 * dim)), 8 + Math.floor((PAGE - 8) / (4 * dim)) * 4 * dim, 1].forEach(
      (v, i) => view.setUint32(8 + 4 * i, v, true),
    );
    view.setUint32(36, crc32(out, 0, 36), true);
    view.setUint32(64 + 4, 0, true);
    values.forEach((v, i) => view.setFloat32(64 + 8 + 4 * i, v, true));
    view.setUint32(64, crc32(out, 64 + 4, out.length), true);
    const back = deserializeStoredVectors(out);
    expect(back.meta.datatype).toBe('float32');
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.data)).toEqual(values);
    // and float32 rows are still written as exactly that layout
    expect(serializeVectors(Float32Array.from(values), dim, PAGE)).toEqual(out);
  });

  it('refuses a version 2 object whose element type is unknown', () => {
    const bytes = serializeVectors(rows, DIM, PAGE, 'uint8');
    const view = new DataView(bytes.buffer);
    view.setUint32(36, 7, true);
    view.setUint32(40, crc32(bytes, 0, 40), true);
    expect(() => parseVectorsHeader(bytes)).toThrow(/element type 7/);
  });
});

/** Raw request values: uint8-ish magnitudes so every datatype keeps information. */
function rawVectors(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const centers = Array.from({ length: 8 }, () => Array.from({ length: DIM }, () => rnd() * 200));
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(rnd() * centers.length)];
    for (let j = 0; j < DIM; j++) out[i * DIM + j] = Math.max(0, c[j] + (rnd() - 0.5) * 60);
  }
  return out;
}

function configOf(datatype: VectorDatatype, distance: Distance, vectorsOnDisk: boolean, quantized: boolean) {
  const c = makeConfig(DIM, distance, { quantized, vectorsOnDisk, graphOnDisk: vectorsOnDisk });
  return { ...c, vectors: { size: DIM, distance, on_disk: vectorsOnDisk, datatype } } as CollectionConfig;
}

/** Rows as the WAL stores them for the config (Qdrant's conversion; Cosine normalized, but uint8 keeps bytes). */
function storedRows(config: CollectionConfig, raw: Float32Array): Float32Array {
  const out = Float32Array.from(raw);
  const space = vectorSpace(config, '');
  for (let r = 0; r < out.length / DIM; r++) prepareRow(space, out, r * DIM);
  return out;
}

/** Qdrant's score of a stored row for a query (brute force, written out per rule). */
function qdrantScore(datatype: VectorDatatype, distance: Distance, q: Float32Array, v: Float32Array): number {
  if (datatype === 'uint8' && distance === 'Cosine') return cosineOfBytes(q, 0, v, 0, DIM);
  let s = 0;
  for (let j = 0; j < DIM; j++) {
    if (distance === 'Euclid') s += (q[j] - v[j]) ** 2;
    else if (distance === 'Manhattan') s += Math.abs(q[j] - v[j]);
    else s += q[j] * v[j];
  }
  return distance === 'Euclid' ? Math.sqrt(s) : s;
}

const CASES: { datatype: VectorDatatype; distance: Distance }[] = [
  { datatype: 'float16', distance: 'Cosine' },
  { datatype: 'float16', distance: 'Euclid' },
  { datatype: 'uint8', distance: 'Cosine' },
  { datatype: 'uint8', distance: 'Dot' },
  { datatype: 'uint8', distance: 'Manhattan' },
];

const t = tempStore();
const raw = rawVectors(N, 1);
const rawQueries = rawVectors(6, 2);
const prefix = (name: string) => `${COLLECTION}/segments/${name}`;
const nameOf = (c: (typeof CASES)[number], onDisk: boolean, quantized: boolean) =>
  `${c.datatype}-${c.distance}-${onDisk ? 'disk' : 'ram'}-${quantized ? 'int8' : 'plain'}`;

function context(): SegmentTaskContext & { cache: PageCache } {
  return {
    store: t.store,
    cache: new PageCache(t.store, { maxBytes: 64 * 1024 * 1024 }),
    registry: new SegmentRegistry<Segment>({ budgetBytes: 256 * 1024 * 1024 }),
  };
}

function task(segment: string, q: Float32Array, exact: boolean): SegmentSearchTask {
  return {
    collectionPrefix: COLLECTION,
    segments: [{ id: segment, deletedVersion: 0 }],
    vector: Array.from(q),
    limit: 10,
    params: { exact, hnsw_ef: 128, quantization: { ignore: false, rescore: true, oversampling: 3 } },
  };
}

beforeAll(async () => {
  for (const c of CASES) {
    for (const onDisk of [false, true]) {
      for (const quantized of [false, true]) {
        const config = configOf(c.datatype, c.distance, onDisk, quantized);
        await writeSegment(
          t.store,
          prefix(nameOf(c, onDisk, quantized)),
          {
            config,
            ids,
            versions: ids.map(() => 1),
            vectors: storedRows(config, raw),
            payloads: seededPayloads(N, 3),
            seed: SEED,
          },
          { graphPageSize: PAGE, vectorsPageSize: PAGE },
        );
      }
    }
  }
}, 120_000);

afterAll(() => t.cleanup());

describe('segments storing float16 / uint8 originals', () => {
  for (const c of CASES) {
    const e = c.datatype === 'float16' ? 2 : 1;
    it(`${c.datatype} ${c.distance}: meta, object size, page-cache and memory bytes are ${e} per value`, async () => {
      const name = nameOf(c, true, false);
      const meta = await readMeta(t.store, prefix(name));
      expect(meta.format).toBeGreaterThan(SEGMENT_FORMAT);
      expect(meta.spaces[''].datatype).toBe(c.datatype);
      const vectorsKey = segmentObjectKey(prefix(name), VECTORS);
      const size = (await t.store.get(vectorsKey))?.body.byteLength;
      const perPage = Math.floor((PAGE - 8) / (e * DIM));
      expect(size).toBe(64 + Math.ceil(N / perPage) * 8 + N * DIM * e);
      expect(meta.spaces[''].vectors.bytes).toBe(size);

      // an exact search over cold originals reads every page through the page cache: N × DIM × e bytes held
      const ctx = context();
      await runSegmentTask(task(name, rawQueries.subarray(0, DIM), true), ctx);
      expect(ctx.cache.stats.bytes).toBe(N * DIM * e);

      // pinned originals: the segment holds them in their type
      const pinned = await openSegment(t.store, ctx.cache, prefix(nameOf(c, false, false)));
      expect(pinned.space('')?.inMemoryVectors()?.byteLength).toBe(N * DIM * e);
    });

    for (const onDisk of [false, true]) {
      for (const quantized of [false, true]) {
        it(`${c.datatype} ${c.distance} ${onDisk ? 'paged' : 'in memory'}${quantized ? ', int8' : ''}: exact = brute force; HNSW finds it`, async () => {
          const name = nameOf(c, onDisk, quantized);
          const config = configOf(c.datatype, c.distance, onDisk, quantized);
          const stored = storedRows(config, raw);
          const queries = storedRows(config, rawQueries);
          const ctx = context();
          let found = 0;
          for (let k = 0; k < rawQueries.length / DIM; k++) {
            const prepared = queries.subarray(k * DIM, (k + 1) * DIM);
            const truth = ids
              .map((id, i) => ({
                id,
                s: qdrantScore(c.datatype, c.distance, prepared, stored.subarray(i * DIM, (i + 1) * DIM)),
              }))
              .sort((a, b) => (c.distance === 'Euclid' || c.distance === 'Manhattan' ? a.s - b.s : b.s - a.s));
            const exact = await runSegmentTask(task(name, prepared, true), ctx);
            // the top-10 scores, each the true score of the point returned (ties may order ids either way)
            const byId = new Map(truth.map((x) => [x.id, x.s]));
            exact.candidates.forEach((x, i) => {
              const score = similarityToScore(c.distance, x.similarity);
              expect(score).toBeCloseTo(truth[i].s, 3);
              expect(score).toBeCloseTo(byId.get(Number(x.id)) as number, 3);
            });
            expect(exact.candidates).toHaveLength(10);
            const approx = await runSegmentTask(task(name, prepared, false), ctx);
            const want = new Set(truth.slice(0, 10).map((x) => x.id));
            found += approx.candidates.filter((x) => want.has(Number(x.id))).length;
          }
          expect(found / (10 * (rawQueries.length / DIM))).toBeGreaterThanOrEqual(0.9);
        });
      }
    }

    it(`${c.datatype} ${c.distance}: retrieve answers the stored values`, async () => {
      const config = configOf(c.datatype, c.distance, true, true);
      const stored = storedRows(config, raw);
      const seg = await openSegment(t.store, context().cache, prefix(nameOf(c, true, true)));
      const offsets = [1, 8, 2000].map((id) => seg.ids.offsetOf(id));
      const points = await readPoints(seg, offsets, { withPayload: false, withVector: true });
      points.forEach((p) => {
        const i = (p.id as number) - 1;
        expect(Array.from(p.vectors?.get('') as Float32Array)).toEqual(
          Array.from(stored.subarray(i * DIM, (i + 1) * DIM)),
        );
      });
      if (c.datatype === 'uint8') {
        // the bytes as given (truncated), never normalized
        expect(Array.from(points[0].vectors?.get('') as Float32Array)).toEqual(
          Array.from(raw.subarray(0, DIM), Math.trunc),
        );
      }
    });
  }

  it('a uint8 Cosine row that is not bytes (a WAL record from before) is stored as float32, normalized, as before', () => {
    const config = configOf('uint8', 'Cosine', true, false);
    const legacy = Float32Array.from(raw);
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let j = 0; j < DIM; j++) s += Math.trunc(legacy[r * DIM + j]) ** 2;
      for (let j = 0; j < DIM; j++) legacy[r * DIM + j] = Math.trunc(legacy[r * DIM + j]) / Math.sqrt(s);
    }
    expect(representableAs('uint8', legacy)).toBe(false);
    const { meta, objects } = encodeSegment({
      config,
      ids,
      versions: ids.map(() => 1),
      vectors: legacy,
      payloads: seededPayloads(N, 3),
      seed: SEED,
    });
    expect(meta.spaces[''].datatype).toBeUndefined();
    expect(parseVectorsHeader(objects.get(VECTORS) as Uint8Array).datatype).toBe('float32');
  });

  it("Qdrant's indexing threshold counts the stored type's bytes (2000 × 16 values: 125, 62.5 and 31.25 KB)", () => {
    const at = (datatype: VectorDatatype, kb: number) => {
      const c = configOf(datatype, 'Dot', false, false);
      return shouldIndex({ ...c, optimizers_config: { ...c.optimizers_config, indexing_threshold: kb } }, N);
    };
    expect([at('float32', 100), at('float16', 100), at('uint8', 100)]).toEqual([true, false, false]);
    expect([at('float16', 62), at('float16', 63), at('uint8', 31), at('uint8', 32)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('a float32 segment keeps format 1 and no datatype, byte for byte', () => {
    const config = makeConfig(DIM, 'Dot', { quantized: false });
    const { meta } = encodeSegment({
      config,
      ids,
      versions: ids.map(() => 1),
      vectors: raw,
      payloads: seededPayloads(N, 3),
      seed: SEED,
    });
    const json = JSON.parse(new TextDecoder().decode(encodeMeta(meta)));
    expect(json.format).toBe(SEGMENT_FORMAT);
    expect(json.datatype).toBeUndefined();
    expect(parseMeta(encodeMeta(meta)).spaces[''].datatype).toBeUndefined();
  });
});
