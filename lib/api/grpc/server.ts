/**
 * Qdrant's gRPC API (port 6334) as a second front door onto the REST routes: `qdrant.Qdrant` (HealthCheck),
 * `qdrant.Collections`, `qdrant.Points` and `qdrant.Snapshots` (per collection), served over cleartext HTTP/2 by `@connectrpc/connect-node` with the
 * descriptors of schema.ts.
 *
 * Each RPC becomes its REST twin's request (rpcs.ts), answered in process by an app from createApp over the SAME
 * CollectionService: one validation path, one set of request limits, one error wording for both doors, so a gRPC
 * answer equals the REST answer for the same request by construction. The cost is one JSON encode and decode per
 * call, nothing next to a search.
 *
 * Errors: the REST status becomes the gRPC code Qdrant's tonic layer uses for the same failure (errors.rs: BadInput
 * and BadRequest → InvalidArgument, NotFound, AlreadyExists, ServiceError → Internal, unavailable → Unavailable,
 * timeouts → DeadlineExceeded, rate limits → ResourceExhausted), with the REST message as the gRPC message.
 * The API key (`api-key` metadata or `authorization: Bearer`) is checked in constant time by auth.ts's check, and a
 * missing or wrong key is Unauthenticated with Qdrant's REST wording, as Qdrant's tonic auth layer answers;
 * HealthCheck stays open as in Qdrant. gzip-compressed requests are accepted (the JS client compresses by default).
 * A call's `grpc-timeout` is honoured: past it the call ends with DEADLINE_EXCEEDED; a request's own `timeout` field
 * goes to REST's `?timeout=` like any other parameter.
 */
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { compressionGzip, connectNodeAdapter } from '@connectrpc/connect-node';
import type { CollectionService } from '../../collection/types.js';
import { type ApiLimits, createApp } from '../app.js';
import { apiKeyDigest, apiKeyProblem } from '../auth.js';
import { HttpError } from '../errors.js';
import { QDRANT_COMPAT_VERSION } from '../routes/service.js';
import { messageFromRest } from './from-rest.js';
import { COLLECTION_RPCS, POINT_RPCS, type RestCall, type RpcRoute, SNAPSHOT_RPCS } from './rpcs.js';
import { CollectionsService, PointsService, QdrantService, SnapshotsService } from './schema.js';
import { toJsonText } from './to-rest.js';

export interface GrpcServerOptions {
  readonly service: CollectionService;
  /** when set, every RPC but HealthCheck needs this key */
  readonly apiKey?: string;
  readonly limits?: Partial<ApiLimits>;
  /** @default 6334 (Qdrant's gRPC port); 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default the Qdrant version Strata is compatible with */
  readonly version?: string;
}

export interface RunningGrpcServer {
  /** `http://host:port`, as gRPC clients take it */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A REST status as the gRPC code Qdrant answers for the same failure. */
export function grpcCode(status: number): Code {
  switch (status) {
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 409:
      return Code.AlreadyExists;
    case 412:
      return Code.FailedPrecondition;
    case 408:
    case 504:
      return Code.DeadlineExceeded;
    case 429:
      return Code.ResourceExhausted;
    // standalone mode: what needs a cluster is not implemented here (Qdrant's mapping)
    case 405:
    case 501:
      return Code.Unimplemented;
    case 503:
      return Code.Unavailable;
  }
  return status >= 400 && status < 500 ? Code.InvalidArgument : Code.Internal;
}

type Fetcher = { request(url: string, init: RequestInit): Response | Promise<Response> };

/** Runs one REST call in process; a REST error becomes a ConnectError with its code and message. */
async function callRest(
  app: Fetcher,
  call: RestCall,
  signal: AbortSignal,
): Promise<{ result: unknown; time?: number }> {
  const qs = new URLSearchParams(call.query).toString();
  const init: RequestInit = { method: call.method, signal };
  if (call.body !== undefined) {
    init.body = toJsonText(call.body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await app.request(`http://grpc.internal${call.path}${qs === '' ? '' : `?${qs}`}`, init);
  const text = await res.text();
  let parsed: { result?: unknown; time?: number; status?: { error?: string } } | undefined;
  // JSON.parse is exact for every id REST can answer: ids stop at 2^53-1 at both doors (lib/model/point-id.ts
  // refuses a larger one, word for word), and the other 64-bit fields of an answer (counts, versions, operation
  // ids) stay far below it
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const message = typeof parsed?.status === 'object' ? (parsed.status.error ?? text) : text;
    throw new ConnectError(message, grpcCode(res.status));
  }
  return { result: parsed?.result, time: parsed?.time };
}

/**
 * The call's answer, or DEADLINE_EXCEEDED (or CANCELLED) as soon as connect aborts the call's signal: the client's
 * `grpc-timeout` passed, or it went away. The work behind the call is not interrupted (the service has no
 * cancellation; a query's fan-out is bounded by STRATA_QUERY_DEADLINE_MS), only the answer stops waiting for it.
 */
function untilDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.DeadlineExceeded));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(ConnectError.from(signal.reason, Code.DeadlineExceeded));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function register(router: ConnectRouter, app: Fetcher, service: DescService, table: Record<string, RpcRoute>): void {
  for (const method of service.methods) {
    const route = table[method.localName];
    if (!route) continue;
    const impl = async (req: Record<string, unknown>, ctx: { signal: AbortSignal }) => {
      let call: RestCall;
      try {
        call = route.rest(req, method.input);
      } catch (e) {
        if (e instanceof HttpError) throw new ConnectError(e.message, grpcCode(e.status));
        throw e;
      }
      const { result, time } = await untilDeadline(callRest(app, call, ctx.signal), ctx.signal);
      const fields = route.reply ? route.reply(result) : { result };
      return messageFromRest(method.output, { ...fields, time });
    };
    router.rpc(method as DescMethod, impl as never);
  }
}

function authInterceptor(apiKey: string): Interceptor {
  const expected = apiKeyDigest(apiKey);
  return (next) => async (req) => {
    // Qdrant's tonic auth lets health checks through without a key
    if (req.service.typeName !== 'qdrant.Qdrant') {
      const problem = apiKeyProblem(expected, (name) => req.header.get(name));
      if (problem !== null) throw new ConnectError(problem, Code.Unauthenticated);
    }
    return next(req);
  };
}

export function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  if (options.apiKey === '') throw new Error('apiKey must not be empty: omit it to run without authentication');
  // no key on the inner app: the key is checked once, above, with gRPC's codes
  const app = createApp({
    service: options.service,
    limits: options.limits,
    version: options.version,
    unnamedVectorPath: true,
  });
  const version = options.version ?? QDRANT_COMPAT_VERSION;
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    acceptCompression: [compressionGzip],
    ...(options.apiKey !== undefined ? { interceptors: [authInterceptor(options.apiKey)] } : {}),
    routes: (router) => {
      router.service(QdrantService, {
        healthCheck: () => ({ title: 'qdrant - vector search engine', version }),
      } as never);
      register(router, app, CollectionsService, COLLECTION_RPCS);
      register(router, app, PointsService, POINT_RPCS);
      register(router, app, SnapshotsService, SNAPSHOT_RPCS);
    },
  });
  const server: Http2Server = createServer(handler);
  const host = options.host ?? '127.0.0.1';
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6334, host, () => {
      const info = server.address() as AddressInfo;
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // idle HTTP/2 sessions would hold close() open; let in-flight streams finish, accept no new ones
            for (const s of sessions) s.close();
          }),
      });
    });
  });
}
