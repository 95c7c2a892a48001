/**
 * Writing one WAL object durably, once (§4.1). The caller acknowledges the write only when `putWal` returns.
 *
 * Ambiguity: when the store cannot tell whether the create-only PUT landed (AmbiguousWriteError), we read the key
 * back. Our bytes there = it landed; nothing there = it did not, so the PUT is repeated (still create-only). A
 * conflict on that repeat means a previous attempt landed after all, which the read-back confirms byte for byte.
 * Only this writer uses its writer id, so no one else can have written the key; different bytes there are a broken
 * invariant ('internal'), never silently accepted.
 */
import { internal, isStrataError, unavailable } from '../model/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { isAmbiguousWrite, isPreconditionFailed } from '../storage/object-store.js';

const MAX_ATTEMPTS = 4;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** Creates `key` with `body` exactly once, resolving ambiguous outcomes by reading back. */
export async function putWal(store: ObjectStore, key: string, body: Uint8Array): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      await store.put(key, body, { ifNoneMatch: '*', contentType: 'application/octet-stream' });
      return;
    } catch (e) {
      lastError = e;
      if (!isPreconditionFailed(e) && !isAmbiguousWrite(e) && !isStrataError(e, 'unavailable')) throw e;
    }
    // outcome unknown (or our own earlier attempt won): look before trying again
    let existing: Uint8Array | null;
    try {
      existing = (await store.get(key))?.body ?? null;
    } catch (e) {
      lastError = e;
      continue;
    }
    if (existing !== null) {
      if (sameBytes(existing, body)) return;
      throw internal(`WAL key ${key} holds another batch: writer ids must be unique`);
    }
    if (isPreconditionFailed(lastError)) throw internal(`WAL key ${key} reported existing but reads as missing`);
  }
  throw unavailable(
    `could not write ${key}: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    lastError,
  );
}
