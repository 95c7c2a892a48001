/**
 * The latency/fault fixture itself, over moto: it adds the stated time to first byte, counts requests by kind and
 * dependent rounds as the server saw them, and injects unambiguous (503 before) and ambiguous (500 after) faults
 * that the S3 store handles as it must.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAmbiguousWrite } from '../../../lib/storage/object-store.js';
import { S3Store } from '../../../lib/storage/s3-store.js';
import { startLatencyProxy } from '../../support/s3-latency-proxy.js';
import type { LatencyProxy } from '../../support/s3-latency-proxy.js';
import { startS3Server } from '../../support/s3-servers.js';
import type { S3Server } from '../../support/s3-servers.js';

const D = 40;
let server: S3Server;
let proxy: LatencyProxy;
let store: S3Store;

beforeAll(async () => {
  server = await startS3Server('moto');
  proxy = await startLatencyProxy({ upstream: server.endpoint, firstByteMs: D });
  store = new S3Store({
    bucket: `proxy-${randomBytes(4).toString('hex')}`,
    endpoint: proxy.endpoint,
    region: server.region,
    credentials: server.credentials,
    maxAttempts: 2,
    conditionalAttempts: 1,
  });
  await store.createBucket();
});

afterAll(async () => {
  store?.destroy();
  await proxy?.close();
  await server?.stop();
});

describe('S3 latency proxy', () => {
  it('holds every answer for the stated time to first byte and counts requests by kind', async () => {
    await store.put('a', new Uint8Array(1000));
    proxy.reset();
    const t = performance.now();
    const got = await store.get('a');
    expect(performance.now() - t).toBeGreaterThanOrEqual(D - 1);
    expect(got?.body.byteLength).toBe(1000);
    await store.get('a', { range: { offset: 10, length: 10 } });
    await store.list('');
    await store.head('a');
    const s = proxy.stats();
    expect(s.byKind).toMatchObject({ get: 1, rangedGet: 1, list: 1, head: 1, put: 0 });
    expect(s.bytes).toBeGreaterThanOrEqual(1000 + 10);
  });

  it('counts requests issued together as one round and requests in sequence as one round each', async () => {
    await Promise.all(['x', 'y', 'z'].map((k) => store.put(k, new Uint8Array(10))));
    proxy.reset();
    await Promise.all(['x', 'y', 'z'].map((k) => store.get(k)));
    expect(proxy.stats()).toMatchObject({ requests: 3, rounds: 1 });
    proxy.reset();
    for (const k of ['x', 'y', 'z']) await store.get(k);
    expect(proxy.stats()).toMatchObject({ requests: 3, rounds: 3 });
  });

  it('injects 503s that never reach the server: reads retry, then fail as unavailable', async () => {
    await store.put('f', new Uint8Array(5));
    proxy.configure({ errorRate: 1, faults: 'before', firstByteMs: 1 });
    proxy.reset();
    await expect(store.get('f')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(proxy.stats().injected).toBe(2); // maxAttempts: 2
    proxy.configure({ errorRate: 0, firstByteMs: D });
    expect((await store.get('f'))?.body.byteLength).toBe(5);
  });

  it('injects a 500 after a create-only PUT landed: the store reports the write as ambiguous', async () => {
    proxy.configure({ errorRate: 1, faults: 'after', faultKinds: ['put'] });
    const err = await store.put('amb', new Uint8Array([1, 2, 3]), { ifNoneMatch: '*' }).catch((e: unknown) => e);
    proxy.configure({ errorRate: 0, faultKinds: undefined });
    expect(isAmbiguousWrite(err)).toBe(true);
    // it did land
    expect(Array.from((await store.get('amb'))!.body)).toEqual([1, 2, 3]);
  });

  it('streams bodies at the stated bandwidth', async () => {
    await store.put('big', new Uint8Array(256 * 1024));
    proxy.configure({ firstByteMs: 0, bytesPerSecond: 1024 * 1024 });
    const t = performance.now();
    await store.get('big');
    proxy.configure({ firstByteMs: D, bytesPerSecond: 0 });
    expect(performance.now() - t).toBeGreaterThanOrEqual(200);
  });
});
