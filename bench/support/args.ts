/**
 * Command-line options of a benchmark, declared once by their defaults: a number default makes a numeric option
 * (refused unless the value is a finite number), a boolean a flag, a string a string. Every bench parses its
 * `npm run bench -- <name> --option value` arguments through this, so a typo fails at once instead of running a
 * 10-minute benchmark with NaN.
 */
import { parseArgs } from 'node:util';

type Defaults = Record<string, number | string | boolean>;
type Parsed<D extends Defaults> = {
  [K in keyof D]: D[K] extends number ? number : D[K] extends boolean ? boolean : string;
};

export function benchArgs<D extends Defaults>(argv: string[], defaults: D): Parsed<D> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([name, value]) =>
      typeof value === 'boolean'
        ? [name, { type: 'boolean' as const, default: value }]
        : [name, { type: 'string' as const, default: String(value) }],
    ),
  );
  const values: Record<string, unknown> = parseArgs({ args: argv, options }).values;
  const out: Record<string, number | string | boolean> = {};
  for (const [name, value] of Object.entries(defaults)) {
    const given = values[name];
    if (typeof value === 'number') {
      const n = Number(given);
      if (!Number.isFinite(n)) throw new Error(`--${name} takes a number, got ${JSON.stringify(given)}`);
      out[name] = n;
    } else {
      out[name] = typeof value === 'boolean' ? given === true : String(given);
    }
  }
  return out as Parsed<D>;
}

/** A comma-separated list of numbers, e.g. `--segments 1,2,4`. */
export function numberList(name: string, text: string): number[] {
  const list = text.split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isFinite(n))) {
    throw new Error(`--${name} takes numbers separated by commas, got ${JSON.stringify(text)}`);
  }
  return list;
}
