/**
 * Factories for the real event shapes Strata's functions receive (as Powertools' test events do): API Gateway HTTP
 * API payload format 2.0 (and a Lambda function URL's, the same format from another host), an EventBridge scheduled
 * event, and the optimizer's direct-invoke event.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';

export interface HttpRequest {
  method: string;
  /** path with an optional query string, e.g. `/collections/c/points/query?wait=true` */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** send the body base64-encoded, as API Gateway does for binary media types */
  base64?: boolean;
}

const ACCOUNT = '123456789012';
const API_ID = 'a1b2c3d4e5';
const URL_ID = 'abcdefghijklmnopqrstuvwxyz012345';

/** Which front door sent the event: API Gateway's HTTP API or the api function's URL. */
export type Front = 'http-api' | 'function-url';

export function httpApiEvent(request: HttpRequest, front: Front = 'http-api'): APIGatewayProxyEventV2 {
  const id = front === 'http-api' ? API_ID : URL_ID;
  const domainName =
    front === 'http-api' ? `${API_ID}.execute-api.us-east-1.amazonaws.com` : `${URL_ID}.lambda-url.us-east-1.on.aws`;
  const [rawPath, rawQueryString = ''] = request.path.split('?', 2) as [string, string?];
  const now = new Date();
  const text =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    accept: '*/*',
    'content-length': String(text === undefined ? 0 : Buffer.byteLength(text)),
    host: domainName,
    'user-agent': 'strata-tests/1.0',
    'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const queryStringParameters = rawQueryString
    ? Object.fromEntries([...new URLSearchParams(rawQueryString)].map(([k, v]) => [k, v]))
    : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      // a function URL names the anonymous caller's account
      accountId: front === 'http-api' ? ACCOUNT : 'anonymous',
      apiId: id,
      domainName,
      domainPrefix: id,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'strata-tests/1.0',
      },
      requestId: randomUUID().slice(0, 18),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(text !== undefined
      ? { body: request.base64 ? Buffer.from(text).toString('base64') : text, isBase64Encoded: request.base64 === true }
      : { isBase64Encoded: false }),
  };
}

export function scheduledEvent(
  ruleName = 'strata-optimizer-schedule',
): EventBridgeEvent<'Scheduled Event', Record<string, never>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/${ruleName}`],
    detail: {},
  };
}

/** The event the api function sends the optimizer (InvocationType Event) for one collection. */
export function optimizeEvent(collection: string): { collection: string } {
  return { collection };
}
