/**
 * Point ids as they were WRITTEN in the request text. JSON.parse turns `3.0` into 3 and `18446744073709551615` into
 * 18446744073709552000, so the parsed body alone would accept an id Qdrant refuses (serde reads `3.0` as a float, not
 * a u64) and would print a big id rounded. This module re-reads the number tokens of the raw text with their paths and,
 * at the places that hold point ids, swaps a number whose literal is not an exact safe integer for an IdLiteral
 * carrying the text; lib/model/point-id.ts refuses an IdLiteral and words the error from that text.
 *
 * Id positions (every request grammar that carries ids): `points[i].id`, `batch.ids[i]`, `ids[i]`, `points[i]`
 * (selectors), `offset` (scroll), and `…has_id[i]` inside a filter. A path through a `payload`/`payloads` key is user
 * data and never an id position.
 *
 * Cost: a regex pre-check skips the scan for bodies without a candidate literal (an integral decimal, an exponent, 16+
 * digits); otherwise one pass over the text, reading a number only where an id may stand (mayBeId) and allocating only
 * for candidates there: an array of numbers where no id may stand (a vector) is skipped by one sticky regex match
 * (measured: this scan was the largest cost of a 1000 × 100-d upsert, ~40% of the server's CPU, when it tested every
 * float; stepping over the floats by character codes still cost ~12 ms per 2 MB body, the regex ~1 ms).
 */
import { IdLiteral } from '../model/point-id.js';

const MAYBE = /\d[eE]|\.0|\d{16}/;

type Frame = { array: boolean; key: string | number; expectKey: boolean };

/** Replaces, in `body` (JSON.parse of `text`), every point id written as a non-canonical integer literal. */
export function markIdLiterals(text: string, body: unknown): void {
  if (body === null || typeof body !== 'object' || !MAYBE.test(text)) return;
  for (const { path, raw } of suspectNumbers(text)) {
    if (isIdPosition(path)) replaceAt(body, path, new IdLiteral(raw));
  }
}

/** A literal JSON.parse would read as an integer it does not spell exactly: `3.0`, `3e0`, `18446744073709551615`. */
function isSuspect(raw: string): boolean {
  const n = Number(raw);
  if (/^-?\d+$/.test(raw)) return !Number.isSafeInteger(n);
  return Number.isInteger(n);
}

function suspectNumbers(text: string): { path: (string | number)[]; raw: string }[] {
  const out: { path: (string | number)[]; raw: string }[] = [];
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5b /* [ */ && !holdsIds(stack)) {
      // an array of numbers where no id may stand (a vector): stepped over whole by the regex engine, which is an
      // order of magnitude faster than this loop's per-character steps (the body parsed, so it is valid JSON)
      NUMBER_ARRAY.lastIndex = i + 1;
      if (NUMBER_ARRAY.test(text)) {
        i = NUMBER_ARRAY.lastIndex;
        continue;
      }
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      stack.push({ array: ch === 0x5b, key: ch === 0x5b ? 0 : '', expectKey: ch === 0x7b });
      i++;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      i++;
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.array) top.key = (top.key as number) + 1;
      else if (top) top.expectKey = true;
      i++;
    } else if (ch === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const top = stack[stack.length - 1];
      if (top !== undefined && !top.array && top.expectKey) {
        const literal = text.slice(i, j + 1);
        top.key = escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        top.expectKey = false;
      }
      i = j + 1;
    } else if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      // only a number where an id may stand is read (a vector's thousands of floats are skipped unread)
      if (mayBeId(stack)) {
        const raw = text.slice(i, j);
        if (isSuspect(raw)) out.push({ path: stack.map((f) => f.key), raw });
      }
      i = j;
    } else i++;
  }
  return out;
}

/** The rest of an array holding only numbers, its `]` included (sticky: matches at lastIndex or not at all). */
const NUMBER_ARRAY = /[-+.,\deE\s]*\]/y;

/** Whether the elements of an array opened now may be ids: it is the value of `ids`, `points` or `has_id`. */
function holdsIds(stack: readonly Frame[]): boolean {
  const key = stack[stack.length - 1]?.key;
  return key === 'ids' || key === 'points' || key === 'has_id';
}

/** [0-9eE.+-]: the characters of a JSON number token */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/**
 * A necessary condition of isIdPosition read from the innermost two frames only (every id position ends in a key `id`
 * or `offset`, or is an element of an array under `ids`, `points` or `has_id`), so numbers elsewhere cost no path.
 */
function mayBeId(stack: readonly Frame[]): boolean {
  const top = stack[stack.length - 1];
  if (top === undefined) return false;
  if (!top.array) return top.key === 'id' || top.key === 'offset';
  const under = stack[stack.length - 2]?.key;
  return under === 'ids' || under === 'points' || under === 'has_id';
}

function isIdPosition(path: readonly (string | number)[]): boolean {
  if (path.includes('payload') || path.includes('payloads')) return false;
  const [a, b, c] = path;
  if (path.length === 3 && a === 'points' && typeof b === 'number' && c === 'id') return true;
  if (path.length === 3 && a === 'batch' && b === 'ids' && typeof c === 'number') return true;
  if (path.length === 2 && (a === 'ids' || a === 'points') && typeof b === 'number') return true;
  if (path.length === 1 && a === 'offset') return true;
  return path.length >= 3 && path[path.length - 2] === 'has_id' && typeof path[path.length - 1] === 'number';
}

function replaceAt(root: object, path: readonly (string | number)[], value: unknown): void {
  let node: unknown = root;
  for (let k = 0; k < path.length - 1; k++) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[path[k]];
  }
  if (node !== null && typeof node === 'object')
    (node as Record<string | number, unknown>)[path[path.length - 1]] = value;
}
