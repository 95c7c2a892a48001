import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { FileSystemStore } from '../../../lib/storage/fs-store.js';
import { describeObjectStoreConformance } from '../../support/store-conformance.js';

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-fs-store-'));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const CHILD = join(import.meta.dirname, '../../support/fs-store-child.ts');

/** Runs the child script; resolves with it and a promise of its first stdout line matching `want`. */
function child(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const line = (want: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = out.split('\n').find((l) => want.test(l));
        if (m !== undefined) resolve(m);
      };
      proc.stdout.on('data', check);
      void exited.then(() => {
        check();
        reject(new Error(`child exited without ${want}: ${err}`));
      });
    });
  return { proc, exited, line, output: () => out + err };
}

describeObjectStoreConformance('filesystem', async () => ({ store: new FileSystemStore({ root: tempRoot() }) }));

describe('FileSystemStore', () => {
  it('lists past a start and up to a limit across its stat chunks, each key with its own size', async () => {
    // the listing stats only the keys it returns, 64 at a time: a limit spanning chunks and a start inside the folder
    const store = new FileSystemStore({ root: tempRoot() });
    const keys = Array.from({ length: 150 }, (_, i) => `w/${String(i).padStart(4, '0')}.x`);
    for (const [i, k] of keys.entries()) await store.put(k, enc('v'.repeat(i + 1)));
    const head = await store.list('w/', { startAfter: keys[9], limit: 100 });
    expect(head.map((e) => e.key)).toEqual(keys.slice(10, 110));
    expect(head.map((e) => e.size)).toEqual(keys.slice(10, 110).map((_, j) => j + 11));
    expect((await store.list('w/', { startAfter: keys[9] })).map((e) => e.key)).toEqual(keys.slice(10));
    expect(await store.list('w/', { startAfter: keys[149] })).toEqual([]);
  });

  it('never shows a temp file left by a writer killed before its rename, and breaks the dead writer’s lock', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root });
    await store.put('col/manifest.json', enc('committed'));

    const writer = child([root, 'crash-before-rename', 'col/manifest.json', 'torn-never-committed']);
    const ready = await writer.line(/^READY /);
    const temp = ready.slice('READY '.length);
    expect(existsSync(temp)).toBe(true); // the crash really left a fully written temp file behind
    expect(existsSync(join(root, 'col', 'manifest.json.~lock'))).toBe(true);
    writer.proc.kill('SIGKILL');
    await writer.exited;

    expect(dec((await store.get('col/manifest.json'))!.body)).toBe('committed');
    expect((await store.list('col/')).map((e) => e.key)).toEqual(['col/manifest.json']);
    expect(readdirSync(join(root, 'col')).some((n) => n.includes('.~tmp.'))).toBe(true);

    // the lock names a dead pid on this host: the next writer breaks it at once instead of timing out
    const t0 = Date.now();
    const { etag } = await store.put('col/manifest.json', enc('next'), {
      ifMatch: (await store.head('col/manifest.json'))!.etag,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await store.get('col/manifest.json'))!.etag).toBe(etag);

    expect(await store.sweepTempFiles(0)).toBe(1);
    expect(readdirSync(join(root, 'col'))).toEqual(['manifest.json']);
  });

  it('breaks a lock older than staleMs even when its holder cannot be checked (another host)', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root, lock: { staleMs: 300, timeoutMs: 5000 } });
    await mkdir(join(root, 'k'), { recursive: true });
    writeFileSync(
      join(root, 'k', 'obj.~lock'),
      JSON.stringify({ pid: 1, host: 'some-other-host', token: 'x', at: Date.now() }),
    );
    const t0 = Date.now();
    await store.put('k/obj', enc('v'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(dec((await store.get('k/obj'))!.body)).toBe('v');
    expect(existsSync(join(root, 'k', 'obj.~lock'))).toBe(false);
  });

  it('waits for a live lock and fails unavailable when it is never released', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root, lock: { staleMs: 60_000, timeoutMs: 200 } });
    await mkdir(join(root, 'k'), { recursive: true });
    writeFileSync(
      join(root, 'k', 'obj.~lock'),
      JSON.stringify({ pid: process.pid, host: 'elsewhere', token: 'y', at: 0 }),
    );
    const err = await store.put('k/obj', enc('v')).catch((e: unknown) => e);
    expect(isStrataError(err, 'unavailable')).toBe(true);
    expect(await store.get('k/obj')).toBeNull();
  });

  it('keeps compare-and-swap exact across processes: 4 processes × 10 CAS increments = 40', async () => {
    const root = tempRoot();
    const writers = Array.from({ length: 4 }, () => child([root, 'increment', 'shared/counter', '10']));
    const codes = await Promise.all(writers.map((w) => w.exited));
    expect(codes, writers.map((w) => w.output()).join('\n')).toEqual([0, 0, 0, 0]);
    const store = new FileSystemStore({ root });
    expect(dec((await store.get('shared/counter'))!.body)).toBe('40');
    expect(readdirSync(join(root, 'shared'))).toEqual(['counter']); // no lock or temp file left behind
  }, 60_000);

  it('rejects keys that could escape the root or collide with its internal files', async () => {
    const store = new FileSystemStore({ root: tempRoot() });
    for (const bad of ['', '/abs', 'a/../b', 'a//b', './a', 'a/b.~lock', 'x\\y', 'dir/']) {
      await expect(store.put(bad, enc('x'))).rejects.toSatisfy((e) => isStrataError(e, 'invalid'));
    }
  });

  it('a write the file system refuses fails unavailable naming the key, never a filesystem path', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root });
    await store.put('x', enc('1'));
    // x is a file, so no folder x/ can be made for x/y
    const err = await store.put('x/y', enc('2')).catch((e: unknown) => e);
    expect(isStrataError(err, 'unavailable')).toBe(true);
    expect((err as Error).message).toBe('Write of x/y failed');
    expect((err as Error).message).not.toContain(root);
  });

  it('treats a folder as a missing object', async () => {
    const store = new FileSystemStore({ root: tempRoot() });
    await store.put('a/b/c', enc('x'));
    expect(await store.get('a/b')).toBeNull();
    expect(await store.head('a')).toBeNull();
  });

  it('prunes folders a delete leaves empty, up to the root, and keeps folders that still hold objects', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root });
    await store.put('collections/a/segments/s1/meta.json', enc('1'));
    await store.put('collections/a/wal/1.w', enc('2'));
    await store.put('collections/b/manifest.json', enc('3'));
    await store.delete('collections/a/segments/s1/meta.json');
    expect(readdirSync(join(root, 'collections/a'))).toEqual(['wal']);
    await store.delete('collections/a/wal/1.w');
    expect(readdirSync(join(root, 'collections'))).toEqual(['b']);
    await store.delete('collections/b/manifest.json');
    expect(readdirSync(root)).toEqual([]);
  });

  it('a create-only PUT takes no lock (hard link), exactly one of 8 racing creators wins, no temp file is left', async () => {
    const root = tempRoot();
    const seen: string[][] = [];
    const store = new FileSystemStore({
      root,
      beforeRename: async () => {
        seen.push(readdirSync(join(root, 'wal')).filter((n) => n.includes('.~lock')));
      },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.put('wal/1.w', enc(`v${i}`), { ifNoneMatch: '*' })),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isStrataError(r.reason, 'conflict')).toBe(true);
    }
    expect(seen.flat()).toEqual([]);
    const got = (await store.get('wal/1.w'))!;
    expect(dec(got.body)).toBe(`v${won[0]}`);
    expect((await store.head('wal/1.w'))!.etag).toBe(got.etag);
    expect(readdirSync(join(root, 'wal'))).toEqual(['1.w']);
  });

  it('a create-only PUT racing a delete that prunes its folder still lands', async () => {
    const store = new FileSystemStore({ root: tempRoot() });
    for (let i = 0; i < 30; i++) {
      await store.put('e/x', enc('x'));
      await Promise.all([store.delete('e/x'), store.put(`e/y${i}`, enc('y'), { ifNoneMatch: '*' })]);
      expect(await store.get(`e/y${i}`)).not.toBeNull();
      await store.delete(`e/y${i}`);
    }
  });

  it('a PUT into a folder another process removed since this store last wrote there lands (made again)', async () => {
    const root = tempRoot();
    const store = new FileSystemStore({ root });
    for (const ifNoneMatch of ['*', undefined] as const) {
      await store.put('c/wal/1.w', enc('one'));
      // the folder goes behind this store's back (another process's delete, an operator)
      rmSync(join(root, 'c'), { recursive: true, force: true });
      await store.put('c/wal/2.w', enc('two'), ifNoneMatch ? { ifNoneMatch } : {});
      expect(dec((await store.get('c/wal/2.w'))!.body)).toBe('two');
      expect(await store.get('c/wal/1.w')).toBeNull();
    }
  });

  it('a PUT racing a delete that prunes its folder still lands', async () => {
    const store = new FileSystemStore({ root: tempRoot() });
    for (let i = 0; i < 50; i++) {
      await store.put('d/x', enc('x'));
      await Promise.all([store.delete('d/x'), store.put(`d/y${i}`, enc('y'))]);
      expect(await store.get(`d/y${i}`)).not.toBeNull();
      await store.delete(`d/y${i}`);
    }
  });
});
