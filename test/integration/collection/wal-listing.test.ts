/**
 * Issue 20's WAL listing acceptance, on a VERSIONED bucket (moto): 10,000 WAL objects sealed by the optimizer and
 * then collected leave 10,000 delete markers under `wal/` for days; a query lists `wal/` from the floor the seal
 * recorded (S3 StartAfter, manifest `walFloor`), so it reads ONE page, not the history. LIST requests are counted
 * where S3 sees them, through the latency proxy.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectVersionsCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, walKey, walPrefix } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../../lib/collection/optimizer.js';
import { encodeWal } from '../../../lib/collection/wal.js';
import { S3Store } from '../../../lib/storage/s3-store.js';
import { config, directInvoker, service } from '../../support/collection-harness.js';
import { type LatencyProxy, startLatencyProxy } from '../../support/s3-latency-proxy.js';
import { type S3Server, startS3Server } from '../../support/s3-servers.js';

const OBJECTS = 10_000;
const T0 = 1_800_000_000_000;
const C = collectionPrefix('', 'c');

describe('WAL listing on a versioned bucket with 10,000 sealed-and-collected WAL objects', () => {
  let s3: S3Server;
  let proxy: LatencyProxy;
  let store: S3Store;
  /** the bucket without the proxy: setup and the optimizer, whose requests the test does not count */
  let direct: S3Store;
  let raw: S3Client;
  const bucket = `wal-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    s3 = await startS3Server('moto');
    proxy = await startLatencyProxy({ upstream: s3.endpoint });
    store = new S3Store({ bucket, endpoint: proxy.endpoint, region: s3.region, credentials: s3.credentials });
    await store.createBucket();
    direct = new S3Store({ bucket, endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials });
    raw = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    });
    await raw.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }, 180_000);

  afterAll(async () => {
    raw?.destroy();
    store?.destroy();
    direct?.destroy();
    await proxy?.close();
    await s3?.stop();
  });

  const walLists = () =>
    proxy.log().filter((r) => r.kind === 'list' && decodeURIComponent(r.url).includes(`prefix=${walPrefix(C)}`));

  it('a query lists wal/ from the sealed floor in one page, before and after collection', async () => {
    let now = T0;
    const svc = service(store, directInvoker(store), { writerId: 'q', now: () => now });
    await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    const { incarnation } = (await loadManifest(store, manifestKey(C)))!.manifest;
    // 10,000 acknowledged write batches (deletes: no segment to build), one a millisecond, as writers leave them
    const body = (seq: number) =>
      encodeWal({
        incarnation,
        seq,
        writer: 'w',
        ids: [],
        payloads: [],
        vectors: [],
        deletes: [seq - T0],
      });
    for (let i = 0; i < OBJECTS; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => T0 + i + j + 1).map((seq) =>
          direct.put(walKey(C, seq, 'w'), body(seq), { ifNoneMatch: '*' }),
        ),
      );
    }
    expect((await direct.list(walPrefix(C))).length).toBe(OBJECTS);

    // the optimizer function, warm, ten minutes later: seals all, then (past the WAL grace) collects them
    now = T0 + 10 * 60_000;
    const optimizer = new CollectionOptimizer({
      store: direct,
      now: () => now,
      walGraceMs: 60_000,
      sealSlice: OBJECTS,
    });
    const sealed = await optimizer.optimize('c');
    expect(sealed.sealedWal).toBe(OBJECTS);
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.walFloor).toBeGreaterThan(T0 + OBJECTS);

    // sealed, not yet collected: the objects are all there (10 pages of 1,000). This reader knows no floor, and the
    // history sorts inside its cold window (its clock less 10 minutes): its parallel listing gets one full page,
    // then the rest is listed from past the manifest's floor: two pages, never the ten
    proxy.reset();
    await svc.query('c', {
      vector: [0, 0, 0, 0],
      limit: 3,
      offset: 0,
      params: { exact: true },
      with_payload: false,
      with_vector: false,
    });
    expect(walLists()).toHaveLength(2);
    expect(decodeURIComponent(walLists()[0].url)).toContain('max-keys=1000');
    expect(decodeURIComponent(walLists()[1].url)).toContain(
      `start-after=${walPrefix(C)}${String(m.walFloor! - 1).padStart(16, '0')}.~`,
    );

    now += 5 * 60_000;
    const collected = await optimizer.optimize('c');
    expect(collected.gc?.deletedWal).toBe(OBJECTS);
    // versioning kept a delete marker per object
    const versions = await raw.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: walPrefix(C) }));
    expect(versions.DeleteMarkers?.length ?? 0).toBeGreaterThan(0);
    expect(versions.IsTruncated).toBe(true);
    expect(await direct.list(walPrefix(C))).toEqual([]);

    for (const q of [svc, service(store, directInvoker(store), { writerId: 'cold', now: () => now })]) {
      proxy.reset();
      await q.query('c', {
        vector: [0, 0, 0, 0],
        limit: 3,
        offset: 0,
        params: { exact: true },
        with_payload: false,
        with_vector: false,
      });
      // warm (its floor learned five minutes ago) and cold (none known) alike: one page from the reader's clock less
      // the cold window, in parallel with the manifest read (the history sorts below it)
      expect(walLists()).toHaveLength(1);
      expect(decodeURIComponent(walLists()[0].url)).toContain(`start-after=${walPrefix(C)}`);
    }

    // the late writer: its clock an hour behind, so its own seq would sort below all 10,000 sealed names and the
    // floor; it writes above the floor of the manifest it read, and a query's one-page listing finds it
    const late = service(store, directInvoker(store), { writerId: 'late', now: () => now - 3_600_000 });
    const { operation_id } = await late.upsertPoints('c', [{ id: 1, vector: [1, 2, 3, 4] }], true);
    expect(operation_id).toBeGreaterThan(m.walFloor!);
    proxy.reset();
    const hits = await svc.query('c', {
      vector: [1, 2, 3, 4],
      limit: 3,
      offset: 0,
      params: { exact: true },
      with_payload: false,
      with_vector: false,
    });
    expect(hits.map((h) => h.id)).toEqual([1]);
    expect(walLists()).toHaveLength(1);
    // and the next seal takes it from a one-page listing too
    proxy.reset();
    const next = await new CollectionOptimizer({ store, now: () => now, skipGc: true }).optimize('c');
    expect(next.sealedWal).toBe(1);
    expect(walLists()).toHaveLength(1);
  }, 600_000);
});
