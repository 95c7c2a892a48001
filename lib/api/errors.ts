/**
 * The one place that turns failures into Qdrant's error envelope `{"status":{"error":"..."},"time":<seconds>}` and
 * an HTTP status. Status codes and message prefixes follow Qdrant (src/actix/helpers.rs, src/actix/mod.rs
 * validation_error_handler, lib/storage/src/content_manager/errors.rs):
 *
 * | cause                                         | status | message                                           |
 * |-----------------------------------------------|--------|---------------------------------------------------|
 * | malformed JSON, wrong type/shape (serde)      | 400    | `Format error in JSON body: …`                    |
 * | bad query/path parameter                      | 400    | `Format error in query parameters: …` / path      |
 * | out-of-range value (validator crate)          | 422    | `Validation error in JSON body: [field: …; …]`    |
 * | StrataError invalid (e.g. vector dimension)   | 400    | `Wrong input: …`                                  |
 * | StrataError not_found                         | 404    | `Not found: …`                                    |
 * | StrataError conflict (collection exists)      | 409    | `Wrong input: …` (Qdrant's AlreadyExists)         |
 * | StrataError unavailable                       | 503    | `Service unavailable: …`                          |
 * | StrataError internal / anything unexpected    | 500    | `Service internal error: …`                       |
 * | request limits (batch size)                   | 400    | `Bad request: …`                                  |
 */
import type { z } from 'zod';
import { isStrataError } from '../errors.js';

export type Where = 'JSON body' | 'query parameters' | 'path parameters';

/** An error that already knows its HTTP status and Qdrant message. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

export const formatError = (where: Where, detail: string): HttpError =>
  new HttpError(400, `Format error in ${where}: ${detail}`);
export const badRequest = (detail: string): HttpError => new HttpError(400, `Bad request: ${detail}`);
export const wrongInput = (detail: string): HttpError => new HttpError(400, `Wrong input: ${detail}`);
export const notFoundError = (detail: string): HttpError => new HttpError(404, `Not found: ${detail}`);
/** Qdrant's AlreadyExists: 409 with the "Wrong input" prefix. */
export const conflictError = (detail: string): HttpError => new HttpError(409, `Wrong input: ${detail}`);

/** Zod issue codes that correspond to Qdrant's `validator` checks (422); every other issue is a shape error (400). */
const VALIDATION_CODES = new Set(['too_small', 'too_big', 'not_multiple_of']);

/** Converts a ZodError raised while parsing `input` (taken from `where`) into Qdrant's 400 or 422. */
export function fromZodError(err: z.ZodError, where: Where, input: unknown): HttpError {
  const issues = err.issues;
  const shape = issues.find((i) => !isValidationIssue(i));
  if (shape) return formatError(where, `${pathOf(shape.path)}${shape.message}`);
  const parts = issues.map((i) => `${pathName(i.path)}: ${describeRange(i, input)}`);
  return new HttpError(422, `Validation error in ${where}: [${parts.join('; ')}]`);
}

function isValidationIssue(i: z.core.$ZodIssue): boolean {
  if (VALIDATION_CODES.has(i.code)) return true;
  return i.code === 'custom' && (i.params as { validation?: boolean } | undefined)?.validation === true;
}

function describeRange(i: z.core.$ZodIssue, input: unknown): string {
  const value = valueAt(input, i.path);
  const shown = value === undefined || typeof value === 'object' ? '' : `value ${JSON.stringify(value)} invalid, `;
  if (i.code === 'too_small' && (i.origin === 'number' || i.origin === 'int')) {
    return `${shown}must be ${String(i.minimum)} or larger`;
  }
  if (i.code === 'too_big' && (i.origin === 'number' || i.origin === 'int')) {
    return `${shown}must be ${String(i.maximum)} or smaller`;
  }
  if (i.code === 'too_small' && (i.origin === 'array' || i.origin === 'string')) {
    return `must have at least ${String(i.minimum)} ${i.origin === 'array' ? 'elements' : 'characters'}`;
  }
  if (i.code === 'too_big' && (i.origin === 'array' || i.origin === 'string')) {
    return `must have at most ${String(i.maximum)} ${i.origin === 'array' ? 'elements' : 'characters'}`;
  }
  return i.message;
}

function pathName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? 'body' : out;
}

const pathOf = (path: readonly PropertyKey[]): string => (path.length === 0 ? '' : `${pathName(path)}: `);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Any thrown value → status + message. Unknown errors become 500 without leaking internals beyond the message. */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (isStrataError(e)) {
    switch (e.kind) {
      case 'invalid':
        return new HttpError(400, `Wrong input: ${e.message}`);
      case 'not_found':
        return new HttpError(404, `Not found: ${e.message}`);
      case 'conflict':
        return new HttpError(409, `Wrong input: ${e.message}`);
      case 'unavailable':
        return new HttpError(503, `Service unavailable: ${e.message}`);
      case 'internal':
        return new HttpError(500, `Service internal error: ${e.message}`);
    }
  }
  const message = e instanceof Error ? e.message : String(e);
  return new HttpError(500, `Service internal error: ${message}`);
}

/** Qdrant's error body. */
export function errorBody(message: string, startedAt: number): { status: { error: string }; time: number } {
  return { status: { error: message }, time: elapsedSeconds(startedAt) };
}

export function elapsedSeconds(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
