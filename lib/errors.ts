/**
 * The one error family of the engine. Every layer below lib/api throws StrataError with a coarse kind and a
 * precise message; only lib/api maps kinds to HTTP status codes and Qdrant's error envelope.
 *
 * kinds:
 * - invalid      the caller's input is wrong (400/422 at the API)
 * - not_found    a named collection/point/object does not exist (404)
 * - conflict     a precondition failed: collection exists, compare-and-swap lost (409; retried internally for CAS)
 * - unavailable  a dependency failed or timed out (S3, a worker); the caller may retry (503)
 * - internal     a broken invariant or corrupt data (500)
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

export class StrataError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StrataError';
    this.kind = kind;
  }
}

export const invalid = (message: string, cause?: unknown): StrataError =>
  new StrataError('invalid', message, { cause });
export const notFound = (message: string, cause?: unknown): StrataError =>
  new StrataError('not_found', message, { cause });
export const conflict = (message: string, cause?: unknown): StrataError =>
  new StrataError('conflict', message, { cause });
export const unavailable = (message: string, cause?: unknown): StrataError =>
  new StrataError('unavailable', message, { cause });
export const internal = (message: string, cause?: unknown): StrataError =>
  new StrataError('internal', message, { cause });

export function isStrataError(e: unknown, kind?: ErrorKind): e is StrataError {
  return e instanceof StrataError && (kind === undefined || e.kind === kind);
}
