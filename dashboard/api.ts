/**
 * The dashboard's only door to the server: Qdrant's REST API (plus `/dashboard/api/…`) relative to the page, so the
 * dashboard works wherever the API is mounted. The API key the user typed is kept for the browser session only and
 * sent as `api-key`. Errors surface Qdrant's envelope message.
 */

const KEY_STORAGE = 'strata-api-key';

/** The API root: the page is `<root>/dashboard/`. */
const root = new URL('../', window.location.href);

export function apiKey(): string {
  return window.sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key: string): void {
  if (key === '') window.sessionStorage.removeItem(KEY_STORAGE);
  else window.sessionStorage.setItem(KEY_STORAGE, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  result: T;
  /** the `x-strata-cost` header, when asked for and sent */
  cost: Cost | null;
  /** the request's round trip as the browser saw it (ms) */
  elapsedMs: number;
}

/** lib/api/cost-header.ts CostReport */
export interface Cost {
  invocations: number;
  segments: number;
  cold: number;
  distances: number;
  gets: number;
  bytes: number;
  rounds: number;
  tailPoints: number;
  coordinator: { gets: number; bytes: number; rounds: number; lists: number };
  stageMs: { snapshot: number; tail: number; fanOut: number; fetch: number; workerMs: number };
  totalMs: number;
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  options: { cost?: boolean } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key !== '') headers['api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.cost) headers['strata-debug'] = 'cost';
  const started = performance.now();
  const r = await fetch(new URL(path.replace(/^\//, ''), root), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  const elapsedMs = performance.now() - started;
  let parsed: { result?: T; status?: { error?: string } | string } | null = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!r.ok) {
    const status = parsed?.status;
    const message = typeof status === 'object' && status?.error ? status.error : text || r.statusText;
    throw new ApiError(r.status, r.status === 401 ? `${message} (set the API key above)` : message);
  }
  const costHeader = r.headers.get('x-strata-cost');
  return { result: parsed?.result as T, cost: costHeader ? (JSON.parse(costHeader) as Cost) : null, elapsedMs };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
