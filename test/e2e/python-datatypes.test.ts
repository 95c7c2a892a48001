/**
 * float16 and uint8 vectors through the official Python client (`qdrant-client` 1.20), against the real HTTP server
 * over the real service: test/python/client_datatypes.py creates one collection per datatype × originals on disk
 * (paged) or in memory × int8 codes or none, each with a Cosine, a Dot and an Euclid vector, and queries every vector
 * exactly and by HNSW. The points arrive in three batches (overwrites included) with seals in between, so the
 * answers are checked over the WAL tail alone, tail + one segment, tail + several segments, and all sealed. Exact
 * answers equal brute force under Qdrant's rules over the stored values (float16: Qdrant's rounding after
 * normalizing; uint8: the bytes, Cosine as the full cosine of bytes), HNSW finds them, and retrieve answers the
 * stored values (a uint8 Cosine vector's bytes, not normalized, as Qdrant answers).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { parseMeta } from '../../lib/segment/meta.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { normalizeInPlace } from '../../lib/distance/index.js';
import { roundFloat16, toUint8 } from '../../lib/model/datatype.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type ServedTempStore, serveTempStore } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_datatypes.py');
const DIM = 8;
const NAMES = ['cos', 'dot', 'l2'] as const;
type Name = (typeof NAMES)[number];
type Datatype = 'float16' | 'uint8';
type Scored = { id: number; score: number };
type Answer = Record<
  string,
  Record<Name, { exact: Scored[]; approx: number[] }> & { retrieved: Record<string, Record<Name, number[]>> }
>;

interface Collection {
  name: string;
  datatype: Datatype;
  onDisk: boolean;
  int8: boolean;
}

const collections: Collection[] = [];
for (const datatype of ['float16', 'uint8'] as const)
  for (const onDisk of [false, true])
    for (const int8 of [false, true])
      collections.push({
        name: `dt_${datatype}_${onDisk ? 'disk' : 'ram'}_${int8 ? 'int8' : 'plain'}`,
        datatype,
        onDisk,
        int8,
      });

const r = rng(41);
// clustered values in [0, 300): uint8 truncates and saturates them, float16 rounds them
const centers = Array.from({ length: 6 }, () => Array.from({ length: DIM }, () => r() * 280));
const raw = () => {
  const c = centers[Math.floor(r() * centers.length)];
  return c.map((x) => Math.max(0, x + (r() - 0.5) * 80));
};
const batch = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => {
    const v = raw();
    return { id: from + k, vector: { cos: v, dot: v.map((x) => x / 3), l2: v.map((x) => x * 0.7) } };
  });
const BATCHES = [batch(0, 400), batch(300, 700), batch(650, 800)];
const query = raw();
const QUERY: Record<Name, number[]> = { cos: query, dot: query.map((x) => x / 3), l2: query.map((x) => x * 0.7) };
const RETRIEVE = [5, 350, 690, 799];

/** A value as Qdrant stores it for the datatype and distance (lib/model/datatype.ts's rules). */
function stored(datatype: Datatype, name: Name, v: readonly number[]): number[] {
  if (datatype === 'uint8') return v.map(toUint8);
  const f = Float32Array.from(v);
  if (name === 'cos') normalizeInPlace(f, 0, DIM);
  return Array.from(f, roundFloat16);
}

/** Qdrant's score of stored vectors (the query converted the same way). */
function score(datatype: Datatype, name: Name, q: number[], v: number[]): number {
  const dot = q.reduce((s, x, i) => s + x * v[i], 0);
  if (name === 'l2') return Math.sqrt(q.reduce((s, x, i) => s + (x - v[i]) ** 2, 0));
  if (name === 'cos' && datatype === 'uint8') {
    const n = Math.sqrt(q.reduce((s, x) => s + x * x, 0) * v.reduce((s, x) => s + x * x, 0));
    return n === 0 ? 0 : dot / n;
  }
  return dot;
}

/** Brute force over the latest write of every point. */
function reference(c: Collection, points: Map<number, Record<Name, number[]>>, name: Name): Scored[] {
  const q = stored(c.datatype, name, QUERY[name]);
  return [...points]
    .map(([id, v]) => ({ id, score: score(c.datatype, name, q, stored(c.datatype, name, v[name])) }))
    .sort((a, b) => (name === 'l2' ? a.score - b.score : b.score - a.score) || a.id - b.id);
}

