/**
 * Qdrant's multitenancy layout ("Multitenancy / Calibrate performance": `hnsw_config: {payload_m: 16, m: 0}` and a
 * keyword index with `is_tenant: true`) through the official `@qdrant/js-client-rest` over TCP, on real data
 * (GloVe-100, 10,000 points in three tenants of 1/2, 1/3 and 1/6; three sealed segments and a WAL tail).
 *
 * The collection starts as m 16 (8,000 points sealed, then 1,000 in the WAL: its recall, then sealed too); a PATCH to
 * m 0 turns yellow, answers every query meanwhile, and the optimizer rebuilds the segments with per-tenant graphs
 * only (green after, nothing left to rebuild). 1,000 more points stay in the WAL. Then, against brute force:
 * tenant-filtered recall@10 at the default ef is ≥ 0.95 and within 0.01 of the m 16 collection's, before and after
 * sealing the tail; the workers' distance count (the `x-strata-cost` header) shows a walk, not a scan of the tenant;
 * an unfiltered query is exact (the same answer as `exact: true`).
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { optimize } from '../../lib/collection/optimizer.js';
import { normalizeRows } from '../../lib/distance/index.js';
import { floatScorer } from '../../lib/index/scorer.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { parseMeta } from '../../lib/segment/meta.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, service, tempStore } from '../support/collection-harness.js';
import { type Dataset, datasetsAvailable, loadGlove, slice } from '../support/datasets.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const N = 10_000;
const SEALED = 8000;
/** written before the PATCH (the first WAL tail, sealed by the rebuilding run) */
const BEFORE_PATCH = 9000;
const QUERIES = 20;
const K = 10;
const TENANTS = ['a', 'b', 'c'] as const;
const tenantOf = (i: number): string => (i % 6 < 3 ? 'a' : i % 6 < 5 ? 'b' : 'c');
const C = 'tenants';
const PREFIX = collectionPrefix('', C);

let ds: Dataset;
let base: Float32Array;
let store: FileSystemStore;
let strata: StrataUnderTest;
let client: QdrantClient;
let cleanup: () => void;
const now = () => Date.now();

const query = (qi: number): number[] => Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim));

/** the best k ids among the first `upTo` points that `keep` selects, by brute force on the normalized originals */
function truth(qi: number, upTo: number, keep: (i: number) => boolean): number[] {
  const q = Float32Array.from(query(qi));
  normalizeRows(q, ds.dim);
  const s = floatScorer(base, ds.dim, 'Cosine', q);
  const all: { i: number; s: number }[] = [];
  for (let i = 0; i < upTo; i++) if (keep(i)) all.push({ i, s: s.score(i) });
  return all
    .sort((x, y) => y.s - x.s || x.i - y.i)
    .slice(0, K)
    .map((x) => x.i);
}

const tenantFilter = (t: string) => ({ must: [{ key: 'tenant', match: { value: t } }] });

async function tenantQuery(qi: number, t: string): Promise<number[]> {
  const r = await client.query(C, { query: query(qi), limit: K, filter: tenantFilter(t) });
  return r.points.map((p) => p.id as number);
}

/** recall@10 of tenant-filtered queries over the points written so far */
async function tenantRecall(t: string, upTo: number): Promise<number> {
  let hits = 0;
  for (let qi = 0; qi < QUERIES; qi++) {
    const want = truth(qi, upTo, (i) => tenantOf(i) === t);
    hits += (await tenantQuery(qi, t)).filter((id) => want.includes(id)).length;
  }
  return hits / (QUERIES * K);
}

async function upsert(from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 500) {
    const end = Math.min(to, at + 500);
    await client.upsert(C, {
      wait: true,
      points: Array.from({ length: end - at }, (_, k) => ({
        id: at + k,
        vector: Array.from(ds.base.subarray((at + k) * ds.dim, (at + k + 1) * ds.dim)),
        payload: { tenant: tenantOf(at + k) },
      })),
    });
  }
}

async function segmentMetas() {
  const m = (await loadManifest(store, manifestKey(PREFIX)))?.manifest;
  return Promise.all(
    (m?.segments ?? []).map(
      async (s) => parseMeta((await store.get(segmentObjectKey(segmentPrefix(PREFIX, s.id), META)))?.body).spaces[''],
    ),
  );
}

const m16: Record<string, number> = {};
/** points the workers scored per tenant-a query of the m 16 collection */
let m16Scored = 0;

