/**
 * Object keys of segments (DESIGN.md §3): where a collection keeps its segments, the folder of one segment, and the
 * objects inside it. lib/collection/keys.ts builds the collection-level keys (manifest, WAL, collection prefix) on
 * top of these; together they are the only places that spell object keys.
 *
 * | key (under the collection prefix)        | what                                                  |
 * |------------------------------------------|-------------------------------------------------------|
 * | `segments/{segmentId}/{file}`            | one immutable segment object (META, QUANTIZED, …)     |
 * | `segments/{segmentId}/deleted.{v:20}`    | tombstone bitmap version v (tombstoneName)            |
 * | `segments/{segmentId}/index/{field}`     | payload field index (fieldIndexName: key URI-encoded) |
 * | `segments/{segmentId}/vectors/{n}/{file}`| a named vector's QUANTIZED / GRAPH / VECTORS / OFFSETS|
 * | `…/{file}` = MULTI                       | a multivector space's row -> inner rows (multi-rows.ts)|
 * | `segments/{segmentId}/sparse/{n}`        | a sparse vector name's index and rows                 |
 *
 * The unnamed vector ('') keeps its objects at the segment's top level (the keys segments had before named
 * vectors), except in a segment that also holds named dense vectors (a config with '' beside other names: its
 * meta's space says `nested`): a top-level `vectors` object and a `vectors/` folder cannot share a name on a
 * filesystem, so its objects go under `vectors/%unnamed/`, a key segment no name encodes to (the encoding writes
 * `%` only before two hex digits). `{n}` is the name percent-encoded (encodeURIComponent, plus `.` and `*`), so any
 * name is one safe key segment: never empty, never `.` or `..`, never containing `/`.
 *
 * Invariants:
 * - Numbers in keys are zero-padded decimals, so a lexicographic listing is numeric order (a segment's tombstone
 *   versions list in order).
 * - A segment id never contains `/`, so a segment folder is never a prefix of another segment's objects.
 */
import { invalid } from '../model/errors.js';

export const META = 'meta.json';
export const QUANTIZED = 'quantized';
export const GRAPH = 'graph';
export const VECTORS = 'vectors';
export const IDS = 'ids';
export const PAYLOAD = 'payload';
/** a named vector's row -> point offset map, when some points lack that vector */
export const OFFSETS = 'offsets';
/**
 * A sparse vector name's inverted index and rows (sparse-format.ts): `sparse/{n}`, apart from `vectors/` because an
 * unnamed dense vector's `vectors` object sits at the same level (a file and a folder cannot share a name on disk).
 */
export function sparseObjectName(name: string): string {
  return `sparse/${vectorNameSegment(name)}`;
}
/** a multivector space's row -> range of inner rows (its vectors) */
export const MULTI = 'multi';

/** One key segment for a vector name (see header). */
export function vectorNameSegment(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

/** The key segment of the unnamed vector's folder in a segment that also holds named dense vectors (see header). */
export const UNNAMED_FOLDER = '%unnamed';

/**
 * The key of one object of the vector space `name` of a segment ('' = the unnamed vector: top-level objects, or
 * under `vectors/%unnamed/` when its space meta says `nested`).
 */
export function spaceObjectKey(prefix: string, name: string, object: string, nested = false): string {
  if (name === '') return nested ? `${prefix}/vectors/${UNNAMED_FOLDER}/${object}` : `${prefix}/${object}`;
  return `${prefix}/vectors/${vectorNameSegment(name)}/${object}`;
}

/** what any segment folder name may be (the optimizer mints `{time}-{random}`; tests name segments freely) */
const SEGMENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TOMBSTONE_WIDTH = 20;

/** Zero-pads a non-negative safe integer to `width` digits. */
export function pad(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`cannot encode ${n} in an object key`);
  const s = String(n);
  if (s.length > width) throw invalid(`${n} does not fit ${width} digits in an object key`);
  return s.padStart(width, '0');
}

/** `{collectionPrefix}/segments/`: every segment folder of a collection is under it. */
export function segmentsRoot(collection: string): string {
  return `${collection}/segments/`;
}

/** `…/segments/{segmentId}` (no trailing slash): the prefix the segment writer and reader work under. */
export function segmentPrefix(collection: string, segmentId: string): string {
  if (!SEGMENT_NAME_RE.test(segmentId)) throw invalid(`bad segment id "${segmentId}"`);
  return `${collection}/segments/${segmentId}`;
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

/** `index/{field}`: a payload key may hold `/`, `[`, quotes, so it is URI-encoded into one path segment. */
export function fieldIndexName(field: string): string {
  return `index/${encodeURIComponent(field)}`;
}

export const segmentObjectKey = (prefix: string, object: string): string => `${prefix}/${object}`;

/** File name, inside a segment folder, of tombstone version `v` (v ≥ 1; version 0 means "none" and has no object). */
export function tombstoneName(v: number): string {
  if (v < 1) throw invalid(`tombstone version ${v} has no object`);
  return `deleted.${pad(v, TOMBSTONE_WIDTH)}`;
}

/** `{segmentPrefix}/deleted.{v}` */
export const tombstoneKeyOf = (prefix: string, version: number): string => `${prefix}/${tombstoneName(version)}`;
