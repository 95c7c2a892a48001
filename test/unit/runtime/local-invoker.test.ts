import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { StrataError } from '../../../lib/model/errors.js';
import { LocalInvoker } from '../../../lib/runtime/local-invoker.js';
import { workerFor } from '../../../lib/collection/routing.js';

const filename = fileURLToPath(new URL('../../support/fake-pool-worker.ts', import.meta.url));
const K = 3;

function task(mode: string, segment = 'seg-1'): SegmentSearchTask {
  return {
    collectionPrefix: mode,
    segments: [{ id: segment, deletedVersion: 0 }],
    vector: [1],
    limit: 1,
    params: { exact: true },
  };
}

const threadOf = async (invoker: LocalInvoker, worker: number, t: SegmentSearchTask): Promise<string> =>
  (await invoker.invoke(worker, t, 20_000)).candidates[0].segment;

describe('LocalInvoker (worker-thread pool)', () => {
  let invoker: LocalInvoker;
  const errors: unknown[] = [];

  beforeAll(() => {
    invoker = new LocalInvoker({ workers: K, filename, onError: (e) => errors.push(e), lastResortMs: 300 });
  });
  afterAll(() => invoker.close());

  it('runs worker i on its own thread, every time (warm affinity)', async () => {
    const seen = new Map<number, Set<string>>();
    const segments = Array.from({ length: 30 }, (_, i) => `segment-${i}`);
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        segments.map(async (s) => {
          const w = workerFor(s, K);
          const thread = await threadOf(invoker, w, task('ok', s));
          if (!seen.has(w)) seen.set(w, new Set());
          seen.get(w)!.add(thread);
        }),
      );
    }
    expect(seen.size).toBe(K);
    for (const threads of seen.values()) expect(threads.size).toBe(1);
    const all = [...seen.values()].map((t) => [...t][0]);
    expect(new Set(all).size).toBe(K);
  });

  it('runs several tasks on one thread at once, so their store waits overlap', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => invoker.invoke(2, task('together:4'), 20_000)));
    // every task saw all four in flight on the thread: none waited for another to finish
    expect(answers.map((a) => a.stats.distances)).toEqual([4, 4, 4, 4]);
    expect(new Set(answers.map((a) => a.candidates[0].segment)).size).toBe(1);
  });

  it('replaces a crashed thread and retries the task once on the new one', async () => {
    const before = await threadOf(invoker, 1, task('ok'));
    const marker = join(mkdtempSync(join(tmpdir(), 'strata-pool-')), 'crashed');
    const after = await threadOf(invoker, 1, task(`crash-once:${marker}`));
    expect(after).not.toBe(before);
    // the replacement keeps serving worker 1, and the other workers were untouched
    expect(await threadOf(invoker, 1, task('ok'))).toBe(after);
  });

  it('fails with unavailable after a thread crashes twice', async () => {
    const error = await invoker.invoke(2, task('crash'), 20_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).kind).toBe('unavailable');
    expect(await threadOf(invoker, 2, task('ok'))).toMatch(/^thread-\d+$/);
  });

  it('turns a throwing task and a garbage answer into unavailable after one retry', async () => {
    for (const mode of ['throw', 'garbage']) {
      const error = (await invoker.invoke(0, task(mode), 20_000).catch((e: unknown) => e)) as StrataError;
      expect(error.kind).toBe('unavailable');
      expect(error.message).toMatch(/failed after 2 attempts/);
    }
  });

  it('leaves a task past its deadline to stop itself: the thread (and its caches) survive', async () => {
    const before = await threadOf(invoker, 1, task('ok'));
    const started = Date.now();
    const error = (await invoker.invoke(1, task('budget'), 400).catch((e: unknown) => e)) as StrataError;
    expect(error.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
    // both attempts stopped themselves within their budgets: no thread was terminated
    await new Promise((r) => setTimeout(r, 400));
    expect(await threadOf(invoker, 1, task('ok'))).toBe(before);
  });

  it("keeps a thread that is busy settling tasks, even past a queued task's budget and last resort", async () => {
    const before = await threadOf(invoker, 2, task('ok'));
    // 40 tasks of 50 ms, four at a time: the queue ahead of the late task drains for ~500 ms, settling all along
    const ahead = Array.from({ length: 40 }, () => invoker.invoke(2, task('sleep:50'), 20_000));
    // its budget (100 ms) and the last resort (300 ms) pass while it waits behind them
    const late = (await invoker.invoke(2, task('ok'), 200).catch((e: unknown) => e)) as StrataError;
    expect(late.kind).toBe('unavailable');
    expect((await Promise.all(ahead)).every((r) => r.candidates[0].segment === before)).toBe(true);
    expect(await threadOf(invoker, 2, task('ok'))).toBe(before);
  });

  it('terminates a thread that spins past its budget (the last resort), then replaces it', async () => {
    const before = await threadOf(invoker, 0, task('ok'));
    const started = Date.now();
    const error = (await invoker.invoke(0, task('spin'), 400).catch((e: unknown) => e)) as StrataError;
    expect(error.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
    const after = await threadOf(invoker, 0, task('ok'));
    expect(after).not.toBe(before);
  });
});

describe('LocalInvoker as built JavaScript', () => {
  it('finds and starts its worker script beside the built module, without tsx', async () => {
    const { build } = await import('esbuild');
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, readdirSync } = await import('node:fs');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    // inside the repository (dist/ is git-ignored) so the built files resolve node_modules as an install would
    mkdirSync(join(root, 'dist'), { recursive: true });
    const out = mkdtempSync(join(root, 'dist', 'built-js-'));
    const ts = (dir: string) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, dir, f));
    // a plain transpile (no bundling), as `tsc` would emit: one .js per .ts, same folders, same relative imports
    await build({
      entryPoints: [
        ...ts('lib/runtime'),
        ...ts('lib/collection'),
        ...ts('lib/segment'),
        ...ts('lib/model'),
        join(root, 'test/support/fake-pool-worker.ts'),
      ],
      outdir: out,
      outbase: root,
      format: 'esm',
      platform: 'node',
      logLevel: 'error',
    });
    const script = `
      import { LocalInvoker } from ${JSON.stringify(join(out, 'lib/runtime/local-invoker.js'))};
      import { siblingScript } from ${JSON.stringify(join(out, 'lib/runtime/worker-script.js'))};
      const inv = new LocalInvoker({ workers: 2, filename: ${JSON.stringify(join(out, 'test/support/fake-pool-worker.js'))} });
      const task = { collectionPrefix: 'ok', segments: [{ id: 's', deletedVersion: 0 }], vector: [1], limit: 1, params: {} };
      const r = await inv.invoke(1, task, 20000);
      console.log(JSON.stringify({ segment: r.candidates[0].segment, worker: r.candidates[0].version, sibling: siblingScript(${JSON.stringify(`file://${join(out, 'lib/runtime/local-invoker.js')}`)}, 'pool-worker') }));
      await inv.close();`;
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: out,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const answer = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      segment: string;
      worker: number;
      sibling: string;
    };
    expect(answer.segment).toMatch(/^thread-\d+$/);
    expect(answer.worker).toBe(1);
    expect(answer.sibling).toBe(join(out, 'lib/runtime/pool-worker.js'));
  });
});
