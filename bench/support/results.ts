/**
 * Shared benchmark plumbing: the machine description printed at the top of every run, plain-text tables, and the
 * JSON result file `bench/results/<name>-<timestamp>.json` (the folder is git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
  };
}

/** Writes `result` as JSON under bench/results and returns the path. */
export function writeResults(name: string, result: unknown, now: Date = new Date()): string {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // ISO 8601 basic-ish: colons are awkward in file names on some systems
  const stamp = now
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const path = `${dir}${name}-${stamp}.json`;
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export type Cell = string | number | null | undefined;

/** A fixed-width text table; numeric columns right-aligned, null/undefined shown as "-". */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], numeric: boolean[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  // a column is numeric (right-aligned) when every cell looks like a number, a bound (≤1.2), "-" or "n/r"
  const numeric = headers.map(
    (_, i) => text.length > 0 && text.every((r) => /^(?:[-+<>≤≥~]?[\d.]*[x%]?|n\/r)$/.test(r[i] ?? '')),
  );
  return [
    line(headers, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r) => line(r, numeric)),
  ].join('\n');
}

/** Rounds to a fixed number of significant-looking decimals for tables (JSON keeps full precision). */
export function fixed(x: number | null | undefined, digits: number): string | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x.toFixed(digits);
}

/** The commit measured, and whether lib/ differs from it (other engineers edit the same checkout). */
export function codeVersion(): { commit: string; libDirty: boolean | null } {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd, encoding: 'utf8' });
    return { commit, libDirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', libDirty: null };
  }
}
