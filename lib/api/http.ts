/**
 * Request/response plumbing shared by every route: the success envelope, the size-limited JSON reader, schema
 * parsing that maps zod errors through errors.ts, and Qdrant's common query parameters.
 *
 * Invariant: every route reads its body through readJson and validates it (body, query, path) BEFORE it calls the
 * service; a rejected request never reaches a write method.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { collectionNameProblem } from '../model/collection-name.js';
import { canonicalPointId, IdLiteral, type PointId, pointIdError } from '../model/point-id.js';
import { markIdLiterals } from './id-literals.js';
import {
  ClientGone,
  collectionNameError,
  elapsedSeconds,
  formatError,
  fromZodError,
  HttpError,
  type Where,
} from './errors.js';
import { boundedJson, type ResponseBounds } from './response-bounds.js';
import type { QueryTrace } from '../collection/query.js';

/** `costTrace`: set by a query route, one per request (cost-header.ts) */
export type AppEnv = { Variables: { startedAt: number; bounds: ResponseBounds; costTrace?: QueryTrace } };
export type Ctx = Context<AppEnv>;

/** Qdrant's success envelope, serialised within the response byte bound (response-bounds.ts). */
export function ok(c: Ctx, result: unknown): Response {
  const body = { result, status: 'ok', time: elapsedSeconds(c.get('startedAt')) };
  return c.body(boundedJson(body, c.get('bounds')), 200, { 'content-type': 'application/json' });
}

/**
 * Reads and parses the JSON body, refusing more than `maxBytes` before buffering it all (Content-Length first, then
 * while streaming). An empty body reads as `{}` where Qdrant allows one (e.g. count without a filter).
 */
export async function readJson(c: Ctx, maxBytes: number, emptyAs: unknown = undefined): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  // a declared length is enforced by the HTTP parser (no more bytes reach the body), so such a body is read whole
  // in one call, which the Node adapter serves straight from the socket: no web stream (~0.1 ms of the main thread
  // per query); a chunked body is read as a stream, counting its bytes against the limit as they come
  const text = Number.isFinite(declared) ? await readDeclared(c.req.raw) : await readText(c.req.raw, maxBytes);
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw formatError('JSON body', 'EOF while parsing a value at line 1 column 0');
  }
  // checked only for a body that is there: a bodiless count/scroll/PATCH stays valid, and a CORS-simple
  // `text/plain` POST from a web page is refused before its body is parsed, let alone written
  if (!isJsonContentType(c.req.header('content-type'))) throw new HttpError(400, 'Content type error');
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (e) {
    throw formatError('JSON body', (e as Error).message);
  }
  markIdLiterals(text, body);
  return body;
}

/**
 * actix-web's `JsonConfig` test (Qdrant's JSON extractor): `application/json` or any `+json` suffix type, parameters
 * such as `charset` allowed; anything else, or no Content-Type at all, is its `JsonPayloadError::ContentType`.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mime = header.split(';')[0].trim().toLowerCase();
  const slash = mime.indexOf('/');
  if (slash <= 0) return false;
  const sub = mime.slice(slash + 1);
  return sub === 'json' || sub.endsWith('+json');
}

/**
 * A body over the limit is a 400, not a 413: Qdrant's `JsonConfig::limit(max_request_size_mb)` hands actix's
 * `JsonPayloadError::{OverflowKnownLength, Overflow}` to `validation_error_handler` (src/actix/mod.rs), which answers
 * 422 only for validator errors and `BadRequest` for everything else, with actix's own messages (these two).
 */
const tooLarge = (size: number, limit: number): HttpError =>
  new HttpError(400, `JSON payload (${size} bytes) is larger than allowed (limit: ${limit} bytes).`);

async function readDeclared(req: Request): Promise<string> {
  const body = await req.arrayBuffer().catch(() => {
    throw new ClientGone();
  });
  return decodeUtf8(Buffer.from(body));
}

async function readText(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new ClientGone();
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HttpError(400, `JSON payload has exceeded limit (${maxBytes} bytes).`);
    }
    chunks.push(value);
  }
  return decodeUtf8(Buffer.concat(chunks, total));
}

/**
 * Buffer's decoder is several times faster than TextDecoder on a large body, and equally lenient (U+FFFD for bad
 * bytes); a leading BOM is dropped as TextDecoder drops it.
 */
function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses `input` with `schema`; zod failures become Qdrant's 400/422 naming `where`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: Where = 'JSON body'): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw fromZodError(r.error, where, input);
  return r.data;
}

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * `?wait=`, `?ordering=` and `?timeout=` of write endpoints (ordering and timeout are accepted and ignored). Qdrant's
 * UpdateParams read timeout as `DurationSeconds<String>`, so `timeout=0` is a valid zero duration there.
 */
const writeQuery = z.object({
  wait: boolParam.optional(),
  ordering: z.enum(['weak', 'medium', 'strong']).optional(),
  timeout: z.coerce.number().int().min(0).optional(),
});

export function writeParams(c: Ctx): { wait: boolean } {
  const q = parseWith(writeQuery, c.req.query(), 'query parameters');
  return { wait: q.wait ?? false };
}

/** `?consistency=` and `?timeout=` of read endpoints: validated, then ignored (one replica). */
const readQuery = z.object({
  consistency: z.union([z.coerce.number().int().min(1), z.enum(['majority', 'quorum', 'all'])]).optional(),
  timeout: z.coerce.number().int().min(1).optional(),
});

export function readParams(c: Ctx): void {
  // Qdrant's ReadParams.timeout is a NonZeroU64: serde_urlencoded refuses 0 itself (400), before any validator runs
  if (c.req.query('timeout') === '0') {
    throw new HttpError(
      400,
      'Deserialize error in query parameters: invalid value: integer `0`, expected a nonzero u64',
    );
  }
  parseWith(readQuery, c.req.query(), 'query parameters');
}

/** The collection name of the path, refused early (before any service call) unless lib/model's rule accepts it. */
export function collectionName(c: Ctx): string {
  const name = c.req.param('name') ?? '';
  const problem = collectionNameProblem(name);
  if (problem !== null) throw collectionNameError(name, problem, 'path parameters');
  return name;
}

/** A point id from the path: an unsigned integer or a UUID. */
export function pathPointId(raw: string): PointId {
  const asNumber = /^\d+$/.test(raw) ? Number(raw) : raw;
  const id = canonicalPointId(asNumber);
  if (id === null) {
    throw formatError('path parameters', pointIdError(typeof asNumber === 'number' ? new IdLiteral(raw) : raw));
  }
  return id;
}

/** Qdrant's WaitTimeout: a u64 (else 400) with `range(min = 1)` (so 0 is its validator's 422). */
export function timeoutParam(raw: string | undefined): void {
  if (raw === undefined) return;
  if (!/^\d+$/.test(raw)) {
    throw new HttpError(400, `Format error in query parameters: timeout: expected a positive integer, got \`${raw}\``);
  }
  if (Number(raw) < 1) {
    throw new HttpError(422, 'Validation error in query parameters: [timeout: value 0 invalid, must be 1 or larger]');
  }
}
