/**
 * The Lambda bundles under AWS's own runtime protocol: the Lambda Runtime Interface Emulator (`aws-lambda-rie`, the
 * Go module AWS ships in its base images) runs each function's bundle under the Node runtime interface client
 * (npm `aws-lambda-ric`), as the nodejs22.x runtime does, so init, the Runtime API loop and error reporting are the
 * real ones rather than a handler called with an event object.
 *
 *   client ──Invoke (@aws-sdk/client-lambda)──▶ Lambda front (this module, one port)
 *                                               │ POST /2015-03-31/functions/{name}/invocations
 *                                               ├─▶ RIE :p1 ─ Runtime API :q1 ─▶ node aws-lambda-ric ─▶ bundle of name 1
 *                                               └─▶ RIE :p2 ─ Runtime API :q2 ─▶ …
 *
 * Why a front: one RIE process hosts ONE function and serves it only at `/2015-03-31/functions/function/invocations`,
 * while the Lambda client addresses functions by name on one endpoint (STRATA_LAMBDA_ENDPOINT). The front is the
 * smallest honest stand-in for the Lambda service's routing, so the api bundle invokes its workers and optimizer by
 * the names the stack gives them, through the unchanged SDK path (no per-function endpoint map in lib/). It also
 * does what the service does and RIE does not: `InvocationType: Event` is answered 202 at once and run afterwards,
 * an error payload gets the `X-Amz-Function-Error` header, and invocations of one emulator wait for each other (RIE
 * refuses a second concurrent invoke: one emulator is one execution environment). Several emulators started under
 * one name are that function's execution environments: an invoke goes to the least busy one, as the service scales
 * a function out. `throttle(name, n)` makes the front refuse the next n invokes of a function with Lambda's 429
 * TooManyRequestsException (reserved concurrency in use), before any emulator sees them.
 *
 * The emulator is built from source on first use into `<repo>/.cache/bin` (gitignored; about a minute with the Go
 * module proxy); every child gets a clean Lambda-like environment, not the test runner's.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './s3-servers.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RIE_PACKAGE =
  'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d';
export const RIE_BIN_DIR = join(ROOT, '.cache', 'bin');
export const RIE_BINARY = join(RIE_BIN_DIR, 'aws-lambda-rie');
/** The runtime interface client's entry point (its `aws-lambda-ric` bin). */
export const RIC_ENTRY = join(ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');

let building: Promise<string> | null = null;

/**
 * Builds the emulator once into the project cache; later calls return at once. Asynchronous: a first build fetches
 * modules through the proxy and can take minutes on a loaded machine, and a test worker whose event loop is blocked
 * that long misses vitest's own 60 s RPC timeout (an unhandled "Timeout calling onTaskUpdate" fails the run).
 */
export function ensureRie(): Promise<string> {
  if (existsSync(RIE_BINARY)) return Promise.resolve(RIE_BINARY);
  building ??= buildRie().finally(() => {
    building = null;
  });
  return building;
}

async function buildRie(): Promise<string> {
  mkdirSync(RIE_BIN_DIR, { recursive: true });
  try {
    await execFileAsync('go', ['install', RIE_PACKAGE], {
      env: { ...process.env, GOBIN: RIE_BIN_DIR },
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`building aws-lambda-rie failed (needs Go): ${e.stderr || e.message}`);
  }
  return RIE_BINARY;
}

/** One REPORT line of the emulator (printed after every invoke; the first carries the init duration). */
export interface InvokeReport {
  requestId: string;
  initDurationMs?: number;
  durationMs: number;
}

export interface RieFunction {
  readonly name: string;
  /** the emulator's invoke endpoint base, http://127.0.0.1:port */
  readonly url: string;
  reports(): InvokeReport[];
  output(): string;
  stop(): Promise<void>;
}

export interface RieFunctionOptions {
  name: string;
  /** folder of the bundle (LAMBDA_TASK_ROOT), e.g. dist/functions/api */
  taskRoot: string;
  /** @default 'index.handler' */
  handler?: string;
  /** the function's environment, as the stack sets it */
  env?: Record<string, string>;
  /** @default 30 */
  timeoutSeconds?: number;
  /** @default 1024 */
  memoryMiB?: number;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const REPORT = /REPORT RequestId: (\S+)\s+(?:Init Duration: ([\d.]+) ms\s+)?Duration: ([\d.]+) ms/g;

/**
 * Starts one emulator (one execution environment) for one function; resolves when it accepts invokes. A free port is
 * only free until someone binds it: when another process (or a sibling emulator started at the same moment) took one
 * of the two ports first, the emulator exits at start with "address already in use" and is started again on new ports.
 */
export async function startRieFunction(options: RieFunctionOptions): Promise<RieFunction> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRieOnce(options);
    } catch (e) {
      if (attempt >= 4 || !/address already in use/.test(String((e as Error).message))) throw e;
    }
  }
}

