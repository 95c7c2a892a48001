/**
 * The ObjectStore contract: the only way the engine reads or writes bytes (filesystem folder locally, S3 in AWS).
 * Keys are plain strings built by the layers above (lib/collection owns the key layout); a store may map them under
 * its own prefix but never interprets them.
 *
 * Semantics every implementation guarantees (the manifest compare-and-swap and the WAL rely on these):
 * 1. A PUT is atomic: a reader sees the whole previous object or the whole new one, never a torn or partial write,
 *    and a write that failed or crashed midway is never visible.
 * 2. A successful PUT is durable and immediately visible to every reader (read-after-write, as S3 has had since
 *    2020): get/head/list after it returns the new object.
 * 3. ETags are opaque strings that change whenever the content changes (equal content may share an ETag). Compare
 *    them only for equality, and only ETags from the same store.
 * 4. Conditional PUT is one atomic check-and-write against every other writer of the same store, in-process or not:
 *    - `ifNoneMatch: '*'` succeeds only if the key does not exist (create-only);
 *    - `ifMatch: etag` succeeds only if the current object has exactly that ETag (compare-and-swap);
 *    a failed precondition throws PreconditionFailedError (StrataError kind 'conflict', code 'precondition_failed')
 *    and writes nothing. Of N concurrent conditional PUTs made against the same state, at most one succeeds.
 * 5. An AMBIGUOUS conditional write (the request went out but no answer came back: timeout, reset, 5xx) throws
 *    AmbiguousWriteError (kind 'unavailable', code 'ambiguous_write'); the write may or may not have landed. It is
 *    never retried as if it had failed (a retry would hit our own write as a conflict and lie). Callers re-read
 *    and decide (the CAS helper in cas.ts does).
 * 6. A missing object is `null` from get/getIfNoneMatch/head, never an exception; delete of a missing key succeeds.
 * 7. Transient failures (throttling, 5xx, network, timeouts) throw kind 'unavailable' after the store's own
 *    retries; the caller may retry. Misconfiguration and corrupt answers throw 'internal'; bad arguments 'invalid'.
 * 8. A ranged get returns bytes [offset, min(offset + length, size)): the last page of an object may be short. A
 *    range starting at or past the end of a non-empty object is 'invalid'.
 * 9. list(prefix) returns every key starting with `prefix` (all pages), sorted by key (byte order for ASCII keys);
 *    with `startAfter`, only those sorting after it (S3's StartAfter: the store skips the rest, so a listing of a
 *    prefix whose old keys are gone, or only delete markers on a versioned bucket, costs what is left, not history);
 *    with `limit`, only the first `limit` of those, in at most ceil(limit / page size) requests (one page when the
 *    limit fits in it), so a caller that may want only the head of a listing does not pay for its tail.
 * 10. listPrefixes(prefix) returns the distinct next path components under `prefix`, each as `prefix + name + '/'`
 *    (S3's CommonPrefixes with delimiter '/'), sorted: one entry per folder, never a walk of the objects in it.
 *
 * Every store counts its I/O (stats) and, when a call passes an IoScope, charges the call to that scope too
 * (io-stats.ts), so a query can report its GETs, bytes and sequential rounds.
 */
import { type ErrorCode, StrataError } from '../model/errors.js';
import type { IoScope, IoStats } from './io-stats.js';

export interface ByteRange {
  /** first byte, ≥ 0 */
  offset: number;
  /** number of bytes wanted, ≥ 1 (fewer come back at the end of the object) */
  length: number;
}

export interface ReadOptions {
  /** charge this call to a query's I/O scope (GETs, bytes, rounds) */
  io?: IoScope;
  signal?: AbortSignal;
}

export interface ListOptions extends ReadOptions {
  /** only keys sorting strictly after this one (a full key, like `prefix`) */
  startAfter?: string;
  /** at most this many keys, the first ones (≥ 1) */
  limit?: number;
  /**
   * the caller reads only the keys: a store that pays extra for sizes and times (the filesystem store: a stat per
   * file) may leave them 0 and the epoch. The WAL tail's listing on every query passes it.
   */
  keysOnly?: boolean;
}

export interface GetOptions extends ReadOptions {
  range?: ByteRange;
}

