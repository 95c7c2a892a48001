/**
 * A latency- and fault-injecting HTTP proxy in front of a real S3-compatible server (moto, LocalStack): the "disk"
 * Strata is designed for has 20-80 ms to first byte and a price per request, and a local server has neither. Tests
 * and benchmarks point an S3Store at `proxy.endpoint` instead of the server's, so every request the AWS SDK sends
 * crosses it.
 *
 * What it adds, per request:
 * - `firstByteMs`: the upstream answer is held this long before its status line is sent (S3's time to first byte);
 * - `bytesPerSecond`: the body then streams at this rate (one stream's bandwidth), in 16 KiB slices;
 * - `errorRate`: a seeded share of requests is answered `503 SlowDown` without reaching the server (`faults:
 *   'before'`, an unambiguous failure) or forwarded and then answered `500` (`faults: 'after'`: the write landed but
 *   the client cannot know, the ambiguous case).
 *
 * What it counts: requests by kind (GET, ranged GET, PUT, LIST, HEAD, DELETE), response bytes, and dependent rounds
 * as the server saw them: a round starts when a request arrives while no other is in flight, so requests issued
 * together count once and requests issued one after another count once each (with `firstByteMs` well above the
 * client's own processing time, this is the critical path's length in round trips).
 *
 * Invariant: the proxy never changes what the server answered (status, headers, body), except the injected faults.
 */
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestKind = 'get' | 'rangedGet' | 'put' | 'list' | 'head' | 'delete' | 'other';

export interface LatencyProxyOptions {
  /** the real server, e.g. `http://127.0.0.1:5000` */
  upstream: string;
  /** held before the answer's first byte @default 0 */
  firstByteMs?: number;
  /** body streaming rate; 0 = unthrottled @default 0 */
  bytesPerSecond?: number;
  /** share of requests answered with an injected error @default 0 */
  errorRate?: number;
  /** 'before': 503 SlowDown, never forwarded; 'after': forwarded, then 500 (ambiguous) @default 'before' */
  faults?: 'before' | 'after';
  /** only these kinds may fail @default every kind */
  faultKinds?: readonly RequestKind[];
  /** seed of the fault draws (mulberry32) @default 1 */
  seed?: number;
}

export interface ProxiedRequest {
  kind: RequestKind;
  method: string;
  /** path and query, as sent */
  url: string;
  range?: string;
  status: number;
  bytes: number;
  injected: boolean;
  /** ms since the proxy started (or since the last reset) */
  start: number;
  end: number;
}

export interface ProxyStats {
  requests: number;
  byKind: Record<RequestKind, number>;
  /** response body bytes sent to the client */
  bytes: number;
  /** dependent rounds: busy periods, see the header */
  rounds: number;
  injected: number;
}

export interface LatencyProxy {
  readonly endpoint: string;
  readonly port: number;
  stats(): ProxyStats;
  /** every request since the last reset, in arrival order */
  log(): readonly ProxiedRequest[];
  reset(): void;
  /** changes latency, bandwidth or faults for the requests that arrive from now on */
  configure(options: Partial<Omit<LatencyProxyOptions, 'upstream'>>): void;
  close(): Promise<void>;
}

const SLICE = 16 * 1024;

function kindOf(req: IncomingMessage): RequestKind {
  const url = new URL(req.url ?? '/', 'http://proxy');
  switch (req.method) {
    case 'GET':
      if (url.searchParams.has('list-type') || url.pathname.split('/').filter(Boolean).length <= 1) return 'list';
      return req.headers.range !== undefined ? 'rangedGet' : 'get';
    case 'PUT':
      return 'put';
    case 'HEAD':
      return 'head';
    case 'DELETE':
      return 'delete';
    case 'POST':
      return url.searchParams.has('delete') ? 'delete' : 'other';
    default:
      return 'other';
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function s3Error(res: ServerResponse, status: number, code: string, message: string): number {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return 0;
}

/** Starts the proxy on a free loopback port. */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const upstream = new URL(options.upstream);
  let settings: Required<Omit<LatencyProxyOptions, 'upstream' | 'faultKinds' | 'seed'>> &
    Pick<LatencyProxyOptions, 'faultKinds' | 'seed'> = {
    firstByteMs: 0,
    bytesPerSecond: 0,
    errorRate: 0,
    faults: 'before',
    ...options,
  };
  let random = mulberry32(settings.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let t0 = performance.now();
  let entries: ProxiedRequest[] = [];
  let inFlight = 0;
  let rounds = 0;

  const mayFail = (kind: RequestKind): boolean =>
    settings.errorRate > 0 &&
    (settings.faultKinds === undefined || settings.faultKinds.includes(kind)) &&
    random() < settings.errorRate;

  async function forward(req: IncomingMessage, body: Buffer): Promise<{ res: IncomingMessage; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now() - t0;
    if (inFlight === 0) rounds++;
    inFlight++;
    const kind = kindOf(req);
    const entry: ProxiedRequest = {
      kind,
      method: req.method ?? '',
      url: req.url ?? '',
      status: 0,
      bytes: 0,
      injected: false,
      start,
      end: start,
    };
    if (typeof req.headers.range === 'string') entry.range = req.headers.range;
    entries.push(entry);
    const { firstByteMs, bytesPerSecond, faults } = settings;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const fail = mayFail(kind);
      if (fail && faults === 'before') {
        await sleep(firstByteMs);
        entry.injected = true;
        entry.status = 503;
        s3Error(res, 503, 'SlowDown', 'Please reduce your request rate (injected by the test proxy).');
        return;
      }
      const answer = await forward(req, Buffer.concat(chunks));
      await sleep(firstByteMs);
      if (fail) {
        entry.injected = true;
        entry.status = 500;
        s3Error(res, 500, 'InternalError', 'We encountered an internal error (injected after the request landed).');
        return;
      }
      entry.status = answer.res.statusCode ?? 502;
      res.writeHead(entry.status, answer.res.headers);
      if (bytesPerSecond > 0) {
        for (let at = 0; at < answer.body.length; at += SLICE) {
          const slice = answer.body.subarray(at, at + SLICE);
          res.write(slice);
          await sleep((slice.length / bytesPerSecond) * 1000);
        }
        res.end();
      } else {
        res.end(answer.body);
      }
      entry.bytes = answer.body.length;
    } catch (e) {
      entry.status = 502;
      if (!res.headersSent) s3Error(res, 502, 'BadGateway', `proxy: ${(e as Error).message}`);
      else res.destroy();
    } finally {
      entry.end = performance.now() - t0;
      inFlight--;
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats(): ProxyStats {
      const byKind: Record<RequestKind, number> = {
        get: 0,
        rangedGet: 0,
        put: 0,
        list: 0,
        head: 0,
        delete: 0,
        other: 0,
      };
      let bytes = 0;
      let injected = 0;
      for (const e of entries) {
        byKind[e.kind]++;
        bytes += e.bytes;
        if (e.injected) injected++;
      }
      return { requests: entries.length, byKind, bytes, rounds, injected };
    },
    log: () => entries,
    reset(): void {
      entries = [];
      rounds = 0;
      t0 = performance.now();
    },
    configure(next): void {
      settings = { ...settings, ...next };
      if (next.seed !== undefined) random = mulberry32(next.seed);
    },
    async close(): Promise<void> {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
