/**
 * The collection-name rule, one function for the API (which words the refusal as Qdrant does) and the key builder
 * (which must never build a key from a bad name).
 *
 * Rule: 1 to 255 characters AND at most 255 UTF-8 bytes (Qdrant keeps a collection as a directory, and file systems
 * limit a name to 255 bytes, so 64 four-byte emoji must be refused before anything touches the store); not `.` or
 * `..`; none of `<>:"/\|?*` or a control character (they break file-system paths and S3 console URLs; Qdrant
 * itself refuses `/` and NUL); no leading or trailing whitespace.
 *
 * Invariant: a name that passes never contains `/`, so one collection's key prefix is never a prefix of another's.
 */
import { invalid, type StrataError } from './errors.js';

export const MAX_COLLECTION_NAME_BYTES = 255;

/**
 * What is wrong with a name:
 * - length           empty, more than 255 characters, or more than 255 UTF-8 bytes
 * - path_separator   contains `/` or NUL (Qdrant's own check, with its own wording at the API)
 * - forbidden        any other character or form the store cannot hold
 */
export interface CollectionNameProblem {
  rule: 'length' | 'path_separator' | 'forbidden';
  detail: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
const FORBIDDEN_CHARS = /[<>:"\\|?*\u0000-\u001f\u007f]/;
const encoder = new TextEncoder();

/** null when `name` is a usable collection name, else the first rule it breaks. */
export function collectionNameProblem(name: string): CollectionNameProblem | null {
  if (typeof name !== 'string' || name.length === 0 || [...name].length > MAX_COLLECTION_NAME_BYTES) {
    return { rule: 'length', detail: `must be from 1 to ${MAX_COLLECTION_NAME_BYTES} characters` };
  }
  const bytes = encoder.encode(name).length;
  if (bytes > MAX_COLLECTION_NAME_BYTES) {
    return { rule: 'length', detail: `must be at most ${MAX_COLLECTION_NAME_BYTES} bytes in UTF-8, got ${bytes}` };
  }
  if (name.includes('/') || name.includes('\0')) {
    return { rule: 'path_separator', detail: `contains invalid characters like '/' or '\\0'` };
  }
  if (name === '.' || name === '..') return { rule: 'forbidden', detail: `"${name}" is reserved` };
  if (FORBIDDEN_CHARS.test(name)) {
    return {
      rule: 'forbidden',
      detail: 'contains a forbidden character (one of <>:"/\\|?* or a control character)',
    };
  }
  if (name.trim() !== name) return { rule: 'forbidden', detail: 'must not start or end with whitespace' };
  return null;
}

/** The error for a name breaking the rule, or null for a good name. */
export function collectionNameError(name: string): StrataError | null {
  const p = collectionNameProblem(name);
  return p === null
    ? null
    : invalid({ code: 'collection_name', path: 'name', subject: String(name), detail: p.detail });
}

/** Throws 'invalid' (code `collection_name`) unless `name` is a usable collection name. */
export function validateCollectionName(name: string): void {
  const e = collectionNameError(name);
  if (e !== null) throw e;
}