export interface PutOptions {
  /** `'*'`: create only; fails with PreconditionFailedError when the key exists */
  ifNoneMatch?: '*';
  /** compare-and-swap: fails with PreconditionFailedError unless the current ETag equals this one */
  ifMatch?: string;
  contentType?: string;
  io?: IoScope;
  signal?: AbortSignal;
}

export interface ObjectMeta {
  key: string;
  /** size of the whole object in bytes */
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListEntry {
  key: string;
  size: number;
  lastModified: Date;
  /** present when the store knows it without extra reads (S3 does; the filesystem store does not) */
  etag?: string;
}

export interface GetResult {
  /** the object, or the requested range of it */
  body: Uint8Array;
  etag: string;
  /** size of the whole object (not of the range) */
  size: number;
  lastModified: Date;
}

export const NOT_MODIFIED = 'not_modified' as const;
export type NotModified = typeof NOT_MODIFIED;

export interface ObjectStore {
  /** Human-readable description for logs, e.g. `fs:/data` or `s3://bucket/prefix`. */
  readonly name: string;
  readonly stats: IoStats;
  /**
   * Granularity of `lastModified` in ms (S3 lists whole seconds); absent = 1. A fence taken from a LastModified
   * (collection-delete.ts) is strict only for objects written at least this long before it.
   */
  readonly timestampResolutionMs?: number;

  /** The whole object, or `options.range` of it; null when the key does not exist. */
  get(key: string, options?: GetOptions): Promise<GetResult | null>;

  /**
   * Conditional GET (If-None-Match): 'not_modified' when the object's ETag still equals `etag` (no body is
   * transferred), the new object when it changed, null when it no longer exists.
   */
  getIfNoneMatch(key: string, etag: string, options?: ReadOptions): Promise<GetResult | NotModified | null>;

  /** Writes the object atomically; see the header for the conditional forms. Returns the new ETag. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }>;

  head(key: string, options?: ReadOptions): Promise<ObjectMeta | null>;

  /** Every key starting with `prefix` (after `options.startAfter`), all pages fetched, sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ListEntry[]>;

  /** The folders directly under `prefix` (which ends in '/'), as `prefix + name + '/'`, sorted. */
  listPrefixes(prefix: string, options?: ReadOptions): Promise<string[]>;

  /** Deletes the key; succeeds when it does not exist. */
  delete(key: string, options?: { io?: IoScope; signal?: AbortSignal }): Promise<void>;
}

export type StorageErrorCode = Extract<ErrorCode, 'precondition_failed' | 'ambiguous_write'>;

/** A conditional PUT lost: the key exists (create-only) or its ETag moved on (compare-and-swap). Nothing was written. */
export class PreconditionFailedError extends StrataError {
  declare readonly code: 'precondition_failed';

  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', { code: 'precondition_failed', detail: message, cause: options?.cause });
    this.name = 'PreconditionFailedError';
  }
}

/** A write whose outcome is unknown: it may have landed. Re-read before deciding anything. */
export class AmbiguousWriteError extends StrataError {
  declare readonly code: 'ambiguous_write';

  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', { code: 'ambiguous_write', detail: message, cause: options?.cause });
    this.name = 'AmbiguousWriteError';
  }
}

export function isPreconditionFailed(e: unknown): e is PreconditionFailedError {
  return e instanceof PreconditionFailedError;
}

export function isAmbiguousWrite(e: unknown): e is AmbiguousWriteError {
  return e instanceof AmbiguousWriteError;
}

export function isConditional(options: PutOptions | undefined): boolean {
  return options !== undefined && (options.ifMatch !== undefined || options.ifNoneMatch !== undefined);
}

/** Rejects ranges the contract does not define (negative, empty, fractional). */
export function checkRange(key: string, range: ByteRange): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1) {
    throw new StrataError('invalid', `Invalid byte range offset=${offset} length=${length} for ${key}`);
  }
}

export function checkPutOptions(key: string, options: PutOptions | undefined): void {
  if (options?.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
    throw new StrataError('invalid', `put ${key}: ifMatch and ifNoneMatch are mutually exclusive`);
  }
  if (options?.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
    throw new StrataError('invalid', `put ${key}: only ifNoneMatch '*' is supported`);
  }
}
