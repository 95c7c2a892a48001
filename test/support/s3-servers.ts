/**
 * Real S3-compatible servers on loopback for integration tests (and `npm run localstack`): moto_server and
 * LocalStack's S3, started as child processes on free ports, probed until healthy, and stopped (process group,
 * SIGTERM then SIGKILL). No Docker: each runs from its own virtual environment under .venv-test/, which the tests
 * create on their first run (test/support/python-env.ts pins the packages and says why there are two).
 *
 * moto runs through test/python/moto_server.py, which makes its conditional writes atomic as S3's are.
 *
 * LocalStack 4.14 on the host needs three things to start offline here, all set below:
 * - GATEWAY_SERVER=hypercorn: the default twisted gateway imports `service_identity`, which the install
 *   does not bring;
 * - CUSTOM_SSL_CERT_PATH to a self-signed cert made with `openssl`: LocalStack otherwise generates one with a
 *   pyOpenSSL API (X509.add_extensions) removed in the pyOpenSSL that pip resolves today;
 * - Python >= 3.12 and cbor2 < 6, which python-env.ts provides.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPython } from './python-env.js';

const MOTO_SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'moto_server.py');

export type S3ServerKind = 'moto' | 'localstack';

export interface S3Server {
  readonly kind: S3ServerKind;
  /** http://127.0.0.1:port */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** milliseconds from spawn to healthy */
  readonly startupMs: number;
  /** everything the server printed so far (capped at the last 2 MB) */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** @default a free loopback port */
  port?: number;
  /** @default 120 s for LocalStack, 30 s for moto */
  timeoutMs?: number;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const REGION = 'us-east-1';
const OUTPUT_CAP = 2 * 1024 * 1024;

/** Children still running, killed synchronously if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function probe(url: string): Promise<Response | null> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(2000) });
  } catch {
    return null;
  }
}

interface Launch {
  kind: S3ServerKind;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  healthy: (port: number) => Promise<boolean>;
  timeoutMs: number;
  cleanup?: () => void;
  diagnose?: (output: string) => string | null;
}

async function launch(l: Launch): Promise<S3Server> {
  installExitHook();
  const started = Date.now();
  const child = spawn(l.command, l.args, { env: l.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_CAP) out = out.slice(out.length - OUTPUT_CAP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: number | string | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = code ?? signal ?? 'exit';
      running.delete(child);
      resolve();
    });
    child.on('error', (e) => {
      exited = String(e);
      running.delete(child);
      resolve();
    });
  });

  const stop = async () => {
    if (exited === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
      const killed = await Promise.race([exitedPromise.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
        await exitedPromise;
      }
    }
    l.cleanup?.();
  };

  const deadline = started + l.timeoutMs;
  for (;;) {
    if (exited !== null) {
      l.cleanup?.();
      const hint = l.diagnose?.(out);
      throw new Error(
        `${l.kind} exited (${exited}) before it was healthy${hint ? `: ${hint}` : ''}\n${out.slice(-3000)}`,
      );
    }
    if (await l.healthy(l.port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${l.kind} not healthy after ${l.timeoutMs} ms\n${out.slice(-3000)}`);
    }
    await sleep(200);
  }
  return {
    kind: l.kind,
    endpoint: `http://127.0.0.1:${l.port}`,
    port: l.port,
    pid: child.pid!,
    region: REGION,
    credentials: CREDENTIALS,
    startupMs: Date.now() - started,
    output: () => out,
    stop,
  };
}

export async function startMoto(options: StartOptions = {}): Promise<S3Server> {
  const port = options.port ?? (await freePort());
  return launch({
    kind: 'moto',
    command: testPython('moto'),
    // moto's own server, the writes to one object one at a time: see the script's header for why
    args: [MOTO_SERVER, '-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, AWS_DEFAULT_REGION: REGION },
    port,
    timeoutMs: options.timeoutMs ?? 30_000,
    healthy: async (p) => (await probe(`http://127.0.0.1:${p}/moto-api/`))?.ok === true,
  });
}

/** A self-signed cert + key PEM for LocalStack's gateway (see the header for why). */
function makeCert(dir: string): string {
  const key = join(dir, 'server.key');
  const crt = join(dir, 'server.crt');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '7',
      '-subj',
      '/CN=localhost',
    ],
    { stdio: 'ignore' },
  );
  if (r.status !== 0) throw new Error('openssl could not make a self-signed certificate for LocalStack');
  const pem = join(dir, 'server.pem');
  writeFileSync(pem, readFileSync(key, 'utf8') + readFileSync(crt, 'utf8'));
  return pem;
}

export async function startLocalStack(options: StartOptions = {}): Promise<S3Server> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'strata-localstack-'));
  const cert = makeCert(dir);
  return launch({
    kind: 'localstack',
    command: testPython('localstack'),
    args: ['-m', 'localstack.runtime.main'],
    env: {
      ...process.env,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      GATEWAY_SERVER: 'hypercorn',
      SERVICES: 's3',
      DNS_ADDRESS: '0',
      SKIP_SSL_CERT_DOWNLOAD: '1',
      CUSTOM_SSL_CERT_PATH: cert,
      DISABLE_EVENTS: '1',
      SKIP_INFRA_DOWNLOADS: '1',
      FILESYSTEM_ROOT: join(dir, 'fs'),
      LOCALSTACK_HOST: `127.0.0.1:${port}`,
      // request log lines (`AWS s3.PutObject => 200`) are how tests see that the server was really used
      LS_LOG: 'info',
    },
    port,
    timeoutMs: options.timeoutMs ?? 120_000,
    healthy: async (p) => {
      const r = await probe(`http://127.0.0.1:${p}/_localstack/health`);
      if (r === null || !r.ok) return false;
      const body = (await r.json().catch(() => null)) as { services?: Record<string, string> } | null;
      const s3 = body?.services?.s3;
      return s3 === 'available' || s3 === 'running';
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    diagnose: (out) =>
      out.includes('cbor2._decoder')
        ? 'LocalStack 4.14 needs cbor2<6 (pip install "cbor2<6")'
        : out.includes('service_identity')
          ? 'twisted needs service_identity; GATEWAY_SERVER=hypercorn should avoid it'
          : null,
  });
}

export function startS3Server(kind: S3ServerKind, options?: StartOptions): Promise<S3Server> {
  return kind === 'moto' ? startMoto(options) : startLocalStack(options);
}
