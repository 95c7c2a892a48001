/**
 * An exclusive lock file, good across async callers of one process AND across processes on one host (and on a
 * shared filesystem that honours O_EXCL). The filesystem store holds it around "check precondition → rename".
 *
 * Acquire: create the lock file with O_CREAT|O_EXCL ('wx'); the kernel lets exactly one creator win. The file
 * records {pid, host, token, at} so others can judge it.
 *
 * A holder that crashed leaves its lock behind. The lock is STALE when its owner is on this host and its pid is
 * gone, or when it is older than `staleMs` (the critical section takes milliseconds; the default 10 s is for
 * holders on other hosts, or a lock file left empty by a crash between create and write). Stealing is
 * "rename the lock file to a unique name, then check that the renamed file is the very one judged stale (same
 * inode)". Two stealers cannot both succeed: the second rename finds nothing. If the renamed file turns out to be
 * a fresh lock taken meanwhile, it is put back with link(), which fails rather than overwrite a newer lock.
 *
 * Release removes the file only if it still carries our token (a holder that stalled past `staleMs` and was
 * stolen from must not delete its successor's lock).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { unavailable } from '../model/errors.js';

export interface FileLockOptions {
  /** a lock older than this is stale whoever holds it @default 10_000 */
  staleMs?: number;
  /** give up acquiring after this long (kind 'unavailable') @default 30_000 */
  timeoutMs?: number;
}

interface LockBody {
  pid: number;
  host: string;
  token: string;
  at: number;
}

const HOST = hostname();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parse(text: string): LockBody | null {
  try {
    const v = JSON.parse(text) as LockBody;
    return typeof v.pid === 'number' && typeof v.token === 'string' ? v : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function tryCreate(lockPath: string, body: LockBody): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(lockPath, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await fh.writeFile(JSON.stringify(body));
  } finally {
    await fh.close();
  }
  return true;
}

/** Removes the lock at `lockPath` if it is stale; true when the caller should retry creating at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let st: Awaited<ReturnType<typeof stat>>;
  let text: string;
  try {
    st = await stat(lockPath);
    text = await readFile(lockPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true; // released meanwhile
    throw e;
  }
  const holder = parse(text);
  const age = Date.now() - st.mtimeMs;
  const deadLocal = holder !== null && holder.host === HOST && !pidAlive(holder.pid);
  if (!deadLocal && age < staleMs) return false;

  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true; // another stealer won
    throw e;
  }
  const moved = await stat(aside);
  if (moved.ino !== st.ino || moved.dev !== st.dev) {
    // We moved a lock taken after our judgement: put it back unless someone holds the path again.
    try {
      await link(aside, lockPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** A held lock; call release() exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const body: LockBody = { pid: process.pid, host: HOST, token: randomBytes(12).toString('hex'), at: Date.now() };
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (await tryCreate(lockPath, body)) break;
    if (await breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() > deadline) throw unavailable(`Timed out after ${timeoutMs} ms waiting for lock ${lockPath}`);
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 25);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const current = await readFile(lockPath, 'utf8').catch(() => null);
      if (current !== null && parse(current)?.token === body.token) await unlink(lockPath).catch(() => undefined);
    },
  };
}

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options?: FileLockOptions): Promise<T> {
  const lock = await acquireFileLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
