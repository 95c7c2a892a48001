/**
 * API-key check as Qdrant does it (src/common/auth/mod.rs, src/actix/auth.rs): the key comes from the `api-key`
 * header or `Authorization: Bearer <key>`; no key → 401 "Must provide an API key or an Authorization bearer token",
 * a wrong key → 401 "Invalid API key or JWT" (Qdrant's answer when JWT RBAC is off). Bodies are plain text, as
 * Qdrant's. `/`, `/healthz`, `/readyz`, `/livez` stay open (Qdrant's whitelist) so probes work without the key, and so
 * do the dashboard's static files (routes/dashboard.ts: they hold no data; the page sends the key with its API calls).
 *
 * The comparison hashes both sides to equal-length SHA-256 digests and compares them with timingSafeEqual, so
 * neither the key's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './http.js';
import { isDashboardAsset } from './routes/dashboard.js';

const OPEN_PATHS = new Set(['/', '/healthz', '/readyz', '/livez']);

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export const MISSING_KEY = 'Must provide an API key or an Authorization bearer token';
export const WRONG_KEY = 'Invalid API key or JWT';

/**
 * The key check both front doors share (REST headers, gRPC metadata): `null` when `expected` matches the `api-key`
 * header or the `Authorization: Bearer` token, else Qdrant's message for a missing or a wrong key.
 */
export function apiKeyProblem(
  expected: Buffer,
  header: (name: string) => string | null | undefined,
): typeof MISSING_KEY | typeof WRONG_KEY | null {
  const bearer = header('authorization') ?? undefined;
  const given = header('api-key') ?? (bearer?.startsWith('Bearer ') ? bearer.slice('Bearer '.length) : undefined);
  if (given === undefined) return MISSING_KEY;
  return timingSafeEqual(digest(given), expected) ? null : WRONG_KEY;
}

/** The SHA-256 digest apiKeyProblem compares against. */
export const apiKeyDigest = digest;

export function apiKeyAuth(apiKey: string): MiddlewareHandler<AppEnv> {
  const expected = digest(apiKey);
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path) || isDashboardAsset(c.req.path)) return next();
    const problem = apiKeyProblem(expected, (name) => c.req.header(name));
    if (problem !== null) return c.text(problem, 401);
    return next();
  };
}
