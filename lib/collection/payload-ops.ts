/**
 * Payload projection (`with_payload`) and the payload update operations, as pure functions over one payload.
 * The writer resolves payload operations into full-point upserts with these (wal.ts explains the race).
 */
import type { Payload, WithPayload } from '../model/payload.js';

/** What a reader returns for a stored payload under a `with_payload` selector; undefined = do not return one. */
export function projectPayload(payload: Payload | null, selector: WithPayload): Payload | undefined {
  if (selector === false) return undefined;
  const p = payload ?? {};
  if (selector === true) return p;
  if (Array.isArray(selector)) return pick(p, selector);
  if (selector.include !== undefined) return pick(p, selector.include);
  if (selector.exclude !== undefined) {
    const out: Payload = { ...p };
    for (const k of selector.exclude) delete out[k];
    return out;
  }
  return p;
}

function pick(p: Payload, keys: readonly string[]): Payload {
  const out: Payload = {};
  for (const k of keys) if (Object.hasOwn(p, k)) out[k] = p[k];
  return out;
}

export function wantsPayload(selector: WithPayload): boolean {
  return selector !== false && !(Array.isArray(selector) && selector.length === 0);
}

/**
 * set_payload: merges `update` into the payload; with `key`, into the object at that dotted path (created when
 * absent, replaced when it is not an object), as Qdrant does.
 */
export function setPayload(current: Payload | null, update: Payload, key?: string): Payload {
  const root: Payload = structuredClone(current ?? {});
  if (key === undefined || key === '') return { ...root, ...structuredClone(update) };
  const steps = key.split('.');
  let node: Payload = root;
  for (const step of steps) {
    const next = node[step];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[step] = {};
    node = node[step] as Payload;
  }
  Object.assign(node, structuredClone(update));
  return root;
}

export function overwritePayload(update: Payload): Payload {
  return structuredClone(update);
}

/** delete_payload: removes top-level keys or dotted paths into nested objects. */
export function deletePayloadKeys(current: Payload | null, keys: readonly string[]): Payload {
  const root: Payload = structuredClone(current ?? {});
  for (const key of keys) {
    const steps = key.split('.');
    let node: unknown = root;
    for (let i = 0; i < steps.length - 1 && node !== null && typeof node === 'object'; i++) {
      node = (node as Payload)[steps[i]];
    }
    if (node !== null && typeof node === 'object' && !Array.isArray(node))
      delete (node as Payload)[steps[steps.length - 1]];
  }
  return root;
}
