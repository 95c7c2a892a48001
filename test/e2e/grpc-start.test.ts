/**
 * `npm start` serves gRPC beside REST: tsx bin/strata.ts as a child process over a temporary folder, with
 * `--grpc-port N`; a collection created over REST is seen over gRPC (one service behind both doors), and
 * `--grpc-port 0` starts no gRPC server at all (the flag wins over STRATA_GRPC_PORT).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/s3-servers.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

async function start(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ rest: string; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-grpc-'));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url)),
      'bin/strata.ts',
      '--data',
      dir,
      '--port',
      String(port),
      '--workers',
      '1',
      ...args,
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, STRATA_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`strata exited (${child.exitCode}):\n${output}`);
    // the banner is printed once both servers listen
    if (output.includes('Strata http://')) return { rest: `http://127.0.0.1:${port}`, output: () => output };
    if (Date.now() > deadline) throw new Error(`strata not ready after 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null) c.kill('SIGKILL');
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm start with gRPC', () => {
  it('--grpc-port N serves the gRPC API over the same service as REST', async () => {
    const grpcPort = await freePort();
    const { rest, output } = await start(['--grpc-port', String(grpcPort)]);
    expect(output()).toContain(`gRPC http://127.0.0.1:${grpcPort}`);
    const res = await fetch(`${rest}/collections/docs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vectors: { size: 4, distance: 'Dot' } }),
    });
    expect(res.status).toBe(200);
    const client = new GrpcClient({ url: `http://127.0.0.1:${grpcPort}`, checkCompatibility: false });
    expect((await client.api('service').healthCheck({})).version).toBe('1.19.0');
    expect((await client.api('collections').list({})).collections.map((c) => c.name)).toEqual(['docs']);
  }, 90_000);

  it('--grpc-port 0 turns gRPC off, over STRATA_GRPC_PORT', async () => {
    const grpcPort = await freePort();
    const { output } = await start(['--grpc-port', '0'], { STRATA_GRPC_PORT: String(grpcPort) });
    expect(output()).not.toContain('gRPC');
    expect(await listening(grpcPort)).toBe(false);
  }, 90_000);
});
