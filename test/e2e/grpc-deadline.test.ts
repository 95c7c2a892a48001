/**
 * A gRPC deadline (`grpc-timeout`, what every gRPC client sends for its `timeout`) is honoured by the server: a call
 * still running when it passes ends with DEADLINE_EXCEEDED at the deadline, not when the work behind it is done.
 * The client here sets the header itself and no local timer, so only the server can end the call early; the service
 * is the real one with `count` slowed down.
 */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ConnectErrorCode as Code, ConnectError } from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { PointsService } from '../../lib/api/grpc/schema.js';
import type { CollectionService } from '../../lib/collection/types.js';
import { config, directInvoker, service, tempStore } from '../support/collection-harness.js';

const SLOW_MS = 1500;
let grpc: RunningGrpcServer;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 1));
  await svc.createCollection('c', config(4));
  const slow = new Proxy(svc, {
    get(target, prop, receiver) {
      if (prop === 'count') {
        return async (...args: Parameters<CollectionService['count']>) => {
          await new Promise((r) => setTimeout(r, SLOW_MS));
          return target.count(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as CollectionService;
  grpc = await startGrpcServer({ service: slow, port: 0 });
});

afterAll(async () => {
  await grpc?.close();
  cleanup?.();
});

describe('gRPC deadline', () => {
  const client = () =>
    createClient(PointsService as never, createGrpcTransport({ baseUrl: grpc.url })) as unknown as {
      count(req: object, opts: { headers: Record<string, string> }): Promise<{ result?: { count: bigint } }>;
    };

  it('ends a call past its grpc-timeout with DEADLINE_EXCEEDED, at the deadline', async () => {
    const started = performance.now();
    const error = await client()
      .count({ collectionName: 'c' }, { headers: { 'grpc-timeout': '150m' } })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    const elapsed = performance.now() - started;
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(elapsed).toBeLessThan(SLOW_MS - 500);
  });

  it('answers a call within its deadline', async () => {
    const reply = await client().count({ collectionName: 'c' }, { headers: { 'grpc-timeout': '10S' } });
    expect(Number(reply.result?.count)).toBe(0);
  });
});
