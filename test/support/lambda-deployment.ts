/**
 * One Strata deployment of the BUILT bundles for the Lambda acceptance tests: a bucket on a real S3-compatible server,
 * the functions' environment as the CDK stack sets it, and the two calls every such test makes (a synchronous Invoke
 * through the real SDK, and an API Gateway v2 event to the api function decoded as the gateway would).
 *
 * `startRieDeployment` runs the api, K workers and the optimizer each under AWS's Runtime Interface Emulator behind
 * one Lambda front (test/support/lambda-rie.ts); the in-process host of lambda-bundles.test.ts shares the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLambdaClient } from '../../lib/runtime/lambda-invoker.js';
import { S3Store } from '../../lib/storage/s3-store.js';
import { type BuiltFunction, buildFunctions } from '../../scripts/build-functions.js';
import { type Front, type HttpRequest, httpApiEvent } from './events.js';
import { type LambdaFront, type RieFunction, startLambdaFront, startRieFunction } from './lambda-rie.js';
import { type S3Server, startS3Server } from './s3-servers.js';

export interface InvokeResult {
  payload: any;
  functionError?: string;
}

export interface ApiResult {
  status: number;
  /** parsed JSON when the answer says it is JSON, else the text */
  body: any;
}

/** Builds the bundles into a temporary folder and starts moto, in parallel; makes the deployment's bucket. */
export async function buildAndServe(
  bucket: string,
): Promise<{ out: string; built: BuiltFunction[]; s3: S3Server; cleanup(): Promise<void> }> {
  const out = mkdtempSync(join(tmpdir(), 'strata-bundles-'));
  const [built, s3] = await Promise.all([buildFunctions({ outDir: out }), startS3Server('moto')]);
  await new S3Store({ bucket, endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials }).createBucket();
  return {
    out,
    built,
    s3,
    async cleanup() {
      await s3.stop();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** The environment every function of the stack gets, pointed at the test's S3 server. */
export function functionEnvironment(s3: S3Server, bucket: string, prefix = 'strata'): Record<string, string> {
  return {
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    STRATA_BUCKET: bucket,
    STRATA_PREFIX: prefix,
    STRATA_S3_ENDPOINT: s3.endpoint,
  };
}

/** A synchronous Invoke through the real SDK, as API Gateway and EventBridge deliver events. */
export async function invokeFunction(client: LambdaClient, name: string, event: unknown): Promise<InvokeResult> {
  const res = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
  );
  const text = new TextDecoder().decode(res.Payload);
  return {
    payload: text ? JSON.parse(text) : null,
    ...(res.FunctionError ? { functionError: res.FunctionError } : {}),
  };
}

/**
 * An HTTP request to the api function as API Gateway v2 (or the function's URL) sends it, with `key` as the api-key
 * header (none when null). A function error is an answer no gateway would turn into an HTTP response: it throws.
 */
export async function callApi(
  client: LambdaClient,
  request: HttpRequest,
  key: string | null,
  name = 'strata-api',
  front: Front = 'http-api',
): Promise<ApiResult> {
  const headers = { ...request.headers, ...(key ? { 'api-key': key } : {}) };
  const event = httpApiEvent({ ...request, headers }, front);
  const { payload, functionError } = await invokeFunction(client, name, event);
  if (functionError) throw new Error(`${name} failed (${functionError}): ${JSON.stringify(payload)}`);
  const res = payload as APIGatewayProxyStructuredResultV2;
  const text = res.isBase64Encoded ? Buffer.from(res.body ?? '', 'base64').toString('utf8') : (res.body ?? '');
  const json = /json/.test(String(res.headers?.['content-type'] ?? ''));
  return { status: res.statusCode ?? 200, body: text && json ? JSON.parse(text) : text };
}

export interface RieDeploymentOptions {
  bucket: string;
  apiKey: string;
  workers: string[];
  /** execution environments of the optimizer function @default 1 */
  optimizers?: number;
  /** extra api environment (deadlines, response limits) */
  apiEnv?: Record<string, string>;
}

export interface RieDeployment {
  readonly s3: S3Server;
  readonly front: LambdaFront;
  readonly client: LambdaClient;
  /** every execution environment, by function name (one per worker; `optimizers` of the optimizer) */
  readonly functions: readonly RieFunction[];
  invoke(name: string, event: unknown): Promise<InvokeResult>;
  /** a request through the api function with the deployment's key */
  api(request: HttpRequest): Promise<ApiResult>;
  stop(): Promise<void>;
}

/**
 * The stack under the emulator: the front must exist before the api's environment can name it, so functions are
 * registered with it as they start. The api never seals on its own: tests run the optimizer at the point they choose.
 */
export async function startRieDeployment(options: RieDeploymentOptions): Promise<RieDeployment> {
  const { bucket, apiKey, workers } = options;
  const served = await buildAndServe(bucket);
  const root = (name: string) => dirname(served.built.find((b) => b.name === name)!.file);
  const common = { ...functionEnvironment(served.s3, bucket), STRATA_LOG_LEVEL: 'warn' };
  const started: RieFunction[] = [];
  const front = await startLambdaFront(started);
  const optimizer = () =>
    startRieFunction({
      name: 'strata-optimizer',
      taskRoot: root('optimizer'),
      env: { ...common, STRATA_WORKERS: String(workers.length) },
      timeoutSeconds: 900,
    });
  started.push(
    ...(await Promise.all([
      ...workers.map((name) =>
        startRieFunction({ name, taskRoot: root('segment-search'), env: common, timeoutSeconds: 11 }),
      ),
      ...Array.from({ length: options.optimizers ?? 1 }, optimizer),
      startRieFunction({
        name: 'strata-api',
        taskRoot: root('api'),
        timeoutSeconds: 27,
        env: {
          ...common,
          STRATA_WORKER_FUNCTIONS: workers.join(','),
          STRATA_OPTIMIZER_FUNCTION: 'strata-optimizer',
          STRATA_LAMBDA_ENDPOINT: front.url,
          STRATA_API_KEY: apiKey,
          STRATA_QUERY_DEADLINE_MS: '10000',
          STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
          ...options.apiEnv,
        },
      }),
    ])),
  );
  const client = createLambdaClient({
    endpoint: front.url,
    region: served.s3.region,
    credentials: served.s3.credentials,
  });
  return {
    s3: served.s3,
    front,
    client,
    functions: started,
    invoke: (name, event) => invokeFunction(client, name, event),
    api: (request) => callApi(client, request, apiKey),
    async stop() {
      await front.drain();
      await Promise.all(started.map((f) => f.stop()));
      await front.close();
      await served.cleanup();
    },
  };
}
