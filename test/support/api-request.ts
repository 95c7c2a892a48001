/** In-process requests against the Hono app (no network), with the JSON body decoded. */
import type { Hono } from 'hono';
import { expect } from 'vitest';

export interface Reply {
  status: number;
  body: unknown;
  text: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function send(
  app: Hono<any>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await app.request(path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** Asserts Qdrant's error envelope with the given status and a message containing `message`. */
export function expectError(reply: Reply, status: number, message: string): void {
  expect(reply.status, reply.text).toBe(status);
  const body = reply.body as { status: { error: string }; time: number };
  expect(body.status.error).toContain(message);
  expect(typeof body.time).toBe('number');
}

export function resultOf(reply: Reply): unknown {
  expect(reply.status, reply.text).toBe(200);
  const body = reply.body as { result: unknown; status: string; time: number };
  expect(body.status).toBe('ok');
  expect(typeof body.time).toBe('number');
  return body.result;
}
