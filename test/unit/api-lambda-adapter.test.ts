/**
 * The same app behind hono/aws-lambda with API Gateway HTTP API (payload v2) events: bodies (plain and base64) reach
 * the JSON reader, and the error envelope and status survive the adapter.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { RecordingService } from '../support/recording-service.js';

/** A real API Gateway v2 event (aws-lambda's type), handed to hono's handler whose own type differs only in `body: null`. */
function event(method: string, path: string, body?: unknown, base64 = false): LambdaEvent {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const e: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'abc.execute-api.us-east-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:20:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: base64,
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text).toString('base64') : text }),
  };
  return e as unknown as LambdaEvent;
}

const context = {} as Context;

describe('API Gateway v2 through hono/aws-lambda', () => {
  const service = new RecordingService({ docs: 4 });
  const handler = handle(createApp({ service }));

  it('serves a query with a plain body and an upsert with a base64 body', async () => {
    const q = await handler(event('POST', '/collections/docs/points/query', { query: [1, 2, 3, 4] }), context);
    expect(q.statusCode).toBe(200);
    expect(JSON.parse(q.body as string)).toMatchObject({ status: 'ok', result: { points: service.scored } });
    const u = await handler(
      event('PUT', '/collections/docs/points', { points: [{ id: 1, vector: [1, 2, 3, 4] }] }, true),
      context,
    );
    expect(u.statusCode).toBe(200);
    expect(service.writes()).toHaveLength(1);
  });

  it('keeps status and envelope for rejected requests', async () => {
    const r = await handler(event('PUT', '/collections/docs/points', { points: [{ id: 1, vector: [1, 2] }] }), context);
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body as string).status.error).toBe(
      'Wrong input: Vector dimension error: expected dim: 4, got 2',
    );
  });
});
