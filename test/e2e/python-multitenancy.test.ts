/**
 * Qdrant's multitenancy layout through the official Python client (`qdrant-client`), as its guide writes it
 * (`hnsw_config=HnswConfigDiff(payload_m=16, m=0)` and a keyword index with `is_tenant=True`): test/python/
 * client_tenants.py creates the collection and upserts 3,000 seeded points in three tenants, the test seals them into
 * two segments (per-tenant graphs, no main graph), and the client's tenant-filtered queries at the default ef find
 * what its `exact=True` queries find (recall@10 ≥ 0.95), only the tenant's points, and the config reads back as set.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { SegmentMeta } from '../../lib/segment/meta.js';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { parseMeta } from '../../lib/segment/meta.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, randomVectors, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_tenants.py');
const C = 'py_tenants';
const N = 3000;
const DIM = 16;
const tenantOf = (i: number) => `user_${i % 3}`;
/** 10 KB (Qdrant's minimum) = 160 vectors of dim 16: every tenant of each segment walks its graph */
const FULL_SCAN_KB = 10;

interface Answer {
  hnsw: { m: number; payload_m: number };
  walked: number[][];
  exact: number[][];
}

let strata: StrataUnderTest;
let store: FileSystemStore;
let cleanup: () => void;
let answer: Answer;
const vectors = randomVectors(N, DIM, 31);
const queries = randomVectors(30, DIM, 32).map((vector, q) => ({ vector, group_id: tenantOf(q) }));

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  store = t.store;
  strata = await startStrata(service(t.store, directInvoker(t.store, 2)));
  const points = vectors.map((vector, id) => ({ id, vector, group_id: tenantOf(id) }));
  const job = { url: strata.url, collection: C, dim: DIM, full_scan_kb: FULL_SCAN_KB };
  await runPythonJob(SCRIPT, { ...job, phase: 'load', points }, 120_000);
  await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
  answer = await runPythonJob<Answer>(SCRIPT, { ...job, phase: 'query', queries }, 120_000);
}, 300_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('multitenancy through qdrant-client: m 0 + payload_m 16 + is_tenant', () => {
  it('seals per-tenant graphs and reads the config back as the client set it', async () => {
    expect(answer.hnsw).toEqual({ m: 0, payload_m: 16 });
    const prefix = collectionPrefix('', C);
    const m = (await loadManifest(store, manifestKey(prefix)))?.manifest;
    expect(m?.segments.length).toBe(2);
    for (const s of m?.segments ?? []) {
      const meta: SegmentMeta = parseMeta((await store.get(segmentObjectKey(segmentPrefix(prefix, s.id), META)))?.body);
      expect(meta.spaces[''].hnsw).toMatchObject({ m: 0, payloadM: 16 });
    }
  });

  it('tenant queries at the default ef find what exact=True finds, only in the tenant', () => {
    let hits = 0;
    queries.forEach((q, i) => {
      expect(answer.exact[i]).toHaveLength(10);
      expect(answer.walked[i].every((id) => tenantOf(id) === q.group_id)).toBe(true);
      hits += answer.walked[i].filter((id) => answer.exact[i].includes(id)).length;
    });
    expect(hits / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });
});
