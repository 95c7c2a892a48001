/**
 * Qdrant's point ids, with ONE grammar for every layer: API bodies and paths, filters (`has_id`), the WAL, the
 * segment `ids` table, the worker wire.
 *
 * Grammar (what Qdrant accepts: an unsigned integer, or whatever Rust's `Uuid::parse_str` accepts):
 * - an integer 0 ≤ n ≤ 2^53−1 (JSON numbers are doubles here, so larger ones would not round-trip);
 * - a UUID string: 32 hex digits, plain or hyphenated 8-4-4-4-12, optionally braced `{…}` or prefixed `urn:uuid:`,
 *   in any case.
 *
 * Invariant: past validation every id is canonical (the number, or the UUID lower-cased and hyphenated), so two
 * ids are the same point exactly when they are equal values.
 */
import { malformed } from './errors.js';

/** Qdrant point id: an unsigned integer (up to Number.MAX_SAFE_INTEGER here: JSON numbers are doubles) or a UUID. */
export type PointId = number | string;

/** Total order on canonical point ids as Qdrant sorts them: numbers ascending, then UUIDs by string. */
export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/** The 32 lower-case hex digits of a UUID string in the grammar, or null. */
function uuidHex(v: string): string | null {
  let s = v.toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice(9);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const hex =
    s.length === 36 && s[8] === '-' && s[13] === '-' && s[18] === '-' && s[23] === '-' ? s.replace(/-/g, '') : s;
  return UUID_HEX.test(hex) ? hex : null;
}

const hyphenated = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/**
 * A number token whose text is not an exact safe integer (`3.0`, `18446744073709551615`), kept as written by the API
 * layer so an id position can refuse it and print it exactly: JSON.parse would have made it 3 or a rounded double.
 */
export class IdLiteral {
  constructor(readonly raw: string) {}
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether v is a point id in its canonical form (v !== null && canonicalPointId(v) === v), without building that form. */
export function isCanonicalPointId(v: unknown): v is PointId {
  return typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'string' && CANONICAL_UUID.test(v);
}

/** Canonical form of a point id, or null when the value is not a valid Qdrant point id. */
export function canonicalPointId(v: unknown): PointId | null {
  // a number id has one form: valid is canonical
  if (typeof v === 'number') return isCanonicalPointId(v) ? v : null;
  if (typeof v !== 'string') return null;
  const hex = uuidHex(v);
  return hex === null ? null : hyphenated(hex);
}

/** Why `v` is not a point id (Qdrant's serde wording, without the path). */
export function pointIdError(v: unknown): string {
  if (v instanceof IdLiteral) {
    return /^\d+$/.test(v.raw)
      ? `value ${v.raw} is not a valid point ID here: integer ids above 2^53-1 (${Number.MAX_SAFE_INTEGER}) are not supported`
      : `value ${v.raw} is not a valid point ID, valid values are either an unsigned integer or a UUID`;
  }
  return `value ${JSON.stringify(v)} is not a valid point ID, valid values are either an unsigned integer or a UUID`;
}

/** Canonical form of a point id; throws a `format` StrataError naming `path` for anything else. */
export function requirePointId(v: unknown, path?: string): PointId {
  const id = canonicalPointId(v);
  if (id === null) throw malformed(path, pointIdError(v));
  return id;
}

/** The 16 bytes of a UUID string in the grammar, or null when it is not one. */
export function parseUuid(s: string): Uint8Array | null {
  const hex = uuidHex(s);
  if (hex === null) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The canonical string of the 16 UUID bytes at `b[at..at+16)`. */
export function formatUuid(b: Uint8Array, at = 0): string {
  let h = '';
  for (let i = 0; i < 16; i++) h += b[at + i].toString(16).padStart(2, '0');
  return hyphenated(h);
}
