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
import { canonicalPointId, type PointId, pointIdError } from '../model/point-id.js';
import { collectionNameError, HttpError, elapsedSeconds, formatError, fromZodError, type Where } from './errors.js';

export type AppEnv = { Variables: { startedAt: number } };
export type Ctx = Context<AppEnv>;

/** Qdrant's success envelope. */
export function ok(c: Ctx, result: unknown): Response {
  return c.json({ result, status: 'ok', time: elapsedSeconds(c.get('startedAt')) });
}

/**
 * Reads and parses the JSON body, refusing more than `maxBytes` before buffering it all (Content-Length first, then
 * while streaming). An empty body reads as `{}` where Qdrant allows one (e.g. count without a filter).
 */
export async function readJson(c: Ctx, maxBytes: number, emptyAs: unknown = undefined): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  const text = await readText(c.req.raw, maxBytes);
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw formatError('JSON body', 'EOF while parsing a value at line 1 column 0');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw formatError('JSON body', (e as Error).message);
  }
}

/**
 * A body over the limit is a 400, not a 413: Qdrant's `JsonConfig::limit(max_request_size_mb)` hands actix's
 * `JsonPayloadError::{OverflowKnownLength, Overflow}` to `validation_error_handler` (src/actix/mod.rs), which answers
 * 422 only for validator errors and `BadRequest` for everything else, with actix's own messages (these two).
 */
const tooLarge = (size: number, limit: number): HttpError =>
  new HttpError(400, `JSON payload (${size} bytes) is larger than allowed (limit: ${limit} bytes).`);

async function readText(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HttpError(400, `JSON payload has exceeded limit (${maxBytes} bytes).`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** Parses `input` with `schema`; zod failures become Qdrant's 400/422 naming `where`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: Where = 'JSON body'): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw fromZodError(r.error, where, input);
  return r.data;
}

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `?wait=`, `?ordering=` and `?timeout=` of write endpoints (ordering and timeout are accepted and ignored). */
const writeQuery = z.object({
  wait: boolParam.optional(),
  ordering: z.enum(['weak', 'medium', 'strong']).optional(),
  timeout: z.coerce.number().int().min(1).optional(),
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
  if (id === null) throw formatError('path parameters', pointIdError(raw));
  return id;
}