/** mean distances the workers computed per tenant query (the `x-strata-cost` header) */
async function scoredPerQuery(t: string): Promise<number> {
  let distances = 0;
  for (let qi = 0; qi < QUERIES; qi++) {
    const res = await fetch(`${strata.url}/collections/${C}/points/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'strata-debug': 'cost' },
      body: JSON.stringify({ query: query(qi), limit: K, filter: tenantFilter(t) }),
    });
    expect(res.status).toBe(200);
    distances += JSON.parse(res.headers.get('x-strata-cost') ?? '{}').distances;
  }
  return distances / QUERIES;
}

beforeAll(async () => {
  if (!datasetsAvailable()) return;
  ds = slice(await loadGlove(), N, QUERIES, K);
  base = Float32Array.from(ds.base);
  normalizeRows(base, ds.dim);
  const t = tempStore();
  store = t.store;
  cleanup = t.cleanup;
  strata = await startStrata(service(t.store, directInvoker(t.store)));
  client = strata.client;
  // full_scan_threshold 100 KB (256 GloVe vectors): each segment's tenant filters walk, as at Qdrant's scale
  await client.createCollection(C, {
    vectors: { size: ds.dim, distance: 'Cosine' },
    hnsw_config: { m: 16, payload_m: 16, full_scan_threshold: 100 },
    optimizers_config: { default_segment_number: 3, indexing_threshold: 1 },
  });
  await client.createPayloadIndex(C, {
    field_name: 'tenant',
    field_schema: { type: 'keyword', is_tenant: true },
    wait: true,
  });
  await upsert(0, SEALED);
  await optimize(store, PREFIX, { now, skipGc: true });
  await upsert(SEALED, BEFORE_PATCH); // the WAL tail
  for (const t of TENANTS) m16[t] = await tenantRecall(t, BEFORE_PATCH);
  await optimize(store, PREFIX, { now, skipGc: true });
  m16Scored = await scoredPerQuery('a');
}, 600_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe.skipIf(!datasetsAvailable())('multitenancy: m 0 + payload_m 16 + is_tenant (GloVe-100, JS client)', () => {
  it('a PATCH from m 16 to m 0 rebuilds into per-tenant graphs: yellow, every query answered, then green', async () => {
    expect((await segmentMetas()).length).toBe(3);
    await client.updateCollection(C, { hnsw_config: { m: 0 } });
    expect((await client.getCollection(C)).status).toBe('yellow');
    // the old graphs answer meanwhile
    expect(await tenantRecall('c', BEFORE_PATCH)).toBeGreaterThanOrEqual(0.95);
    const r = await optimize(store, PREFIX, { now, skipGc: true });
    expect(r.rebuilt).toBe(3);
    expect((await client.getCollection(C)).status).toBe('green');
    expect((await optimize(store, PREFIX, { now, skipGc: true })).rebuilt).toBe(0);
    const metas = await segmentMetas();
    expect(metas.reduce((n, m) => n + m.count, 0)).toBe(BEFORE_PATCH);
    for (const meta of metas) {
      expect(meta.hnsw?.m).toBe(0);
      expect(meta.hnsw?.payloadM).toBe(16);
    }
    const info = await client.getCollection(C);
    expect(info.config.hnsw_config).toMatchObject({ m: 0, payload_m: 16 });
  }, 600_000);

  it('tenant recall@10 at the default ef ≥ 0.95, within 0.01 of m 16, with the WAL tail and after sealing it', async () => {
    await upsert(BEFORE_PATCH, N); // a WAL tail over the rebuilt segments
    for (const t of TENANTS) {
      const recall = await tenantRecall(t, N);
      console.log(`tenant ${t}: recall@10 m0 ${recall}, m16 ${m16[t]} (segments + WAL tail)`);
      expect(recall).toBeGreaterThanOrEqual(0.95);
      expect(recall).toBeGreaterThanOrEqual(m16[t] - 0.01);
    }
    await optimize(store, PREFIX, { now, skipGc: true });
    const metas = await segmentMetas();
    expect(metas.reduce((n, m) => n + m.count, 0)).toBe(N);
    expect(metas.every((m) => m.hnsw?.m === 0)).toBe(true);
    for (const t of TENANTS) {
      const recall = await tenantRecall(t, N);
      console.log(`tenant ${t}: recall@10 m0 ${recall} (all sealed)`);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    }
  }, 600_000);

  it('a tenant query walks: the workers score far fewer points than the tenant holds, and than m 16 did', async () => {
    const size = Array.from({ length: N }, (_, i) => i).filter((i) => tenantOf(i) === 'a').length;
    const scored = await scoredPerQuery('a');
    console.log(`tenant a (${size} points, 3 segments): scored per query m0 ${scored.toFixed(0)}, m16 ${m16Scored}`);
    // a scan scores every point of the tenant; the walk of three ~1,700-point tenant graphs at ef 100 about half
    expect(scored).toBeGreaterThan(0);
    expect(scored).toBeLessThan(0.6 * size);
    // the m 16 walk also scores the other tenants' points it passes through
    expect(scored).toBeLessThan(m16Scored);
  });

  it('an unfiltered query is exact: the same answer as exact: true, = brute force', async () => {
    for (let qi = 0; qi < 5; qi++) {
      const plain = await client.query(C, { query: query(qi), limit: K });
      const exact = await client.query(C, { query: query(qi), limit: K, params: { exact: true } });
      expect(plain.points.map((p) => p.id)).toEqual(exact.points.map((p) => p.id));
      const want = truth(qi, N, () => true);
      expect(plain.points.filter((p) => want.includes(p.id as number)).length).toBe(K);
    }
  });
});
