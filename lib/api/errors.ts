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
 * | StrataError vector_dimension                  | 400    | `Wrong input: Vector dimension error: …`          |
 * | StrataError format / validation (with a path) | 400/422| as serde / validator errors above, in JSON body   |
 * | StrataError collection_not_found              | 404    | ``Not found: Collection `x` doesn't exist!``      |
 * | StrataError point_not_found                   | 404    | `Not found: No point with id x found`             |
 * | StrataError collection_exists                 | 409    | ``Wrong input: Collection `x` already exists!``   |
 * | StrataError invalid (any other)               | 400    | `Wrong input: …`                                  |
 * | StrataError not_found                         | 404    | `Not found: …`                                    |
 * | StrataError conflict (collection exists)      | 409    | `Wrong input: …` (Qdrant's AlreadyExists)         |
 * | StrataError unavailable                       | 503    | `Service unavailable: …`                          |
 * | StrataError internal / anything unexpected    | 500    | `Service internal error: …`                       |
 * | request limits (batch size)                   | 400    | `Bad request: …`                                  |
 *
 * Lower layers never spell these prefixes: they throw StrataError with a kind, a code and a structured path and
 * detail (lib/model/errors.ts); this module alone words them.
 */
import type { z } from 'zod';
import { type CollectionNameProblem, collectionNameProblem } from '../model/collection-name.js';
import { isStrataError, type StrataError } from '../model/errors.js';

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

/** The request body stopped arriving: the client closed the connection (or the stream broke) mid-body. */
export class ClientGone extends HttpError {
  constructor() {
    super(400, 'Bad request: the client closed the connection before the whole body arrived');
    this.name = 'ClientGone';
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
  if (isStrataError(e)) return fromStrataError(e);
  const { code, syscall } = e as NodeJS.ErrnoException;
  // a system error's message names its file: say what failed, not where
  if (typeof code === 'string' && typeof syscall === 'string')
    return new HttpError(500, `Service internal error: ${code} (${syscall})`);
  const message = e instanceof Error ? e.message : String(e);
  return new HttpError(500, `Service internal error: ${message}`);
}

/**
 * Qdrant's wording for the error catalogue of lib/model/errors.ts; errors without a code are worded by kind, with
 * their neutral message (`path: detail`) after Qdrant's prefix for that kind.
 */
function fromStrataError(e: StrataError): HttpError {
  const at = e.path !== undefined ? `${e.path}: ` : '';
  switch (e.code) {
    case 'format':
      return formatError('JSON body', `${at}${e.detail}`);
    case 'validation':
      return new HttpError(422, `Validation error in JSON body: [${e.path ?? 'body'}: ${e.detail}]`);
    case 'vector_dimension':
      return wrongInput(`Vector dimension error: ${e.detail}`);
    case 'collection_name': {
      // a name reaches the service only from a path parameter; re-derive which rule it broke for the wording
      const name = e.subject ?? '';
      const problem = collectionNameProblem(name) ?? { rule: 'forbidden', detail: e.detail };
      return collectionNameError(name, problem, 'path parameters');
    }
    case 'collection_not_found':
      return notFoundError(`Collection \`${e.subject}\` doesn't exist!`);
    case 'point_not_found':
      return notFoundError(`No point with id ${e.subject} found`);
    case 'collection_exists':
      return conflictError(`Collection \`${e.subject}\` already exists!`);
  }
  switch (e.kind) {
    case 'invalid':
      return wrongInput(e.message);
    case 'not_found':
      return notFoundError(e.message);
    case 'conflict':
      return conflictError(e.message);
    case 'unavailable':
      return new HttpError(503, `Service unavailable: ${e.message}`);
    case 'internal':
      return new HttpError(500, `Service internal error: ${e.message}`);
  }
}

/**
 * Qdrant's answers for a collection name breaking the rule of lib/model/collection-name.ts: a length outside
 * 1..255 is its validator's 422 on the path parameter, `/` or NUL its "invalid characters" 400; the characters the
 * store cannot hold besides those are refused with a 400 too.
 */
export function collectionNameError(name: string, problem: CollectionNameProblem, where: Where): HttpError {
  switch (problem.rule) {
    case 'length':
      return new HttpError(422, `Validation error in ${where}: [name: ${problem.detail}]`);
    case 'path_separator':
      return wrongInput(`Collection name \`${name}\` contains invalid characters like '/' or '\\0' !`);
    case 'forbidden':
      return wrongInput(`Collection name \`${name}\` ${problem.detail}`);
  }
}

/** Qdrant's error body. */
export function errorBody(message: string, startedAt: number): { status: { error: string }; time: number } {
  return { status: { error: message }, time: elapsedSeconds(startedAt) };
}

export function elapsedSeconds(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
