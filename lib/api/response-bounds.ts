/**
 * What one read request may cost (DESIGN.md §4.7): a maximum for `limit + offset` per search and a maximum of response
 * bytes, both checked BEFORE any search or read starts (from the request alone: points × an estimate per point), and
 * the byte limit enforced again while the answer is serialised, which aborts as soon as the running size passes it.
 * Either way the answer is a 400 in Qdrant's envelope with a hint, never a 5xx and never a half-built giant string.
 *
 * Estimate per point (deliberately low, so the pre-check never refuses what would fit): ~48 bytes of id, version and
 * score, `dim × 12` bytes per vector (a float32 prints as up to ~11 characters plus a comma), and a nominal 64 bytes of
 * payload; real payload sizes are caught by the serialising check.
 *
 * Lambda's synchronous response payload is 6 MB for the whole event, in which the body travels as an escaped JSON
 * string: `escaped` makes the serialising check count the body as that string.
 */
import { badRequest, type HttpError } from './errors.js';

export interface ResponseBounds {
  /** largest `limit + offset` of one search or scroll, and of ids in one retrieve */
  readonly maxResultPoints: number;
  readonly maxResponseBytes: number;
  /** count the body as it travels inside a Lambda response (an escaped JSON string) */
  readonly escaped: boolean;
}

const POINT_BYTES = 48;
const PAYLOAD_BYTES = 64;
const FLOAT_BYTES = 12;

export interface ReadShape {
  /** points the read may return (limit + offset, or ids) */
  readonly points: number;
  readonly withVector: boolean | string[];
  readonly withPayload: boolean;
}

const HINT = 'page through the results with a smaller `limit` and `offset` (or scroll), or drop `with_vector`';

/** Refuses, before any work, reads whose answer would pass the bounds; `dim`: floats of one point's vectors. */
export function checkReadBounds(bounds: ResponseBounds, dim: number, reads: readonly ReadShape[]): void {
  let bytes = 0;
  for (const r of reads) {
    if (r.points > bounds.maxResultPoints) {
      throw badRequest(
        `limit + offset of ${r.points} exceeds the maximum of ${bounds.maxResultPoints} points per request; ${HINT}`,
      );
    }
    bytes +=
      r.points *
      (POINT_BYTES +
        (r.withVector !== false && !(Array.isArray(r.withVector) && r.withVector.length === 0)
          ? dim * FLOAT_BYTES
          : 0) +
        (r.withPayload ? PAYLOAD_BYTES : 0));
  }
  if (bytes > bounds.maxResponseBytes) throw tooLarge(`about ${bytes}`, bounds.maxResponseBytes);
}

const tooLarge = (size: string, max: number): HttpError =>
  badRequest(`the response would be ${size} bytes, more than the maximum of ${max} bytes; ${HINT}`);

/**
 * JSON.stringify(value) that gives up with the 400 above once the text passes the byte bound. Arrays and objects of
 * the first levels (envelope, result, points list, one point) are written part by part so a huge list stops early;
 * deeper values are stringified whole (one payload or one vector is bounded by what was written).
 */
export function boundedJson(value: unknown, bounds: ResponseBounds): string {
  const budget = { left: bounds.maxResponseBytes, max: bounds.maxResponseBytes };
  const text = write(value, budget, 0) ?? 'null';
  const size = bounds.escaped ? Buffer.byteLength(JSON.stringify(text)) : Buffer.byteLength(text);
  if (size > bounds.maxResponseBytes) throw tooLarge(String(size), bounds.maxResponseBytes);
  return text;
}

function write(v: unknown, budget: { left: number; max: number }, depth: number): string | undefined {
  if (depth < 4 && v !== null && typeof v === 'object' && !('toJSON' in v)) {
    const parts: string[] = [];
    if (Array.isArray(v)) {
      for (const item of v) parts.push(write(item, budget, depth + 1) ?? 'null');
      return `[${parts.join(',')}]`;
    }
    for (const [k, item] of Object.entries(v)) {
      const s = write(item, budget, depth + 1);
      if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
    }
    return `{${parts.join(',')}}`;
  }
  const s = JSON.stringify(v);
  if (s === undefined) return undefined;
  // characters are a lower bound of the UTF-8 (and escaped) bytes, so passing the budget here is already too large;
  // the exact size is measured once at the end
  budget.left -= s.length;
  if (budget.left < 0) throw tooLarge(`more than ${budget.max}`, budget.max);
  return s;
}
