/**
 * A collection with a multivector name, a dense name and a sparse name, through the official
 * `@qdrant/js-client-rest` against the real service (filesystem store, in-process segment searches).
 *
 * Pins the one WAL and segment numbering both features share (lib/collection/wal.ts, lib/segment/meta.ts): a batch
 * holding a multivector and a sparse vector is WAL version 4 with both the blocks' row counts and the sparse blocks,
 * a batch of multivectors alone stays version 3 and one of dense vectors alone version 2; the segment sealed from
 * them is format 4 with the multivector space's row map and the sparse index. Retrieve answers every kind of vector
 * as it was written (multivector rows normalized, sparse sorted by index) before and after the seal, queries of each
 * name find what they should, update_vectors of one kind keeps the others, and each name refuses the other kinds' shapes with Qdrant's wording.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, walPrefix } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { decodeWal } from '../../lib/collection/wal.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { SPARSE_SEGMENT_FORMAT, parseMeta } from '../../lib/segment/meta.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import { clientRejection, serveTempStore, type ServedTempStore } from '../support/strata-server.js';

const C = 'hybrid';
type Sparse = { indices: number[]; values: number[] };
interface Doc {
  colbert: number[][];
  text: Sparse;
  /** only on ids divisible by 3 */
  dense?: number[];
}

let strata: ServedTempStore;
let client: QdrantClient;
let svc: StrataCollectionService;
let store: FileSystemStore;
const docs = new Map<number, Doc>();

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

function makeDoc(id: number, r: () => number): Doc {
  const rows = 1 + Math.floor(r() * 3);
  const colbert = Array.from({ length: rows }, () => [r() - 0.5, r() - 0.5, r() - 0.5]);
  // unsorted on purpose (Qdrant sorts); id-specific dimensions so a query of one point's vector finds it first
  const indices = [1000 + id, 7, 500 + id];
  const text = { indices, values: [3, 0.5, 2] };
  return { colbert, text, ...(id % 3 === 0 ? { dense: [r(), r()] } : {}) };
}

async function walVersions(): Promise<number[]> {
  const entries = await store.list(walPrefix(collectionPrefix('', C)));
  return Promise.all(
    entries.map(async (e) => {
      const body = (await store.get(e.key))?.body as Uint8Array;
      return new DataView(body.buffer, body.byteOffset, body.byteLength).getUint16(4, true);
    }),
  );
}

const rejection = clientRejection;

async function checkRetrieveAndQuery(): Promise<void> {
  const ids = [...docs.keys()];
  const got = await client.retrieve(C, { ids, with_vector: true });
  expect(got.length).toBe(ids.length);
  for (const p of got) {
    const d = docs.get(Number(p.id)) as Doc;
    const v = p.vector as Record<string, number[][] | number[] | Sparse>;
    const rows = v.colbert as number[][];
    expect(rows.length).toBe(d.colbert.length);
    rows.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(norm(d.colbert[i])[j], 6)));
    const order = d.text.indices.map((_, i) => i).sort((a, b) => d.text.indices[a] - d.text.indices[b]);
    expect(v.text).toEqual({
      indices: order.map((i) => d.text.indices[i]),
      values: order.map((i) => d.text.values[i]),
    });
    if (d.dense) (v.dense as number[]).forEach((x, j) => expect(x).toBeCloseTo(d.dense?.[j] as number, 6));
    else expect(v.dense).toBeUndefined();
  }
  for (const id of [0, 4, 9]) {
    const d = docs.get(id) as Doc;
    const byText = await client.query(C, { query: d.text, using: 'text', limit: 3 });
    expect(byText.points[0].id).toBe(id);
    expect(byText.points[0].score).toBeCloseTo(9 + 0.25 + 4, 4);
    const byRows = await client.query(C, { query: d.colbert, using: 'colbert', limit: 1, params: { exact: true } });
    expect(byRows.points[0].id).toBe(id);
    expect(byRows.points[0].score).toBeCloseTo(d.colbert.length, 4);
  }
}

beforeAll(async () => {
  strata = await serveTempStore(2);
  ({ client, store, svc } = strata);
});

afterAll(async () => {
  await strata?.close();
});

