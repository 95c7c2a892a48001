/**
 * The segment's only doorway to bytes: whole and ranged GETs of its objects and create-only PUTs, over
 * lib/storage's ObjectStore, charged to the query's IoScope. Missing objects become precise errors here, so every
 * caller reports which object of which segment is gone.
 *
 * A missing object that meta.json (or the manifest) names is a broken invariant — a segment is immutable and
 * complete once its meta exists — so it is 'internal', not 'not_found' (which the API would turn into a 404 of the
 * collection or point).
 */
import { internal } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';

export async function getWhole(
  store: ObjectStore,
  key: string,
  io: IoScope | undefined,
  what: string,
): Promise<Uint8Array> {
  const r = await store.get(key, { io });
  if (r === null) throw internal(`segment object missing: ${what} (${key})`);
  return r.body;
}

/** Bytes [start, end) of an object; the object must be long enough. */
export async function getRange(
  store: ObjectStore,
  key: string,
  start: number,
  end: number,
  io: IoScope | undefined,
  what: string,
): Promise<Uint8Array> {
  if (end <= start) return new Uint8Array(0);
  const r = await store.get(key, { io, range: { offset: start, length: end - start } });
  if (r === null) throw internal(`segment object missing: ${what} (${key})`);
  if (r.body.byteLength !== end - start) {
    throw internal(`${what} (${key}): range [${start}, ${end}) returned ${r.body.byteLength} bytes; object truncated`);
  }
  return r.body;
}

/** The first `bytes` bytes of an object, or all of it when it is shorter (a speculative read of a header region). */
export async function getHead(
  store: ObjectStore,
  key: string,
  bytes: number,
  io: IoScope | undefined,
  what: string,
): Promise<Uint8Array> {
  const r = await store.get(key, { io, range: { offset: 0, length: bytes } });
  if (r === null) throw internal(`segment object missing: ${what} (${key})`);
  return r.body;
}

/** Create-only put: segment objects are immutable, so an existing key is a conflict, never overwritten. */
export async function putCreateOnly(
  store: ObjectStore,
  key: string,
  body: Uint8Array,
  contentType?: string,
): Promise<void> {
  await store.put(key, body, { ifNoneMatch: '*', contentType: contentType ?? 'application/octet-stream' });
}
