/**
 * Generic compare-and-swap of one object (SlateDB's transactional object is the model): load → change → conditional
 * PUT → on a lost race re-read, re-apply the change to the fresh value, retry. It knows nothing of what the object
 * means; the manifest's rules live in lib/collection and come in as the `change` function.
 *
 * Invariants:
 * - Every write is conditional on the exact version the change was computed from (If-Match its ETag, or
 *   If-None-Match '*' when the object did not exist), so no concurrent writer's work is ever overwritten.
 * - `change` is called with the freshest value on every attempt and must be a pure function of it (it may run
 *   several times). Returning null means "nothing to do" and writes nothing. Throwing aborts the loop.
 * - Lost races are retried at most `maxAttempts` times with full-jitter exponential backoff (so N contenders spread
 *   out instead of colliding again); then StrataError 'conflict'.
 * - An AMBIGUOUS write (object-store.ts §5) is never retried blindly: the object is re-read. If it holds exactly
 *   the bytes we wrote, or `isApplied` says the stored value already contains our change, the update succeeded.
 *   Equal bytes prove only that the object is in the state we asked for, not that we put it there: another writer
 *   may have computed the same bytes from the same base. That is the same outcome when the encoding names the
 *   change (the manifest's segment ids and WAL names, a lease's holder) or the change is a plain set (a config, an
 *   alias); it is NOT for a change like "add one" to a bare number, whose two applications look like one. Such
 *   values must carry an id per change and an `isApplied` judge over it.
 *   Otherwise, with an `isApplied` judge the loop carries on from the fresh value; without one the helper cannot
 *   tell "our write was lost" from "our write landed and was then superseded", so it rethrows the
 *   AmbiguousWriteError for the caller to decide. (Re-applying a non-idempotent change after it landed would
 *   apply it twice.)
 */
import { conflict } from '../model/errors.js';
import type { IoScope } from './io-stats.js';
import { isAmbiguousWrite, isPreconditionFailed } from './object-store.js';
import type { ObjectStore } from './object-store.js';

export interface CasOptions<T> {
  decode(bytes: Uint8Array): T;
  /** equal bytes must mean an equal outcome (see the header: a bare counter needs ids per change) */
  encode(value: T): Uint8Array;
  /** the next value given the current one (null: the object does not exist); null to change nothing */
  change(current: T | null): T | null | Promise<T | null>;
  /** called once with what was committed (or found already committed after an ambiguous write) */
  onCommit?(value: T, etag: string): void;
  /** after an ambiguous write: does `stored` already contain the change that produced `attempted`? */
  isApplied?(stored: T, attempted: T): boolean;
  /** attempts in all, first included @default 16 */
  maxAttempts?: number;
  /** @default 5 */
  baseDelayMs?: number;
  /** @default 500 */
  maxDelayMs?: number;
  /** injectable for deterministic tests @default Math.random */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  io?: IoScope;
}

export interface CasResult<T> {
  /** the value now stored (null only when the object is missing and change returned null) */
  value: T | null;
  etag: string | null;
  /** false when change returned null */
  written: boolean;
  attempts: number;
}

interface Loaded<T> {
  value: T;
  etag: string;
  bytes: Uint8Array;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function casUpdate<T>(store: ObjectStore, key: string, options: CasOptions<T>): Promise<CasResult<T>> {
  const maxAttempts = options.maxAttempts ?? 16;
  const base = options.baseDelayMs ?? 5;
  const cap = options.maxDelayMs ?? 500;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;

  const load = async (): Promise<Loaded<T> | null> => {
    const got = await store.get(key, { io: options.io });
    return got === null ? null : { value: options.decode(got.body), etag: got.etag, bytes: got.body };
  };
  const backoff = (attempt: number) => sleep(random() * Math.min(cap, base * 2 ** attempt));

  let current = await load();
  for (let attempt = 1; ; attempt++) {
    const next = await options.change(current === null ? null : current.value);
    if (next === null) {
      return { value: current?.value ?? null, etag: current?.etag ?? null, written: false, attempts: attempt };
    }
    const bytes = options.encode(next);
    try {
      const { etag } = await store.put(
        key,
        bytes,
        current === null ? { ifNoneMatch: '*', io: options.io } : { ifMatch: current.etag, io: options.io },
      );
      options.onCommit?.(next, etag);
      return { value: next, etag, written: true, attempts: attempt };
    } catch (e) {
      if (isPreconditionFailed(e)) {
        if (attempt >= maxAttempts) {
          throw conflict(`Compare-and-swap of ${key} lost ${attempt} races in a row; giving up`, e);
        }
        await backoff(attempt);
        current = await load();
        continue;
      }
      if (!isAmbiguousWrite(e)) throw e;
      const stored = await load();
      if (stored !== null && (sameBytes(stored.bytes, bytes) || options.isApplied?.(stored.value, next) === true)) {
        options.onCommit?.(stored.value, stored.etag);
        return { value: stored.value, etag: stored.etag, written: true, attempts: attempt };
      }
      if (options.isApplied === undefined) throw e;
      if (attempt >= maxAttempts)
        throw conflict(`Compare-and-swap of ${key} did not land after ${attempt} attempts`, e);
      current = stored;
    }
  }
}