async function startRieOnce(options: RieFunctionOptions): Promise<RieFunction> {
  const binary = await ensureRie();
  const [invokePort, runtimePort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: options.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds ?? 30),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMiB ?? 1024),
    ...options.env,
  };
  const child = spawn(
    binary,
    [
      '--log-level',
      'error',
      '--runtime-interface-emulator-address',
      `127.0.0.1:${invokePort}`,
      '--runtime-api-address',
      `127.0.0.1:${runtimePort}`,
      process.execPath,
      RIC_ENTRY,
      options.handler ?? 'index.handler',
    ],
    { cwd: options.taskRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let out = '';
  const append = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-1024 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitForPort(
    invokePort,
    15_000,
    () => child.exitCode !== null,
    () => out,
  );
  return {
    name: options.name,
    url: `http://127.0.0.1:${invokePort}`,
    reports: () =>
      [...out.matchAll(REPORT)].map((m) => ({
        requestId: m[1],
        ...(m[2] !== undefined ? { initDurationMs: Number(m[2]) } : {}),
        durationMs: Number(m[3]),
      })),
    output: () => out,
    stop: async () => {
      children.delete(child);
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, dead: () => boolean, out: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (dead()) throw new Error(`aws-lambda-rie exited at start: ${out().slice(-2000)}`);
    const open = await new Promise<boolean>((r) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        r(true);
      });
      socket.once('error', () => r(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`aws-lambda-rie did not listen on ${port} within ${timeoutMs} ms: ${out().slice(-2000)}`);
}

export interface FrontInvocation {
  name: string;
  type: 'RequestResponse' | 'Event';
  /** refused with 429 by `throttle`; the function did not run */
  throttled?: true;
}

export interface LambdaFront {
  /** the Lambda endpoint for the SDK (STRATA_LAMBDA_ENDPOINT) */
  readonly url: string;
  invocations(): FrontInvocation[];
  /** answer the next `count` invokes of `name` with 429 TooManyRequestsException */
  throttle(name: string, count: number): void;
  /** resolves when every accepted Event invocation has run */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Lambda Invoke API over a set of emulators, addressed by function name. `functions` is read at each request, so
 * a caller can start the front first (its URL goes into the functions' environment) and add the emulators after.
 */
export async function startLambdaFront(functions: readonly RieFunction[]): Promise<LambdaFront> {
  // invocations of one emulator run one after the other: one emulator is one execution environment
  const queues = new Map<RieFunction, Promise<unknown>>();
  const busy = new Map<RieFunction, number>();
  const pending = new Set<Promise<unknown>>();
  const seen: FrontInvocation[] = [];
  const throttles = new Map<string, number>();

  const run = (name: string, body: Buffer): Promise<{ status: number; text: string }> => {
    // the least busy environment of the function (the first of equals, so a lone emulator behaves as before)
    const fn = functions
      .filter((f) => f.name === name)
      .reduce((a, b) => ((busy.get(b) ?? 0) < (busy.get(a) ?? 0) ? b : a));
    busy.set(fn, (busy.get(fn) ?? 0) + 1);
    const previous = queues.get(fn) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const res = await fetch(`${fn.url}/2015-03-31/functions/function/invocations`, {
          method: 'POST',
          body: new Uint8Array(body),
        });
        return { status: res.status, text: await res.text() };
      })
      .finally(() => busy.set(fn, (busy.get(fn) ?? 1) - 1));
    queues.set(fn, next);
    return next;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { Type: 'Service', message: String(error) });
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((req.url ?? '').split('?')[0]);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const name = m ? decodeURIComponent(m[1]) : undefined;
    const fn = functions.find((f) => f.name === name);
    if (req.method !== 'POST' || !fn) {
      send(
        res,
        404,
        { Type: 'User', message: `Function not found: ${m?.[1] ?? req.url}` },
        'ResourceNotFoundException',
      );
      return;
    }
    const type = req.headers['x-amz-invocation-type'] === 'Event' ? 'Event' : 'RequestResponse';
    const refusals = throttles.get(fn.name) ?? 0;
    if (refusals > 0) {
      throttles.set(fn.name, refusals - 1);
      seen.push({ name: fn.name, type, throttled: true });
      send(
        res,
        429,
        { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
        'TooManyRequestsException',
      );
      return;
    }
    seen.push({ name: fn.name, type });
    const body = Buffer.concat(chunks);
    if (type === 'Event') {
      const job = run(fn.name, body).finally(() => pending.delete(job));
      pending.add(job);
      res.writeHead(202).end();
      return;
    }
    const { status, text } = await run(fn.name, body);
    if (status !== 200) {
      send(res, 502, { Type: 'Service', message: `emulator answered ${status}: ${text.slice(0, 500)}` });
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      ...(isErrorPayload(text) ? { 'x-amz-function-error': 'Unhandled' } : {}),
    });
    res.end(text);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations: () => [...seen],
    throttle: (name, count) => throttles.set(name, count),
    drain: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

/** What the runtime client posts to /invocation/{id}/error and RIE hands back: `{errorType, errorMessage, ...}`. */
function isErrorPayload(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof (value as { errorType?: unknown }).errorType === 'string' &&
      typeof (value as { errorMessage?: unknown }).errorMessage === 'string'
    );
  } catch {
    return false;
  }
}
