/**
 * Qdrant's payload key paths (its `json_path` module): `a.b.c`, `a[].b` (every element of the array `a`), `a[2].b`
 * (one element), and `"quoted.key"` segments for keys that contain dots or brackets.
 *
 * Semantics kept from Qdrant (lib/segment/src/json_path): a key step applied to an array yields nothing (arrays are
 * only entered by `[]` or `[i]`); the last step returns the value as stored, so `a` on `{a: [1, 2]}` yields the one
 * value `[1, 2]` and `a[]` yields `1` and `2`. Conditions then treat an array value as "any element matches".
 *
 * Pure: no I/O. Paths are parsed once (parsePayloadPath) and applied per point (valuesAt) without allocation beyond
 * the result array.
 */

export type PathStep = { key: string } | { index: number } | { all: true };

/** Parses a key path; throws Error with a precise message when it is malformed. */
export function parsePayloadPath(path: string): PathStep[] {
  if (path.length === 0) throw new Error('payload key must not be empty');
  const steps: PathStep[] = [];
  let i = 0;
  let expectKey = true;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`unclosed '[' in payload key \`${path}\``);
      const inside = path.slice(i + 1, close);
      if (inside === '') steps.push({ all: true });
      else if (/^\d+$/.test(inside)) steps.push({ index: Number(inside) });
      else throw new Error(`bad array index \`[${inside}]\` in payload key \`${path}\``);
      i = close + 1;
      expectKey = false;
      continue;
    }
    if (ch === '.') {
      if (expectKey) throw new Error(`empty segment in payload key \`${path}\``);
      i += 1;
      expectKey = true;
      if (i >= path.length) throw new Error(`payload key \`${path}\` ends with '.'`);
      continue;
    }
    if (!expectKey) throw new Error(`expected '.' or '[' in payload key \`${path}\` at ${i}`);
    if (ch === '"') {
      const close = path.indexOf('"', i + 1);
      if (close < 0) throw new Error(`unclosed '"' in payload key \`${path}\``);
      steps.push({ key: path.slice(i + 1, close) });
      i = close + 1;
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j += 1;
      steps.push({ key: path.slice(i, j) });
      i = j;
    }
    expectKey = false;
  }
  return steps;
}

/** Every value at `steps` inside `root` (empty when the path leads nowhere). */
export function valuesAt(root: unknown, steps: readonly PathStep[]): unknown[] {
  const out: unknown[] = [];
  collect(root, steps, 0, out);
  return out;
}

function collect(value: unknown, steps: readonly PathStep[], at: number, out: unknown[]): void {
  if (at === steps.length) {
    out.push(value);
    return;
  }
  const step = steps[at];
  if ('key' in step) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      if (Object.hasOwn(obj, step.key)) collect(obj[step.key], steps, at + 1, out);
    }
  } else if (Array.isArray(value)) {
    if ('index' in step) {
      if (step.index < value.length) collect(value[step.index], steps, at + 1, out);
    } else {
      for (const v of value) collect(v, steps, at + 1, out);
    }
  }
}
