/**
 * The layering rules of DESIGN.md §2 and STYLE.md, checked over the source: every static and dynamic import of
 * every file under lib/, functions/ and bin/.
 *
 * Layer order, bottom to top (a layer imports only itself and layers below it; no exceptions):
 *   lib/model < lib/distance < lib/quantization < lib/index < lib/storage < lib/segment < lib/collection
 *     < lib/runtime < lib/api < functions/, bin/
 * lib/model imports nothing at all (no package, no other layer). The checker is a plain function over an import
 * list, so the tests below also feed it synthetic back-imports and prove it reports one in every layer.
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

/** Bottom to top. functions/ and bin/ are the entry points above every lib layer (they share the top rank). */
const LAYERS = [
  'lib/model',
  'lib/binary',
  'lib/distance',
  'lib/quantization',
  'lib/index',
  'lib/storage',
  'lib/segment',
  'lib/collection',
  'lib/runtime',
  'lib/api',
  'functions',
  'bin',
] as const;
const ENTRY_POINTS = ['functions', 'bin'];

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

const FILES = [...sources('lib'), ...sources('functions'), ...sources('bin')];
const ALL = FILES.flatMap(importsOf);
const under =
  (folder: string) =>
  (i: Import): boolean =>
    i.file.startsWith(`${folder}/`);
const show = (is: Import[]): string[] => is.map((i) => `${i.file} -> ${i.spec}`);

/** The rank of the layer holding `path` (entry points share the top rank), or -1 outside every layer. */
function rank(path: string): number {
  const layer = LAYERS.findIndex((f) => path.startsWith(`${f}/`));
  if (layer < 0) return -1;
  return ENTRY_POINTS.includes(LAYERS[layer]) ? LAYERS.length - ENTRY_POINTS.length : layer;
}

/**
 * Every import that breaks the layer order: a relative import of a layer above the importer's, of a file in no
 * layer, or from lib/model of anything outside lib/model (packages and node builtins included).
 */
function layerViolations(imports: readonly Import[]): Import[] {
  return imports.filter((i) => {
    const from = rank(i.file);
    if (from < 0) return false; // not ours to check (tests, bench, infra)
    if (under('lib/model')(i)) return i.target === undefined || !i.target.startsWith('lib/model/');
    if (i.target === undefined) return false;
    const to = rank(i.target);
    return to < 0 || to > from;
  });
}

describe('layering (DESIGN.md §2)', () => {
  it('finds the imports it checks', () => {
    expect(ALL.length).toBeGreaterThan(200);
    expect(ALL.some((i) => i.spec === '@aws-sdk/client-s3')).toBe(true);
    expect(ALL.some((i) => i.file.startsWith('bin/'))).toBe(true);
    expect(ALL.some((i) => i.file.startsWith('lib/model/') && i.target?.startsWith('lib/model/'))).toBe(true);
  });

  it('every source file under lib/ lives in a layer of the order', () => {
    expect(FILES.filter((f) => rank(f) < 0)).toEqual([]);
  });

  it('lower layers never import upper ones, and lib/model imports nothing outside itself', () => {
    expect(show(layerViolations(ALL))).toEqual([]);
  });

  it('the checker reports a back-import injected into every layer, and accepts imports downward', () => {
    const libLayers = LAYERS.filter((l) => !ENTRY_POINTS.includes(l));
    for (const [index, layer] of libLayers.entries()) {
      // every layer above, the entry points included
      for (const above of LAYERS.slice(index + 1)) {
        const fake: Import = { file: `${layer}/fake.ts`, spec: `x`, target: `${above}/fake-target.ts` };
        expect(show(layerViolations([fake])), `${layer} -> ${above}`).toEqual([`${layer}/fake.ts -> x`]);
      }
      // and a file outside every layer
      const stray: Import = { file: `${layer}/fake.ts`, spec: 'x', target: 'lib/stray.ts' };
      expect(layerViolations([stray]), `${layer} -> lib/stray.ts`).toHaveLength(1);
      // imports of its own layer and of every layer below are fine (lib/model may import only itself)
      for (const target of libLayers.slice(layer === 'lib/model' ? index : 0, index + 1)) {
        const ok: Import = { file: `${layer}/fake.ts`, spec: 'x', target: `${target}/fake-target.ts` };
        expect(layerViolations([ok]), `${layer} -> ${target}`).toEqual([]);
      }
    }
    expect(layerViolations([{ file: 'lib/model/fake.ts', spec: 'zod' }])).toHaveLength(1);
    expect(layerViolations([{ file: 'lib/model/fake.ts', spec: 'node:fs' }])).toHaveLength(1);
    expect(
      layerViolations([{ file: 'lib/distance/fake.ts', spec: '../model/x.js', target: 'lib/model/x.ts' }]),
    ).toEqual([]);
    expect(layerViolations([{ file: 'functions/fake.ts', spec: 'x', target: 'bin/strata.ts' }])).toEqual([]);
  });

  it('the pure engine (lib/index, lib/quantization, lib/distance, lib/binary) imports nothing from AWS, HTTP, filesystem or storage', () => {
    const engine = ['lib/index', 'lib/quantization', 'lib/distance', 'lib/binary', 'lib/model'];
    const bad = ALL.filter((i) => engine.some((f) => under(f)(i))).filter((i) => {
      if (i.target !== undefined) return !engine.some((f) => i.target!.startsWith(`${f}/`));
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
      (i) => /^(node:)?(fs|net|http|https)(\/|$)/.test(i.spec) || i.spec.startsWith('@aws-sdk/'),
    );
    expect(show(bad)).toEqual([]);
  });

  it('only functions/, bin/ and lib/runtime know Lambda exists', () => {
    const bad = ALL.filter((i) => i.spec === 'aws-lambda' || i.spec === '@aws-sdk/client-lambda').filter(
      (i) => !(under('functions')(i) || under('bin')(i) || under('lib/runtime')(i)),
    );
    expect(show(bad)).toEqual([]);
  });
});
