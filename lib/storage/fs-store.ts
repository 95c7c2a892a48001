/**
 * The embedded default store: one folder (e.g. ./data), one file per object at `{root}/{key}`.
 *
 * How it keeps the ObjectStore contract (object-store.ts):
 * - Atomic, durable PUT: the body goes to a temp file in the SAME directory (`{name}.~tmp.{pid}.{rand}`), is
 *   fsynced, then renamed over the object, then the directory is fsynced. rename(2) replaces the name atomically,
 *   so a reader opens the old file or the new one; a writer killed before the rename leaves only a temp file,
 *   which no get/head/list ever returns (names containing `.~` are reserved: such keys are rejected).
 * - Create-only PUT (the WAL's) needs no lock: the synced temp file is hard-linked to the key, and link(2) refuses
 *   an existing name atomically (createExclusively); a filesystem without hard links takes the locked path below.
 * - Other conditional PUTs and DELETE run under a per-key lock file (`{name}.~lock`, file-lock.ts): check the current
 *   ETag, then rename, with no other writer of that key in between, in this process or any other. Unconditional
 *   PUTs take the lock too, or one could land between a CAS's check and its rename and be silently overwritten.
 *   A writer that died holding the lock is detected (dead pid, or age) and its lock is broken.
 * - ETag = quoted MD5 of the content (as S3 gives for single-part uploads). Whole-object reads and the CAS check
 *   hash the bytes they read, so they are exact. head and ranged reads would have to hash the whole file; they use
 *   a cache keyed by the file's identity (device, inode, size, mtime in ns), filled by our own PUTs and by hashing
 *   once. Every PUT creates a new inode, so the identity changes with the content.
 * - Readers take no lock and read through one open handle, so a concurrent rename cannot mix two versions.
 * - Left-over temp files (a writer killed mid-PUT) are garbage, not data; sweepTempFiles() removes old ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { internal, invalid, StrataError } from '../model/errors.js';
import { withFileLock } from './file-lock.js';
import type { FileLockOptions } from './file-lock.js';
import { IoStats, track } from './io-stats.js';
import type { IoScope } from './io-stats.js';
import {
  AmbiguousWriteError,
  checkPutOptions,
  checkRange,
  NOT_MODIFIED,
  PreconditionFailedError,
} from './object-store.js';
import type {
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  NotModified,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  ReadOptions,
} from './object-store.js';

export interface FileSystemStoreOptions {
  /** the folder holding the objects; created on first write */
  root: string;
  /** fsync files and directories on PUT/DELETE (turn off only for throwaway test data) @default true */
  fsync?: boolean;
  lock?: FileLockOptions;
  /**
   * Test seam: called with the temp file's path after it is written and synced, before the rename. The crash
   * tests use it to kill a writer at the worst moment.
   */
  beforeRename?: (tempPath: string) => Promise<void>;
}

const RESERVED = '.~';
const HASH_CHUNK = 1 << 20;

