/**
 * Every object key Strata writes is built here, and only here (DESIGN.md §3). The layout of one collection:
 *
 * | key (under `{prefix}/collections/{name}/`) | what                                   | written                       |
 * |--------------------------------------------|----------------------------------------|-------------------------------|
 * | `manifest.json`                            | current manifest (manifest.ts)         | create-only, then If-Match    |
 * | `wal/{seq:16}.{writer}`                    | one acknowledged write batch (wal.ts)  | create-only, never rewritten  |
 * | `segments/{segmentId}/{file}`              | one immutable segment (lib/segment)    | before the manifest names it  |
 * | `segments/{segmentId}/deleted.{v:20}`      | tombstone bitmap version v (tombstoneName) | before the manifest names it |
 *
 * The immutable data files inside one segment folder (`meta.json`, `quantized`, `graph`, `vectors`, `ids`,
 * `payload`) are named by lib/segment/keys.ts, because the segment format owns them; this module builds everything
 * up to and including the segment folder, and the tombstone names (their version numbering is the manifest's).
 *
 * Invariants:
 * - Numbers in keys are zero-padded decimals, so a lexicographic listing is numeric order (`wal/` lists oldest
 *   first; a segment's tombstone versions list in order).
 * - A segment id starts with the zero-padded creation time (ms) of the optimizer run that wrote it, so garbage
 *   collection can age an orphan segment (written, never named by a manifest) from its key alone.
 * - A collection name never contains `/`, so one collection's prefix is never a prefix of another's objects.
 */
import { invalid } from '../errors.js';

const SEQ_WIDTH = 16;
const MAX_NAME_LENGTH = 255;
/** characters Qdrant rejects in collection names (they also break file-system paths and S3 console URLs) */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
const FORBIDDEN_NAME_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/;
const WRITER_RE = /^[0-9a-z]{1,32}$/;
/** ids this module mints (newSegmentId): creation time + random suffix */
const SEGMENT_ID_RE = /^[0-9]{16}-[0-9a-z]{1,32}$/;
/** what any segment folder name may be (tests name segments freely) */
const SEGMENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TOMBSTONE_WIDTH = 20;

/** Zero-pads a non-negative safe integer to `width` digits. */
export function pad(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`cannot encode ${n} in an object key`);
  const s = String(n);
  if (s.length > width) throw invalid(`${n} does not fit ${width} digits in an object key`);
  return s.padStart(width, '0');
}

/** Throws 'invalid' unless `name` is a usable collection name (Qdrant's rules: 1–255 chars, no path characters). */
export function validateCollectionName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalid('Collection name must not be empty');
  if (name.length > MAX_NAME_LENGTH) throw invalid(`Collection name must be at most ${MAX_NAME_LENGTH} characters`);
  if (name === '.' || name === '..') throw invalid(`Collection name "${name}" is reserved`);
  if (FORBIDDEN_NAME_CHARS.test(name)) {
    throw invalid(
      `Collection name "${name}" contains a forbidden character (one of <>:"/\\|?* or a control character)`,
    );
  }
  if (name.trim() !== name) throw invalid('Collection name must not start or end with whitespace');
}

function join(prefix: string, rest: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p === '' ? rest : `${p}/${rest}`;
}

/** `{prefix}/collections/` : list it with delimiter-free prefix listing and take the next path component. */
export function collectionsRoot(prefix: string): string {
  return join(prefix, 'collections/');
}

/** `{prefix}/collections/{name}` (no trailing slash); the `collectionPrefix` of a SegmentSearchTask. */
export function collectionPrefix(prefix: string, name: string): string {
  validateCollectionName(name);
  return join(prefix, `collections/${name}`);
}

/** The collection name of a key under `collectionsRoot(prefix)`, or null when the key is not under it. */
export function collectionNameOfKey(prefix: string, key: string): string | null {
  const root = collectionsRoot(prefix);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length);
  const slash = rest.indexOf('/');
  return slash <= 0 ? null : rest.slice(0, slash);
}

export function manifestKey(collection: string): string {
  return `${collection}/manifest.json`;
}

export function walPrefix(collection: string): string {
  return `${collection}/wal/`;
}

/** The name of a WAL object relative to `walPrefix` (what the manifest records as sealed). */
export function walName(seq: number, writer: string): string {
  if (!WRITER_RE.test(writer)) throw invalid(`bad writer id "${writer}"`);
  return `${pad(seq, SEQ_WIDTH)}.${writer}`;
}

export function walKey(collection: string, seq: number, writer: string): string {
  return walPrefix(collection) + walName(seq, writer);
}

/** Parses a WAL key or name; null for anything else found under wal/ (e.g. a stray temp file). */
export function parseWalName(keyOrName: string): { name: string; seq: number; writer: string } | null {
  const name = keyOrName.slice(keyOrName.lastIndexOf('/') + 1);
  const m = /^([0-9]{16})\.([0-9a-z]{1,32})$/.exec(name);
  if (!m) return null;
  return { name, seq: Number(m[1]), writer: m[2] };
}

export function segmentsRoot(collection: string): string {
  return `${collection}/segments/`;
}

/** `…/segments/{segmentId}` (no trailing slash): the `segmentPrefix` handed to lib/segment's writer and reader. */
export function segmentPrefix(collection: string, segmentId: string): string {
  if (!SEGMENT_NAME_RE.test(segmentId)) throw invalid(`bad segment id "${segmentId}"`);
  return `${collection}/segments/${segmentId}`;
}

/** A new segment id: creation time (ms, 16 digits) + a random suffix unique among concurrent optimizers. */
export function newSegmentId(nowMs: number, random: string): string {
  const id = `${pad(Math.floor(nowMs), SEQ_WIDTH)}-${random}`;
  if (!SEGMENT_ID_RE.test(id)) throw invalid(`bad segment id suffix "${random}"`);
  return id;
}

/** Creation time (ms) encoded in a segment id, or null when the string is not a segment id. */
export function segmentIdTime(segmentId: string): number | null {
  return SEGMENT_ID_RE.test(segmentId) ? Number(segmentId.slice(0, SEQ_WIDTH)) : null;
}

/** The segment id of a key under `segmentsRoot(collection)`, or null. */
export function segmentIdOfKey(collection: string, key: string): string | null {
  const root = segmentsRoot(collection);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length);
  const slash = rest.indexOf('/');
  const id = slash < 0 ? rest : rest.slice(0, slash);
  return SEGMENT_NAME_RE.test(id) ? id : null;
}

/** File name, inside a segment folder, of tombstone version `v` (v ≥ 1; version 0 means "none" and has no object). */
export function tombstoneName(v: number): string {
  if (v < 1) throw invalid(`tombstone version ${v} has no object`);
  return `deleted.${pad(v, TOMBSTONE_WIDTH)}`;
}
