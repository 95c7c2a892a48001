/**
 * A local implementation of the Lambda Invoke REST API (`POST /2015-03-31/functions/{name}/invocations`) on loopback,
 * so the real @aws-sdk/client-lambda (pointed at it with `endpoint`) is tested over its real wire format. Each
 * function is a handler, typically the BUILT bundle's `handler`, called with a real Lambda context.
 *
 * Wire behaviour reproduced from the Lambda API reference:
 * - RequestResponse: 200, the handler's JSON result as the body, `X-Amz-Executed-Version`.
 * - a handler that throws: 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}`.
 * - Event: 202 with an empty body; the handler runs afterwards.
 * - errors: `x-amzn-ErrorType` + JSON body (`{Type, message}`), e.g. 429 TooManyRequestsException, 404
 *   ResourceNotFoundException, 500 ServiceException, 413 RequestTooLargeException.
 * Faults are injected per function, consumed one per invocation, in order.
 *
 * Control routes (for a test driving a server that runs in another thread, test/support/lambda-host.ts):
 * `POST /_control/faults` `{name, faults}`, `DELETE /_control/faults`, `GET /_control/invocations`,
 * `POST /_control/drain`.
 *
 * The same server also answers Secrets Manager's GetSecretValue (JSON 1.1 protocol, `POST /` with
 * `X-Amz-Target: secretsmanager.GetSecretValue`) for the secrets it is given, so the api function's cold-start key
 * read runs through the real SDK too (point it here with AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export type Fault = 'throttle' | 'service-error' | 'garbage' | 'function-error' | 'wrong-shape' | { delayMs: number };

export interface Invocation {
  name: string;
  type: string;
  bytes: number;
}

export interface LambdaServer {
  /** endpoint for the SDK client */
  url: string;
  readonly invocations: Invocation[];
  inject(name: string, ...faults: Fault[]): void;
  /** drops every fault not consumed yet */
  clearFaults(): void;
  /** resolves when every Event (async) invocation started so far has finished */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const LIMIT = 6 * 1024 * 1024;

export async function startLambdaServer(
  handlers: Record<string, Handler>,
  options: {
    secrets?: Record<string, string> /** function timeouts in ms (context.getRemainingTimeInMillis) @default 30 s */;
    timeouts?: Record<string, number>;
  } = {},
): Promise<LambdaServer> {
  const faults = new Map<string, Fault[]>();
  const invocations: Invocation[] = [];
  const background = new Set<Promise<unknown>>();

  const fail = (res: ServerResponse, status: number, type: string, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message }));
  };

  const serveSecret = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
    const value = options.secrets?.[SecretId];
    if (value === undefined)
      return fail(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(
      JSON.stringify({
        ARN: SecretId,
        Name: SecretId.split(':').at(-1),
        SecretString: value,
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      }),
    );
  };

  const drain = async (): Promise<void> => {
    while (background.size) await Promise.all([...background]);
  };

  const control = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const route = `${req.method} ${req.url}`;
    if (route === 'POST /_control/faults') {
      const { name, faults: f } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        name: string;
        faults: Fault[];
      };
      faults.set(name, [...(faults.get(name) ?? []), ...f]);
    } else if (route === 'DELETE /_control/faults') {
      faults.clear();
    } else if (route === 'POST /_control/drain') {
      await drain();
    } else if (route !== 'GET /_control/invocations') {
      return fail(res, 404, 'UnknownOperationException', route);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(invocations));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') return serveSecret(req, res);
    if ((req.url ?? '').startsWith('/_control/')) return control(req, res);
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((req.url ?? '').split('?')[0]);
    if (req.method !== 'POST' || !m)
      return fail(res, 404, 'UnknownOperationException', `no route ${req.method} ${req.url}`);
    const name = decodeURIComponent(m[1]);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    invocations.push({ name, type, bytes: body.length });
    const handler = handlers[name];
    if (!handler) return fail(res, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    if (body.length > LIMIT)
      return fail(res, 413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes');

    const fault = faults.get(name)?.shift();
    if (fault === 'throttle') return fail(res, 429, 'TooManyRequestsException', 'Rate Exceeded.');
    if (fault === 'service-error') return fail(res, 500, 'ServiceException', 'internal failure');
    if (typeof fault === 'object') await new Promise((r) => setTimeout(r, fault.delayMs));

    const event = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {};
    const context = lambdaContext(name, { timeoutMs: options.timeouts?.[name] ?? 30_000 });
    if (type === 'Event') {
      res.writeHead(202, { 'x-amzn-requestid': context.awsRequestId });
      res.end();
      const run = handler(event, context).catch(() => undefined);
      background.add(run);
      void run.finally(() => background.delete(run));
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      'x-amzn-requestid': context.awsRequestId,
    };
    if (fault === 'garbage') {
      res.writeHead(200, headers);
      return void res.end('{"candidates": [tru');
    }
    if (fault === 'wrong-shape') {
      res.writeHead(200, headers);
      return void res.end(JSON.stringify({ statusCode: 200, body: 'hello' }));
    }
    try {
      if (fault === 'function-error')
        throw Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Sandbox.Timedout' });
      const result = await handler(event, context);
      const text = JSON.stringify(result ?? null);
      if (Buffer.byteLength(text) > LIMIT)
        throw Object.assign(new Error('Response payload size exceeded maximum allowed payload size (6291556 bytes).'), {
          name: 'Function.ResponseSizeTooLarge',
        });
      res.writeHead(200, headers);
      res.end(text);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
      res.end(
        JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') }),
      );
    }
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => fail(res, 500, 'ServiceException', String(e)));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    inject: (name, ...f) => faults.set(name, [...(faults.get(name) ?? []), ...f]),
    clearFaults: () => faults.clear(),
    drain,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
