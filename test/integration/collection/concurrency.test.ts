/**
 * 8 writers upserting disjoint points while two optimizers and a config updater race on the manifest, against a
 * real S3-compatible server (moto_server on loopback; STRATA_S3_SERVER=localstack for LocalStack's S3). Pins
 * §4.1–4.3: every acknowledged point is present afterwards, exactly once, and no manifest update is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, parseWalName, walPrefix } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { OptimizeResult } from '../../../lib/collection/optimizer.js';
import { S3Store } from '../../../lib/storage/s3-store.js';
import { config, directInvoker, randomVectors, service } from '../../support/collection-harness.js';
import { type S3Server, type S3ServerKind, startS3Server } from '../../support/s3-servers.js';

const DIM = 8;
const WRITERS = 8;
const BATCHES = 20;
const BATCH = 10;
const C = collectionPrefix('', 'c');

describe('concurrent writers and optimizers on S3', () => {
  let s3: S3Server;
  let store: S3Store;

  beforeAll(async () => {
    s3 = await startS3Server((process.env.STRATA_S3_SERVER as S3ServerKind | undefined) ?? 'moto');
    store = new S3Store({
      bucket: 'strata-collection-test',
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
    });
    await store.createBucket();
  }, 180_000);

  afterAll(async () => {
    await s3?.stop();
  });

  it('every acknowledged point survives 8 writers + 2 optimizers + a config updater; no manifest update is lost', async () => {
    const admin = service(store, directInvoker(store));
    await admin.createCollection('c', config(DIM, 'Euclid', { segments: 3 }));
    const acked = new Set<number>();
    let writing = true;

    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const svc = service(store, directInvoker(store), { writerId: `w${w}` });
      for (let b = 0; b < BATCHES; b++) {
        const base = w * 10_000 + b * BATCH;
        const vecs = randomVectors(BATCH, DIM, base + 1);
        await svc.upsertPoints(
          'c',
          vecs.map((v, i) => ({ id: base + i, vector: v, payload: { w, b } })),
          true,
        );
        for (let i = 0; i < BATCH; i++) acked.add(base + i);
      }
    });
    const runs: OptimizeResult[] = [];
    const optimizers = [0, 1].map(async () => {
      while (writing) {
        runs.push(await optimize(store, C, { skipGc: true, maxAttempts: 50 }));
      }
    });
    let updates = 0;
    const updater = (async () => {
      for (let m = 17; writing; m++) {
        await admin.updateCollection('c', { hnsw_config: { m } });
        updates = m;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await Promise.all(writers);
    writing = false;
    await Promise.all([...optimizers, updater]);
    runs.push(await optimize(store, C, { skipGc: true }));

    expect(acked.size).toBe(WRITERS * BATCHES * BATCH);
    const { manifest: m } = (await loadManifest(store, manifestKey(C)))!;
    // the updater's last value, and every WAL object recorded as sealed exactly once
    expect(m.config.hnsw_config.m).toBe(updates);
    const wal = (await store.list(walPrefix(C))).map((e) => parseWalName(e.key)!.name).sort();
    expect(wal.length).toBe(WRITERS * BATCHES);
    expect(m.sealedWal.map((s) => s.name).sort()).toEqual(wal);
    // every point sealed exactly once (no lost or duplicated seal), and readable
    expect(m.segments.reduce((n, s) => n + s.points - s.deleted, 0)).toBe(acked.size);
    expect(m.segments.length).toBeLessThanOrEqual(3);
    const scrolled = await admin.scroll('c', { limit: 100_000, with_payload: false, with_vector: false });
    expect(scrolled.points.map((p) => p.id)).toEqual([...acked].sort((a, b) => a - b));
    expect(await admin.count('c', undefined, true)).toBe(acked.size);
    // each point is its own nearest neighbour
    for (const id of [5, 10_017, 30_101, 70_199]) {
      const [v] = randomVectors(BATCH, DIM, id - (id % BATCH) + 1).slice(id % BATCH);
      const top = await admin.query('c', {
        vector: v,
        limit: 1,
        offset: 0,
        params: { exact: true },
        with_payload: false,
        with_vector: false,
      });
      expect(top[0].id).toBe(id);
    }
    const commits = runs.filter((r) => r.sealedWal > 0).length;
    expect(m.epoch).toBe(1 + updates - 16 + commits);
    console.log(
      `[concurrency] ${acked.size} points by ${WRITERS} writers, ${runs.length} optimizer runs (${commits} commits, ` +
        `${runs.reduce((n, r) => n + r.replans, 0)} re-plans), ${updates - 16} config updates, final epoch ${m.epoch}, ` +
        `${m.segments.length} segments`,
    );
  });
});
