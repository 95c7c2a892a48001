/**
 * Payload projection (`with_payload`) and the payload update operations, as pure functions over one payload.
 * The writer resolves payload operations into full-point upserts with these (wal.ts explains the race).
 */
import type { Payload, WithPayload } from '../model/payload.js';
import { type PathStep, parsePayloadPath } from '../segment/payload-path.js';

/** What a reader returns for a stored payload under a `with_payload` selector; undefined = do not return one. */
export function projectPayload(payload: Payload | null, selector: WithPayload): Payload | undefined {
  if (selector === false) return undefined;
  const p = payload ?? {};
  if (selector === true) return p;
  const include = Array.isArray(selector) ? selector : selector.include;
  if (include !== undefined) {
    const patterns = include.map(patternOf);
    // Qdrant's check_include_pattern: keep a path while it and some pattern agree on their common prefix
    return valueFilter(p, (path) => patterns.some((pat) => agreeOnPrefix(path, pat)));
  }
  if (!Array.isArray(selector) && selector.exclude !== undefined) {
    const patterns = selector.exclude.map(patternOf);
    // check_exclude_pattern: drop a path that has a pattern as its prefix (the pattern's whole subtree)
    return valueFilter(
      p,
      (path) => !patterns.some((pat) => pat !== null && pat.length <= path.length && agreeOnPrefix(path, pat)),
    );
  }
  return p;
}

/** A malformed key path selects nothing (it cannot name a stored key), rather than failing the read. */
function patternOf(key: string): PathStep[] | null {
  try {
    return parsePayloadPath(key);
  } catch {
    return null;
  }
}

const sameStep = (a: PathStep, b: PathStep): boolean =>
  'key' in a ? 'key' in b && a.key === b.key : 'index' in a ? 'index' in b && a.index === b.index : 'all' in b;

function agreeOnPrefix(path: readonly PathStep[], pattern: readonly PathStep[] | null): boolean {
  if (pattern === null) return false;
  const n = Math.min(path.length, pattern.length);
  for (let i = 0; i < n; i++) if (!sameStep(path[i], pattern[i])) return false;
  return true;
}

/**
 * Qdrant's JsonPath::value_filter: rebuilds the payload keeping each value whose path passes `keep`, walking objects
 * by key and arrays element-wise as `[]`, so `{include: ["country.name"]}` returns `{country: {name: …}}`.
 */
function valueFilter(p: Payload, keep: (path: readonly PathStep[]) => boolean): Payload {
  const path: PathStep[] = [];
  const out: Payload = {};
  for (const k of Object.keys(p)) {
    path.push({ key: k });
    if (keep(path)) setOwn(out, k, filterValue(p[k], path, keep));
    path.pop();
  }
  return out;
}

/** An own property even for the key `__proto__` (JSON.parse keeps it as one; plain assignment would not). */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function filterValue(v: unknown, path: PathStep[], keep: (path: readonly PathStep[]) => boolean): unknown {
  if (Array.isArray(v)) {
    path.push({ all: true });
    // an element's path is `…[]` whatever its index, so one test decides for all of them
    const out = keep(path) ? v.map((x) => filterValue(x, path, keep)) : [];
    path.pop();
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      path.push({ key: k });
      if (keep(path)) setOwn(out, k, filterValue(x, path, keep));
      path.pop();
    }
    return out;
  }
  return v;
}

export function wantsPayload(selector: WithPayload): boolean {
  return selector !== false && !(Array.isArray(selector) && selector.length === 0);
}

/**
 * set_payload: merges `update` into the payload; with `key`, into the value at that JSON path, as Qdrant's
 * `JsonPath::value_set` does: a key step turns a non-object into `{}`, `[i]` enters an existing element only (a
 * missing one is left alone) and turns a non-array into `[]`, `[]` enters every element, and the target becomes an
 * object (when it is not one) that `update` is merged into. So `a.arr[0].b` writes into the first element of `arr`.
 */
export function setPayload(current: Payload | null, update: Payload, key?: string): Payload {
  const root: Payload = structuredClone(current ?? {});
  if (key === undefined || key === '') return { ...root, ...structuredClone(update) };
  return setAt(root, parsePayloadPath(key), 0, update) as Payload;
}

function setAt(dest: unknown, steps: readonly PathStep[], at: number, update: Payload): unknown {
  if (at === steps.length) {
    const target = isObject(dest) ? dest : {};
    for (const [k, v] of Object.entries(structuredClone(update))) setOwn(target, k, v);
    return target;
  }
  const step = steps[at];
  if ('key' in step) {
    const map = isObject(dest) ? dest : {};
    setOwn(map, step.key, setAt(Object.hasOwn(map, step.key) ? map[step.key] : null, steps, at + 1, update));
    return map;
  }
  if (!Array.isArray(dest)) return [];
  if ('index' in step) {
    if (step.index < dest.length) dest[step.index] = setAt(dest[step.index], steps, at + 1, update);
  } else {
    for (let i = 0; i < dest.length; i++) dest[i] = setAt(dest[i], steps, at + 1, update);
  }
  return dest;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function overwritePayload(update: Payload): Payload {
  return structuredClone(update);
}

/**
 * delete_payload: removes the values at each JSON path, as Qdrant's `JsonPath::value_remove`: steps that do not match
 * the stored shape remove nothing, `[]` as the last step empties the array, and a last `[i]` removes nothing (Qdrant
 * refuses to delete array indices: it is not idempotent).
 */
export function deletePayloadKeys(current: Payload | null, keys: readonly string[]): Payload {
  const root: Payload = structuredClone(current ?? {});
  for (const key of keys) {
    const steps = patternOf(key);
    if (steps !== null) removeAt(root, steps, 0);
  }
  return root;
}

function removeAt(value: unknown, steps: readonly PathStep[], at: number): void {
  const step = steps[at];
  const last = at === steps.length - 1;
  if ('key' in step) {
    if (!isObject(value) || !Object.hasOwn(value, step.key)) return;
    if (last) delete value[step.key];
    else removeAt(value[step.key], steps, at + 1);
  } else if (Array.isArray(value)) {
    if ('index' in step) {
      if (!last && step.index < value.length) removeAt(value[step.index], steps, at + 1);
    } else if (last) value.length = 0;
    else for (const v of value) removeAt(v, steps, at + 1);
  }
}
