/**
 * The layering rules of DESIGN.md §2 and STYLE.md, checked over the source: every static and dynamic import of
 * every file under lib/ and functions/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Import {
  file: string; // repo-relative
  spec: string;
  /** repo-relative target for relative imports */
  target?: string;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE =
  /(?:^|[\n;])\s*(?:import|export)\s[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
    // comments may quote import syntax
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const imp: Import = { file, spec };
    if (spec.startsWith('.')) imp.target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push(imp);
  }
  return out;
}

const ALL = [...sources('lib'), ...sources('functions')].flatMap(importsOf);
const under =
  (folder: string) =>
  (i: Import): boolean =>
    i.file.startsWith(`${folder}/`);
const show = (is: Import[]): string[] => is.map((i) => `${i.file} -> ${i.spec}`);

describe('layering (DESIGN.md §2)', () => {
  it('finds the imports it checks', () => {
    expect(ALL.length).toBeGreaterThan(200);
    expect(ALL.some((i) => i.spec === '@aws-sdk/client-s3')).toBe(true);
  });

  it('the pure engine (lib/index, lib/quantization, lib/distance) imports nothing from AWS, HTTP, filesystem or storage', () => {
    const engine = ['lib/index', 'lib/quantization', 'lib/distance'];
    const bad = ALL.filter((i) => engine.some((f) => under(f)(i))).filter((i) => {
      if (i.target !== undefined)
        return !(engine.some((f) => i.target!.startsWith(`${f}/`)) || i.target === 'lib/errors.ts');
      // node builtins without I/O are fine; anything else (packages, fs, net, http) is not
      return !['node:zlib', 'node:crypto'].includes(i.spec);
    });
    expect(show(bad)).toEqual([]);
  });

  it('the AWS SDK is imported only by the storage and runtime adapters', () => {
    const bad = ALL.filter((i) => i.spec.startsWith('@aws-sdk/')).filter(
      (i) => !(i.file === 'lib/storage/s3-store.ts' || under('lib/runtime')(i)),
    );
    expect(show(bad)).toEqual([]);
  });

  it('HTTP-framework code lives in lib/api (and the Lambda adapter of the api function)', () => {
    const bad = ALL.filter((i) => /^(hono|@hono\/)/.test(i.spec)).filter(
      (i) => !(under('lib/api')(i) || (i.file === 'functions/api.ts' && i.spec === 'hono/aws-lambda')),
    );
    expect(show(bad)).toEqual([]);
  });

  it('lib/segment reads bytes only through lib/storage', () => {
    const bad = ALL.filter(under('lib/segment')).filter(
      (i) =>
        /^(node:)?(fs|net|http|https)(\/|$)/.test(i.spec) ||
        i.spec.startsWith('@aws-sdk/') ||
        (i.target !== undefined && /^lib\/(api|runtime)\//.test(i.target)),
    );
    expect(show(bad)).toEqual([]);
  });

  it('only functions/ and lib/runtime know Lambda exists', () => {
    const bad = ALL.filter((i) => i.spec === 'aws-lambda' || i.spec === '@aws-sdk/client-lambda').filter(
      (i) => !(under('functions')(i) || under('lib/runtime')(i)),
    );
    expect(show(bad)).toEqual([]);
  });

  it('lower layers never import upper ones', () => {
    const order = [
      'lib/distance',
      'lib/quantization',
      'lib/index',
      'lib/storage',
      'lib/segment',
      'lib/collection',
      'lib/api',
    ];
    const rank = (path: string): number => order.findIndex((f) => path.startsWith(`${f}/`));
    const bad = ALL.filter((i) => i.target !== undefined && rank(i.file) >= 0 && rank(i.target) > rank(i.file))
      // the segment layer shares the collection layer's key module and the coordinator/worker contract types
      .filter((i) => !(under('lib/segment')(i) && /^lib\/collection\/(keys|segment-task|types)\.ts$/.test(i.target!)));
    expect(show(bad)).toEqual([]);
  });
});
