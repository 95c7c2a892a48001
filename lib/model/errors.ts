/**
 * The one error family of the engine. Every layer below lib/api throws StrataError with a coarse kind, and for the
 * failures a caller can act on, a code from the catalogue below plus WHERE (`path`) and WHAT (`detail`) went wrong.
 * Only lib/api composes user-facing wording from these: HTTP status codes and Qdrant's messages ("Wrong input: …",
 * "Not found: Collection `x` doesn't exist!"). `message` is a neutral, log-friendly rendering (`path: detail`).
 *
 * kinds:
 * - invalid      the caller's input is wrong (400/422 at the API)
 * - not_found    a named collection/point/object does not exist (404)
 * - conflict     a precondition failed: collection exists, compare-and-swap lost (409; retried internally for CAS)
 * - unavailable  a dependency failed or timed out (S3, a worker); the caller may retry (503)
 * - internal     a broken invariant or corrupt data (500)
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

/**
 * The catalogue of failures the API words specially (each with the kind it always comes with):
 * - format              invalid: a value of the wrong type or shape (Qdrant's serde errors)
 * - validation          invalid: a value out of its allowed range (Qdrant's validator errors)
 * - vector_dimension    invalid: a vector's length differs from the collection's (`detail`: expected and got)
 * - collection_name     invalid: a collection name breaks the naming rule (lib/model/collection-name.ts)
 * - collection_not_found / point_not_found   not_found: `subject` names the collection / the point id
 * - collection_exists   conflict: `subject` names the collection
 * - precondition_failed conflict: a conditional write lost (lib/storage; retried or mapped before the API sees it)
 * - ambiguous_write     unavailable: a write's outcome is unknown (lib/storage; re-read before deciding)
 */
export type ErrorCode =
  | 'format'
  | 'validation'
  | 'vector_dimension'
  | 'collection_name'
  | 'collection_not_found'
  | 'point_not_found'
  | 'collection_exists'
  | 'precondition_failed'
  | 'ambiguous_write';

export interface ErrorInfo {
  code?: ErrorCode;
  /** where in the caller's input, e.g. `points[3].vector` */
  path?: string;
  /** the precise problem without any prefix, e.g. `expected dim: 4, got 3` */
  detail: string;
  /** the thing named by the error: a collection name, a point id */
  subject?: string;
  cause?: unknown;
}

export class StrataError extends Error {
  readonly kind: ErrorKind;
  readonly code?: ErrorCode;
  readonly path?: string;
  readonly detail: string;
  readonly subject?: string;

  constructor(kind: ErrorKind, info: string | ErrorInfo, options?: { cause?: unknown }) {
    const i: ErrorInfo = typeof info === 'string' ? { detail: info } : info;
    super(i.path !== undefined ? `${i.path}: ${i.detail}` : i.detail, { cause: i.cause ?? options?.cause });
    this.name = 'StrataError';
    this.kind = kind;
    this.detail = i.detail;
    if (i.code !== undefined) this.code = i.code;
    if (i.path !== undefined) this.path = i.path;
    if (i.subject !== undefined) this.subject = i.subject;
  }
}

export const invalid = (message: string | ErrorInfo, cause?: unknown): StrataError =>
  new StrataError('invalid', message, { cause });
export const notFound = (message: string | ErrorInfo, cause?: unknown): StrataError =>
  new StrataError('not_found', message, { cause });
export const conflict = (message: string | ErrorInfo, cause?: unknown): StrataError =>
  new StrataError('conflict', message, { cause });
export const unavailable = (message: string, cause?: unknown): StrataError =>
  new StrataError('unavailable', message, { cause });
export const internal = (message: string, cause?: unknown): StrataError =>
  new StrataError('internal', message, { cause });

/** A value of the wrong type or shape at `path` of the caller's input. */
export const malformed = (path: string | undefined, detail: string): StrataError =>
  invalid({ code: 'format', ...(path !== undefined ? { path } : {}), detail });

/** A value outside its allowed range at `path` of the caller's input. */
export const outOfRange = (path: string, detail: string): StrataError => invalid({ code: 'validation', path, detail });

/** A vector whose length is not the collection's dimension. */
export const dimensionMismatch = (expected: number, got: number, path?: string): StrataError =>
  invalid({
    code: 'vector_dimension',
    ...(path !== undefined ? { path } : {}),
    detail: `expected dim: ${expected}, got ${got}`,
  });

export const collectionNotFound = (name: string, cause?: unknown): StrataError =>
  notFound({ code: 'collection_not_found', subject: name, detail: `collection ${name} does not exist`, cause });

export const collectionExists = (name: string, cause?: unknown): StrataError =>
  conflict({ code: 'collection_exists', subject: name, detail: `collection ${name} already exists`, cause });

export const pointNotFound = (id: number | string): StrataError =>
  notFound({ code: 'point_not_found', subject: String(id), detail: `point ${id} does not exist` });

export function isStrataError(e: unknown, kind?: ErrorKind): e is StrataError {
  return e instanceof StrataError && (kind === undefined || e.kind === kind);
}
