/**
 * One optimizer at a time per collection: a lease object (`optimizer.lease`, keys.ts) taken and renewed by
 * compare-and-swap (lib/storage/cas.ts), with an expiry so a crashed holder blocks nobody for longer than its term.
 *
 * Why: scheduled sweeps, per-write triggers and Lambda's retries start runs that overlap. The manifest CAS already
 * keeps them correct (a losing swap re-plans), so the lease is about waste, not safety: without it two runs build
 * the same index twice and the loser's swap looks like an error. A run that finds the lease held exits at once,
 * cleanly ("skipped: leased"), and is never counted as a failure.
 *
 * Invariants:
 * - Taking or renewing is one conditional PUT computed from the lease read: of two runs started together at most
 *   one holds it. A lease past `expiresAt` (holder's clock) is free to take.
 * - Correctness never depends on the lease: a holder whose term ran out while it worked (clock skew, a stalled pass)
 *   may overlap the next holder, and the manifest CAS still orders their commits.
 * - Release writes an expired lease only if we still hold it, so it never frees someone else's.
 */
import type { ObjectStore } from '../storage/object-store.js';
import { casUpdate } from '../storage/cas.js';
import { internal, isStrataError } from '../model/errors.js';

export interface Lease {
  holder: string;
  /** ms, the holder's clock */
  expiresAt: number;
}

const encode = (l: Lease) => Buffer.from(JSON.stringify(l), 'utf8');

function decode(bytes: Uint8Array): Lease {
  try {
    const v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Lease;
    if (typeof v?.holder === 'string' && typeof v.expiresAt === 'number') return v;
  } catch {
    // fall through
  }
  throw internal('optimizer lease is not a lease object');
}

const sameLease = (stored: Lease, attempted: Lease) =>
  stored.holder === attempted.holder && stored.expiresAt === attempted.expiresAt;

/**
 * Takes the lease at `key` for `holder` until now + ttlMs, or renews it if `holder` already holds it. False when
 * another holder's unexpired lease stands (or won the race to take it).
 */
export async function takeLease(
  store: ObjectStore,
  key: string,
  holder: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  try {
    const r = await casUpdate<Lease>(store, key, {
      decode,
      encode,
      change: (current) =>
        current !== null && current.holder !== holder && current.expiresAt > now
          ? null
          : { holder, expiresAt: now + ttlMs },
      isApplied: sameLease,
      maxAttempts: 4,
    });
    return r.written && r.value?.holder === holder;
  } catch (e) {
    // lost every race in a row: others are taking it, so this run is not the one
    if (isStrataError(e, 'conflict')) return false;
    throw e;
  }
}

/** Gives the lease up (an expired lease in its place) if `holder` still holds it. */
export async function releaseLease(store: ObjectStore, key: string, holder: string): Promise<void> {
  await casUpdate<Lease>(store, key, {
    decode,
    encode,
    change: (current) => (current !== null && current.holder === holder ? { holder, expiresAt: 0 } : null),
    isApplied: sameLease,
    maxAttempts: 4,
  }).catch((e: unknown) => {
    // a lost release only means the lease runs to its expiry
    if (!isStrataError(e, 'conflict')) throw e;
  });
}