let strata: ServedTempStore;
let svc: StrataCollectionService;
let store: FileSystemStore;

beforeAll(async () => {
  strata = await serveTempStore(2);
  ({ svc, store } = strata);
});

afterAll(async () => {
  await strata?.close();
});

function run(phase: string, points: unknown[]): Promise<Answer> {
  const job = { phase, url: strata.url, collections, points, query: QUERY, retrieve: RETRIEVE, dim: DIM };
  return runPythonJob<Answer>(SCRIPT, job, 240_000);
}

/** Seals every collection; each segment stores every vector's originals in the datatype, 2 or 1 bytes a value. */
async function seal(): Promise<void> {
  for (const c of collections) {
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(c.name);
    const prefix = collectionPrefix('', c.name);
    for (const seg of (await loadManifest(store, manifestKey(prefix)))?.manifest.segments ?? []) {
      const meta = parseMeta((await store.get(segmentObjectKey(segmentPrefix(prefix, seg.id), META)))?.body);
      for (const name of NAMES) {
        const s = meta.spaces[name];
        expect(s.datatype, `${c.name} ${name}`).toBe(c.datatype);
        const pages = Math.ceil(s.count / s.vectors.rowsPerPage);
        expect(s.vectors.bytes).toBe(64 + 8 * pages + s.count * DIM * (c.datatype === 'float16' ? 2 : 1));
      }
    }
  }
}

/** Every collection's answer against brute force; the HNSW hits found, summed over vectors and collections. */
function check(answer: Answer, points: Map<number, Record<Name, number[]>>, stage: string): void {
  for (const c of collections) {
    const a = answer[c.name];
    let found = 0;
    for (const name of NAMES) {
      const truth = reference(c, points, name);
      const byId = new Map(truth.map((x) => [x.id, x.score]));
      const what = `${stage} ${c.name} ${name}`;
      expect(a[name].exact, what).toHaveLength(10);
      // the top-10 scores, each the true score of the point answered (exact ties may order ids either way)
      a[name].exact.forEach((h, i) => {
        const digits = name === 'cos' ? 3 : 0;
        expect(h.score, what).toBeCloseTo(truth[i].score, digits);
        expect(h.score, what).toBeCloseTo(byId.get(h.id) as number, digits);
      });
      const want = new Set(truth.slice(0, 10).map((x) => x.id));
      found += a[name].approx.filter((id) => want.has(id)).length;
    }
    expect(found / 30, `${stage} ${c.name} HNSW hits`).toBeGreaterThanOrEqual(0.9);
    for (const id of RETRIEVE) {
      const v = points.get(id);
      const got = a.retrieved[String(id)];
      if (v === undefined) expect(got, `${stage} ${c.name} ${id}`).toBeUndefined();
      // the API prints float32 values shortest: read back as float32, they are the stored values exactly
      else
        for (const name of NAMES)
          expect(got[name].map(Math.fround), `${stage} ${c.name} ${id} ${name}`).toEqual(
            stored(c.datatype, name, v[name]),
          );
    }
  }
}

describe('float16 / uint8 collections through the Python client', () => {
  it('tail, tail + segments, all sealed: brute force under Qdrant rules; retrieve answers the stored values', async () => {
    const points = new Map<number, Record<Name, number[]>>();
    const add = (b: (typeof BATCHES)[number]) => {
      for (const p of b) points.set(p.id, p.vector);
    };
    add(BATCHES[0]);
    check(await run('create', BATCHES[0]), points, 'tail');
    await seal();
    add(BATCHES[1]);
    check(await run('more', BATCHES[1]), points, 'tail + 1 segment');
    await seal();
    for (const c of collections) expect((await svc.getCollection(c.name)).segments_count).toBeGreaterThanOrEqual(2);
    add(BATCHES[2]);
    check(await run('tail', BATCHES[2]), points, 'tail + segments');
    await seal();
    check(await run('sealed', []), points, 'sealed');
  }, 900_000);
});