describe('multivector and sparse vectors in one batch', () => {
  it('round-trips through the WAL (version 4) and a seal (format 4), retrieve answering both', async () => {
    await client.createCollection(C, {
      vectors: {
        colbert: { size: 3, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } },
        dense: { size: 2, distance: 'Dot' },
      },
      sparse_vectors: { text: {} },
    });
    const r = rng(5);
    // dense alone: version 2; multivectors alone: version 3 (what each wrote before the other existed)
    await client.upsert(C, { wait: true, points: [{ id: 100, vector: { dense: [1, 2] } }] });
    await client.upsert(C, { wait: true, points: [{ id: 101, vector: { colbert: [[1, 0, 0]] } }] });
    await client.delete(C, { wait: true, points: [100, 101] });
    for (let id = 0; id < 12; id++) docs.set(id, makeDoc(id, r));
    await client.upsert(C, {
      wait: true,
      points: [...docs].map(([id, d]) => ({
        id,
        vector: { colbert: d.colbert, text: d.text, ...(d.dense ? { dense: d.dense } : {}) },
      })),
    });
    expect(await walVersions()).toEqual([2, 3, 1, 4]);
    const entries = await store.list(walPrefix(collectionPrefix('', C)));
    const batch = decodeWal((await store.get(entries[3].key))?.body as Uint8Array);
    const colbert = batch.vectors.find((b) => b.name === 'colbert');
    expect(colbert?.counts).toEqual([...docs.values()].map((d) => d.colbert.length));
    expect(batch.sparse?.map((b) => [b.name, b.points, b.rows.length])).toEqual([['text', null, 12]]);
    await checkRetrieveAndQuery();

    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    const prefix = collectionPrefix('', C);
    const segments = (await loadManifest(store, manifestKey(prefix)))?.manifest.segments ?? [];
    expect(segments.length).toBeGreaterThan(0);
    for (const seg of segments) {
      const meta = parseMeta((await store.get(segmentObjectKey(segmentPrefix(prefix, seg.id), META)))?.body);
      expect(meta.format).toBe(SPARSE_SEGMENT_FORMAT);
      expect(meta.spaces.colbert.multivector?.vectors).toBeGreaterThan(meta.spaces.colbert.count);
      expect(meta.sparse?.text.count).toBe(meta.count);
    }
    expect((await svc.getCollection(C)).segments_count).toBe(segments.length);
    await checkRetrieveAndQuery();
  });

  it('update_vectors of one kind keeps the others (sealed point, then in the tail)', async () => {
    const text = { indices: [3, 1], values: [1, 2] };
    await client.updateVectors(C, { wait: true, points: [{ id: 4, vector: { text } }] });
    docs.set(4, { ...(docs.get(4) as Doc), text });
    const colbert = [
      [0, 1, 0],
      [0, 0, 2],
    ];
    await client.updateVectors(C, { wait: true, points: [{ id: 4, vector: { colbert } }] });
    docs.set(4, { ...(docs.get(4) as Doc), colbert });
    const [p] = await client.retrieve(C, { ids: [4], with_vector: true });
    expect(p.vector).toEqual({
      colbert: [
        [0, 1, 0],
        [0, 0, 1],
      ],
      text: { indices: [1, 3], values: [2, 1] },
    });
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    const [q] = await client.retrieve(C, { ids: [4], with_vector: true });
    expect(q.vector).toEqual(p.vector);
  });

  it('each name refuses the shapes of the other kinds with Qdrant wording, writing nothing', async () => {
    const sparse = 'Wrong input: Conversion between sparse and regular vectors failed';
    const multi = 'Wrong input: Conversion between multi and regular vectors failed';
    const put = (vector: Record<string, unknown>) =>
      client.upsert(C, { wait: true, points: [{ id: 50, vector }] as never });
    expect(await rejection(put({ colbert: { indices: [1], values: [1] } }))).toEqual({ status: 400, error: sparse });
    expect(await rejection(put({ text: [[1, 0, 0]] }))).toEqual({ status: 400, error: sparse });
    expect(await rejection(put({ text: [1, 0, 0] }))).toEqual({ status: 400, error: sparse });
    expect(await rejection(put({ dense: [[1, 0]] }))).toEqual({ status: 400, error: multi });
    expect(await rejection(put({ dense: { indices: [1], values: [1] } }))).toEqual({ status: 400, error: sparse });
    expect(await client.retrieve(C, { ids: [50] })).toEqual([]);
  });
});
