/**
 * `npm run build`: one esbuild bundle per Lambda function, `dist/functions/<name>/index.mjs` (+ `.map`), with the
 * shared settings of scripts/bundling-options.ts; the api's folder also gets the dashboard (`api/dashboard/`). Prints each bundle's size and what dominates it.
 *
 *   npm run build                      # all functions into dist/functions
 *   npm run build -- --out /tmp/fn api # some functions elsewhere (tests build into a temp folder)
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { buildDashboard } from './build-dashboard.js';
import { FUNCTION_BUNDLE_OPTIONS, FUNCTION_NAMES, type FunctionName } from './bundling-options.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface BuiltFunction {
  name: FunctionName;
  /** absolute path of index.mjs */
  file: string;
  bytes: number;
  /** the largest inputs by bytes in the output, for the size report */
  top: Array<{ input: string; bytes: number }>;
}

export async function buildFunctions(
  options: { outDir?: string; functions?: readonly FunctionName[] } = {},
): Promise<BuiltFunction[]> {
  const outDir = resolve(options.outDir ?? join(ROOT, 'dist', 'functions'));
  const names = options.functions ?? FUNCTION_NAMES;
  return Promise.all(
    names.map(async (name) => {
      const result = await build({
        ...FUNCTION_BUNDLE_OPTIONS,
        absWorkingDir: ROOT,
        entryPoints: { index: join(ROOT, 'functions', `${name}.ts`) },
        outdir: join(outDir, name),
        metafile: true,
      });
      // the api serves the dashboard from beside its index.mjs (functions/api.ts), as the CDK bundle has it
      if (name === 'api') await buildDashboard(join(outDir, name, 'dashboard'));
      const file = join(outDir, name, 'index.mjs');
      return { name, file, bytes: statSync(file).size, top: topInputs(result.metafile) };
    }),
  );
}

function topInputs(meta: Metafile): Array<{ input: string; bytes: number }> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1] : input.split('/').slice(0, 2).join('/');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
  for (const p of positionals) {
    if (!(FUNCTION_NAMES as readonly string[]).includes(p))
      throw new Error(`unknown function "${p}" (have: ${FUNCTION_NAMES.join(', ')})`);
  }
  const started = performance.now();
  const built = await buildFunctions({
    ...(values.out ? { outDir: values.out } : {}),
    ...(positionals.length ? { functions: positionals as FunctionName[] } : {}),
  });
  for (const f of built) {
    console.log(`${f.name.padEnd(15)} ${kb(f.bytes).padStart(8)}  ${f.file}`);
    console.log(`${''.padEnd(15)} largest: ${f.top.map((t) => `${t.input} ${kb(t.bytes)}`).join(', ')}`);
  }
  console.log(`built ${built.length} functions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