function md5Etag(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** PUT attempts when a concurrent delete prunes the folder it is writing into (see pruneEmptyFolders). */
const PRUNE_RACE_RETRIES = 5;
/** how many folders put() remembers as existing before it starts over */
const KNOWN_FOLDERS = 4096;
/** files a listing stats at once (a chunk of the libuv pool's queue, not thousands of requests in flight) */
const STAT_CHUNK = 64;
/** a file found by a listing: its key, and where it lies */
interface WalkedFile {
  key: string;
  dir: string;
  name: string;
}

/** the time a keys-only listing reports (ObjectStore ListOptions.keysOnly) */
const EPOCH = new Date(0);

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

export class FileSystemStore implements ObjectStore {
  readonly name: string;
  readonly stats = new IoStats();
  private readonly root: string;
  private readonly fsync: boolean;
  private readonly etagCache = new Map<string, string>();
  /** create-only PUTs use link(2) until the filesystem refuses hard links once */
  private hardLinks = true;
  /** folders known to exist (see put), at most KNOWN_FOLDERS */
  private readonly folders = new Set<string>();

  constructor(private readonly options: FileSystemStoreOptions) {
    this.root = resolve(options.root);
    this.fsync = options.fsync ?? true;
    this.name = `fs:${this.root}`;
  }

  private path(key: string): string {
    if (key.length === 0 || key.startsWith('/') || key.includes('\\') || key.includes('\0') || key.includes(RESERVED)) {
      throw invalid(`Invalid object key ${JSON.stringify(key)}`);
    }
    for (const part of key.split('/')) {
      if (part === '' || part === '.' || part === '..') throw invalid(`Invalid object key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult | null> {
    const path = this.path(key);
    const range = options.range;
    if (range !== undefined) checkRange(key, range);
    return track(this.stats, options.io, async () => {
      const r = await this.withHandle(path, async (fh) => {
        const st = await fh.stat({ bigint: true });
        const size = Number(st.size);
        if (range === undefined) {
          const body = new Uint8Array(await fh.readFile());
          const etag = md5Etag(body);
          this.etagCache.set(identity(st), etag);
          return { body, etag, size, lastModified: new Date(Number(st.mtimeMs)) };
        }
        if (range.offset >= size && size > 0) {
          throw invalid(`Range offset ${range.offset} is past the end of ${key} (${size} bytes)`);
        }
        const n = Math.max(0, Math.min(range.length, size - range.offset));
        const body = new Uint8Array(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await fh.read(body, done, n - done, range.offset + done);
          if (bytesRead === 0) throw internal(`Short read of ${key} at ${range.offset + done}`);
          done += bytesRead;
        }
        const etag = await this.cachedEtag(fh, st);
        return { body, etag, size, lastModified: new Date(Number(st.mtimeMs)) };
      });
      return { result: r, kind: range === undefined ? 'get' : 'rangedGet', bytesIn: r?.body.byteLength ?? 0 };
    });
  }

  async getIfNoneMatch(key: string, etag: string, options: ReadOptions = {}): Promise<GetResult | NotModified | null> {
    const path = this.path(key);
    return track(this.stats, options.io, async () => {
      // a file whose identity (inode, size, mtime) has the ETag asked for is unchanged: one stat, no open or read
      // (the manifest is revalidated by every query; PUTs replace files by rename, so an identity is never rewritten)
      const known = await stat(path, { bigint: true }).then(
        (st) => this.etagCache.get(identity(st)),
        () => undefined,
      );
      const r =
        known === etag
          ? NOT_MODIFIED
          : await this.withHandle(path, async (fh) => {
              const st = await fh.stat({ bigint: true });
              const body = new Uint8Array(await fh.readFile());
              const current = md5Etag(body);
              this.etagCache.set(identity(st), current);
              if (current === etag) return NOT_MODIFIED;
              return { body, etag: current, size: body.byteLength, lastModified: new Date(Number(st.mtimeMs)) };
            });
      const modified = r !== null && r !== NOT_MODIFIED;
      return {
        result: r,
        kind: 'conditionalGet',
        bytesIn: modified ? r.body.byteLength : 0,
        notModified: r === NOT_MODIFIED,
      };
    });
  }

  async head(key: string, options: ReadOptions = {}): Promise<ObjectMeta | null> {
    const path = this.path(key);
    return track(this.stats, options.io, async () => {
      const r = await this.withHandle(path, async (fh) => {
        const st = await fh.stat({ bigint: true });
        const etag = await this.cachedEtag(fh, st);
        return { key, size: Number(st.size), etag, lastModified: new Date(Number(st.mtimeMs)) };
      });
      return { result: r, kind: 'head' };
    });
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = this.path(key);
    checkPutOptions(key, options);
    return track(this.stats, options.io, async () => {
      const etag = md5Etag(body);
      // a delete may prune the (then empty) folder between our mkdir and our first file in it, or even inside a
      // recursive mkdir (it found the folder, which was gone when it checked it): nothing of ours is there yet, so
      // make it again and retry
      for (let attempt = 1; ; attempt++) {
        try {
          // a folder this store made or wrote into is taken to be there: a delete that pruned it since (here or in
          // another process) fails the first file operation with ENOENT, and the retry makes it again
          const dir = dirname(path);
          if (attempt > 1 || !this.folders.has(dir)) {
            await mkdir(dir, { recursive: true });
            if (this.folders.size >= KNOWN_FOLDERS) this.folders.clear();
            this.folders.add(dir);
          }
          if (options.ifNoneMatch === '*' && this.hardLinks) {
            const ident = await this.createExclusively(key, path, body);
            if (ident !== null) {
              this.etagCache.set(ident, etag);
              break;
            }
          }
          await withFileLock(
            `${path}${RESERVED}lock`,
            async () => {
              await this.checkPrecondition(key, path, options);
              const ident = await this.writeAtomically(path, body);
              this.etagCache.set(ident, etag);
            },
            this.options.lock,
          );
          break;
        } catch (e) {
          if (isMissing(e) && attempt < PRUNE_RACE_RETRIES) continue;
          // a system error names the file: the message names the key (answers never show a filesystem path)
          if (e instanceof StrataError) throw e;
          throw new StrataError('unavailable', `Write of ${key} failed`, { cause: e });
        }
      }
      return { result: { etag }, kind: 'put', bytesOut: body.byteLength };
    });
  }

  async delete(key: string, options: { io?: IoScope } = {}): Promise<void> {
    const path = this.path(key);
    return track(this.stats, options.io, async () => {
      await withFileLock(
        `${path}${RESERVED}lock`,
        async () => {
          try {
            await unlink(path);
          } catch (e) {
            if (isMissing(e)) return;
            throw e;
          }
          await this.syncDir(dirname(path));
        },
        this.options.lock,
      ).catch((e: unknown) => {
        // deleting under a folder that does not exist: nothing to delete
        if (isMissing(e)) return;
        throw e;
      });
      await this.pruneEmptyFolders(dirname(path));
      return { result: undefined, kind: 'delete' };
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListEntry[]> {
    return track(this.stats, options.io, async () => {
      const slash = prefix.lastIndexOf('/');
      const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
      const start = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
      const found: WalkedFile[] = [];
      await this.walk(start, dirKey, prefix, found);
      const after = options.startAfter;
      const keys = after === undefined ? found : found.filter((e) => e.key > after);
      keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      // only the keys the answer holds are stat'ed (sizes and times), a chunk at a time in parallel, in key order until
      // the limit: a WAL listing from a floor used to stat every object of the folder, one after another, on every
      // query (~20% of the local server's main thread under query load); a file gone since the readdir is skipped
      const want = options.limit ?? Number.POSITIVE_INFINITY;
      if (options.keysOnly === true) {
        const head = Number.isFinite(want) ? keys.slice(0, want) : keys;
        return { result: head.map((e) => ({ key: e.key, size: 0, lastModified: EPOCH })), kind: 'list' };
      }
      const out: ListEntry[] = [];
      for (let i = 0; i < keys.length && out.length < want; ) {
        const chunk = keys.slice(i, i + Math.min(STAT_CHUNK, want - out.length));
        i += chunk.length;
        const stats = await Promise.all(chunk.map((e) => stat(join(e.dir, e.name)).catch(() => null)));
        chunk.forEach((e, j) => {
          const st = stats[j];
          if (st !== null) out.push({ key: e.key, size: st.size, lastModified: st.mtime });
        });
      }
      return { result: out, kind: 'list' };
    });
  }

  async listPrefixes(prefix: string, options: ReadOptions = {}): Promise<string[]> {
    return track(this.stats, options.io, async () => {
      const slash = prefix.lastIndexOf('/');
      const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
      const partial = prefix.slice(slash + 1);
      const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return { result: [], kind: 'list' };
        throw e;
      }
      const head = dirKey === '' ? '' : `${dirKey}/`;
      const out = entries
        .filter((e) => e.isDirectory() && !e.name.includes(RESERVED) && e.name.startsWith(partial))
        .map((e) => `${head}${e.name}/`)
        .sort();
      return { result: out, kind: 'list' };
    });
  }

  /**
   * Removes `dir` and its parents up to (not including) the root while they are empty, so a deleted collection
   * leaves no folders behind. rmdir refuses a folder that is not empty, so a concurrent PUT's file is never lost;
   * a PUT that loses its folder this way re-creates it (put()).
   */
  private async pruneEmptyFolders(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root) && d !== this.root; d = dirname(d)) {
      try {
        await rmdir(d);
        this.folders.delete(d);
      } catch {
        return;
      }
    }
  }

  /** Removes temp files older than `olderThanMs` left by writers that died mid-PUT. Returns how many. */
  async sweepTempFiles(olderThanMs = 60_000): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await visit(p);
        else if (e.name.includes(`${RESERVED}tmp.`)) {
          const st = await stat(p).catch(() => null);
          if (st !== null && Date.now() - st.mtimeMs > olderThanMs) {
            await unlink(p).catch(() => undefined);
            removed += 1;
          }
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  /**
   * The files under `dir` whose keys start with `prefix`, with their folders (no stat, no path joined: list() stats
   * only what it returns, and a keys-only listing of a WAL folder of thousands needs neither).
   */
  private async walk(dir: string, dirKey: string, prefix: string, out: WalkedFile[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    for (const e of entries) {
      if (e.name.includes(RESERVED)) continue;
      const key = dirKey === '' ? e.name : `${dirKey}/${e.name}`;
      if (e.isDirectory()) {
        // descend only where keys can still match the prefix
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`))
          await this.walk(join(dir, e.name), key, prefix, out);
      } else if (e.isFile() && key.startsWith(prefix)) {
        out.push({ key, dir, name: e.name });
      }
    }
  }

  /** The key a file of this store holds: what error messages name (an answer never shows a filesystem path). */
  private keyOf(path: string): string {
    return path.startsWith(this.root)
      ? path
          .slice(this.root.length + 1)
          .split(sep)
          .join('/')
      : basename(path);
  }

  private async withHandle<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T | null> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (isMissing(e)) return null;
      throw new StrataError('unavailable', `Cannot open ${this.keyOf(path)}`, { cause: e });
    }
    try {
      return await fn(fh);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    } finally {
      await fh.close();
    }
  }

  private async cachedEtag(fh: FileHandle, st: import('node:fs').BigIntStats): Promise<string> {
    const id = identity(st);
    const hit = this.etagCache.get(id);
    if (hit !== undefined) return hit;
    const hash = createHash('md5');
    const buf = new Uint8Array(HASH_CHUNK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, HASH_CHUNK, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    const etag = `"${hash.digest('hex')}"`;
    if (this.etagCache.size > 100_000) this.etagCache.clear();
    this.etagCache.set(id, etag);
    return etag;
  }

  private async checkPrecondition(key: string, path: string, options: PutOptions): Promise<void> {
    if (options.ifNoneMatch === '*') {
      const exists = await stat(path).then(
        (s) => s.isFile(),
        (e: unknown) => {
          if (isMissing(e)) return false;
          throw e;
        },
      );
      if (exists) throw new PreconditionFailedError(`put ${key}: object already exists (If-None-Match: *)`);
    } else if (options.ifMatch !== undefined) {
      const current = await this.withHandle(path, async (fh) => md5Etag(new Uint8Array(await fh.readFile())));
      if (current !== options.ifMatch) {
        throw new PreconditionFailedError(
          `put ${key}: ETag is ${current ?? 'absent'}, expected ${options.ifMatch} (If-Match)`,
        );
      }
    }
  }

  /**
   * Create-only PUT without the key's lock: temp file → fsync → link(2) to the key → fsync dir → unlink the temp.
   * link fails with EEXIST when the key exists, atomically against every other writer, so no check-then-write
   * window needs a lock (a CAS or delete holding it cannot be undone by this: a CAS of an absent key fails on its
   * own, and either order of this and a delete or an unconditional PUT is a valid serial order). Saves the lock
   * file's create, read and unlink on every WAL write. Returns the file's identity, or null when this filesystem has
   * no hard links (the caller falls back to the locked rename, and stops trying links).
   */
  private async createExclusively(key: string, path: string, body: Uint8Array): Promise<string | null> {
    const temp = await this.writeTemp(path, body);
    let linked = false;
    try {
      if (this.options.beforeRename !== undefined) await this.options.beforeRename(temp.path);
      try {
        await link(temp.path, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST')
          throw new PreconditionFailedError(`put ${key}: object already exists (If-None-Match: *)`);
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
          this.hardLinks = false;
          return null;
        }
        throw e;
      }
      linked = true;
      await this.syncDir(dirname(path));
      return temp.ident;
    } catch (e) {
      if (linked)
        throw new AmbiguousWriteError(`Write of ${this.keyOf(path)} landed but syncing its folder failed`, {
          cause: e,
        });
      if (e instanceof StrataError || isMissing(e)) throw e;
      throw new StrataError('unavailable', `Write of ${this.keyOf(path)} failed`, { cause: e });
    } finally {
      // the key holds the bytes now (or never will): the temp name is garbage either way (sweepTempFiles), so the
      // write does not wait for its removal
      void unlink(temp.path).catch(() => undefined);
    }
  }

  /** The body in a new synced temp file beside `path`; its path and identity. */
  private async writeTemp(path: string, body: Uint8Array): Promise<{ path: string; ident: string }> {
    const temp = `${path}${RESERVED}tmp.${process.pid}.${randomBytes(6).toString('hex')}`;
    try {
      return { path: temp, ident: await this.writeSynced(temp, body) };
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      if (isMissing(e)) throw e; // a delete pruned the folder: put() makes it again
      throw new StrataError('unavailable', `Write of ${this.keyOf(path)} failed`, { cause: e });
    }
  }

  /**
   * Creates `file` with `body`, synced; returns its identity. The stat runs beside the fsync (the write set the
   * mtime; the fsync changes nothing a stat reports) and the close is not waited for (the data is synced, and
   * renaming or linking an open file is fine): each file operation waits a turn of a busy event loop, and a WAL
   * write under query load paid for every one of them.
   */
  private async writeSynced(file: string, body: Uint8Array): Promise<string> {
    const fh = await open(file, 'wx');
    try {
      await fh.writeFile(body);
      const [, st] = await Promise.all([this.fsync ? fh.sync() : undefined, fh.stat({ bigint: true })]);
      return identity(st);
    } finally {
      void fh.close().catch(() => undefined);
    }
  }

  /** temp file → fsync → rename → fsync dir; returns the new file's identity for the ETag cache. */
  private async writeAtomically(path: string, body: Uint8Array): Promise<string> {
    const temp = `${path}${RESERVED}tmp.${process.pid}.${randomBytes(6).toString('hex')}`;
    let renamed = false;
    try {
      const ident = await this.writeSynced(temp, body);
      if (this.options.beforeRename !== undefined) await this.options.beforeRename(temp);
      await rename(temp, path);
      renamed = true;
      await this.syncDir(dirname(path));
      return ident;
    } catch (e) {
      if (renamed)
        throw new AmbiguousWriteError(`Write of ${this.keyOf(path)} landed but syncing its folder failed`, {
          cause: e,
        });
      await unlink(temp).catch(() => undefined);
      if (e instanceof StrataError) throw e;
      throw new StrataError('unavailable', `Write of ${this.keyOf(path)} failed`, { cause: e });
    }
  }

  private async syncDir(dir: string): Promise<void> {
    if (!this.fsync) return;
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      // synced: nothing waits for the close (see writeSynced)
      void fh.close().catch(() => undefined);
    }
  }
}

function identity(st: import('node:fs').BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}
