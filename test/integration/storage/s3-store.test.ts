/**
 * S3Store against real S3-compatible servers started here on loopback (moto_server and LocalStack): the shared
 * conformance suite, proof that the requests really crossed TCP to the server we started, and the ambiguous
 * conditional write produced for real (a proxy that delivers the request but swallows the answer).
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { isAmbiguousWrite } from '../../../lib/storage/object-store.js';
import { S3Store } from '../../../lib/storage/s3-store.js';
import type { S3StoreOptions } from '../../../lib/storage/s3-store.js';
import { freePort, startS3Server } from '../../support/s3-servers.js';
import type { S3Server, S3ServerKind } from '../../support/s3-servers.js';
import { describeObjectStoreConformance } from '../../support/store-conformance.js';

const servers = new Map<S3ServerKind, Promise<S3Server>>();
const stores: S3Store[] = [];
const server = (kind: S3ServerKind) => {
  let s = servers.get(kind);
  if (s === undefined) {
    s = startS3Server(kind);
    servers.set(kind, s);
  }
  return s;
};
afterAll(async () => {
  for (const s of stores) s.destroy();
  await Promise.all([...servers.values()].map(async (p) => (await p.catch(() => null))?.stop()));
});

async function openStore(kind: S3ServerKind, extra: Partial<S3StoreOptions> = {}) {
  const srv = await server(kind);
  const store = new S3Store({
    bucket: `strata-${kind}-${randomBytes(4).toString('hex')}`,
    prefix: 'tenant/a',
    endpoint: srv.endpoint,
    region: srv.region,
    credentials: srv.credentials,
    requestTimeoutMs: 10_000,
    ...extra,
  });
  stores.push(store);
  await store.createBucket();
  return { srv, store };
}

const LIST_PAGE = 7;

for (const kind of ['moto', 'localstack'] as const) {
  describeObjectStoreConformance(`S3Store on ${kind}`, async () => {
    const { store } = await openStore(kind, { listPageSize: LIST_PAGE });
    return { store, listPageSize: LIST_PAGE };
  });

  describe(`S3Store on ${kind}: transport`, () => {
    it('talks to the server this test started, over TCP on the port it chose', async () => {
      const { srv, store } = await openStore(kind);
      expect(srv.endpoint).toBe(`http://127.0.0.1:${srv.port}`);
      expect(() => process.kill(srv.pid, 0)).not.toThrow();
      const marker = `proof-${randomBytes(4).toString('hex')}`;
      const seenBefore = countPuts(srv);
      await store.put(`${marker}/x`, new TextEncoder().encode('over the wire'));
      await store.get(`${marker}/x`);
      // the server's own request log shows our PUT (moto logs the path, LocalStack the operation)
      await expect.poll(() => countPuts(srv)).toBeGreaterThan(seenBefore);
      if (kind === 'moto') expect(srv.output()).toContain(`/tenant/a/${marker}/x`);
      console.info(`${kind}: healthy after ${srv.startupMs} ms`);
    });

    it('reports a conditional PUT whose answer was lost as ambiguous, and the write did land', async () => {
      const { srv, store: direct } = await openStore(kind);
      const proxy = await blackholeProxy(srv.port);
      try {
        const viaProxy = new S3Store({
          bucket: (direct as unknown as { bucket: string }).bucket,
          prefix: 'tenant/a',
          endpoint: `http://127.0.0.1:${proxy.port}`,
          region: srv.region,
          credentials: srv.credentials,
          requestTimeoutMs: 1500,
          maxAttempts: 1,
        });
        stores.push(viaProxy);
        const err = await viaProxy
          .put('manifest.json', new TextEncoder().encode('{"epoch":1}'), { ifNoneMatch: '*' })
          .catch((e: unknown) => e);
        expect(isAmbiguousWrite(err), String(err)).toBe(true);
        expect(isStrataError(err, 'unavailable')).toBe(true);
        await expect.poll(async () => (await direct.get('manifest.json')) !== null, { timeout: 5000 }).toBe(true);
        expect(new TextDecoder().decode((await direct.get('manifest.json'))!.body)).toBe('{"epoch":1}');
      } finally {
        await proxy.close();
      }
    });

    it('retries throttling (503 SlowDown) on reads and on conditional writes, then succeeds', async () => {
      const { srv, store: direct } = await openStore(kind);
      await direct.put('obj', new TextEncoder().encode('payload'));
      const proxy = await throttlingProxy(srv.port, 2);
      try {
        const viaProxy = new S3Store({
          bucket: (direct as unknown as { bucket: string }).bucket,
          prefix: 'tenant/a',
          endpoint: `http://127.0.0.1:${proxy.port}`,
          region: srv.region,
          credentials: srv.credentials,
        });
        stores.push(viaProxy);
        expect(new TextDecoder().decode((await viaProxy.get('obj'))!.body)).toBe('payload');
        expect(proxy.seen()).toBe(3); // two throttled + the one that went through
        proxy.throttleNext(2);
        const { etag } = await viaProxy.put('created', new TextEncoder().encode('x'), { ifNoneMatch: '*' });
        expect(proxy.seen()).toBe(6);
        expect((await direct.head('created'))!.etag).toBe(etag);
      } finally {
        await proxy.close();
      }
    });

    it('reports a conditional PUT that provably never reached a server as unavailable, not ambiguous', async () => {
      const port = await freePort(); // nothing listens there
      const store = new S3Store({
        bucket: 'nowhere',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        conditionalAttempts: 2,
      });
      stores.push(store);
      const err = await store.put('k', new Uint8Array(1), { ifNoneMatch: '*' }).catch((e: unknown) => e);
      expect(isStrataError(err, 'unavailable'), String(err)).toBe(true);
      expect(isAmbiguousWrite(err)).toBe(false);
    });
  });
}

function countPuts(srv: S3Server): number {
  const re = srv.kind === 'moto' ? /"PUT \/[^ ]*x-id=PutObject/g : /s3\.PutObject =>/g;
  return srv.output().match(re)?.length ?? 0;
}

/** A TCP proxy that forwards requests to the server but never forwards an answer back. */
async function blackholeProxy(upstreamPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', () => undefined); // swallow the answer
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** An HTTP proxy that answers the next `n` requests with 503 SlowDown (as S3 throttles) and forwards the rest. */
async function throttlingProxy(upstreamPort: number, n: number) {
  let throttle = n;
  let seen = 0;
  const srv = createHttpServer((req, res) => {
    seen += 1;
    if (throttle > 0) {
      throttle -= 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      );
      return;
    }
    const up = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    seen: () => seen,
    throttleNext: (k: number) => (throttle = k),
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
