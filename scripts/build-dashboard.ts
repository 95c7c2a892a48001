/**
 * `npm run build:dashboard`: the web dashboard (dashboard/, Preact + htm) as static files, by esbuild:
 *
 * | output                 | what                                                   |
 * |------------------------|--------------------------------------------------------|
 * | `index.html`           | dashboard/index.html, as is                            |
 * | `assets/app.js`        | dashboard/main.ts and its imports, one minified ES module |
 * | `assets/app.css`       | dashboard/style.css, minified                          |
 *
 * Default output `dist/dashboard/` (gitignored), which the local server serves; `npm start` and the test set-up
 * (test/support/global-setup.ts) run this first, and scripts/build-functions.ts builds the same files into the api
 * function's bundle folder (`api/dashboard/`), which functions/api.ts serves. Nothing built is committed.
 *
 * Budget: the api function carries these files, so their total is held under DASHBOARD_BUDGET_BYTES; the build
 * fails beyond it (test/infra/bundling.test.ts checks the deployed asset too).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCE = join(ROOT, 'dashboard');
export const DASHBOARD_OUT_DIR = join(ROOT, 'dist', 'dashboard');
/** total bytes of the built files; the toolkit is ~15 KB of it */
export const DASHBOARD_BUDGET_BYTES = 128 * 1024;

export interface BuiltDashboard {
  dir: string;
  bytes: number;
}

export async function buildDashboard(outDir: string = DASHBOARD_OUT_DIR): Promise<BuiltDashboard> {
  const assets = join(outDir, 'assets');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(assets, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { app: join(SOURCE, 'main.ts'), 'app-style': join(SOURCE, 'style.css') },
    outdir: assets,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    tsconfig: join(SOURCE, 'tsconfig.json'),
    logLevel: 'warning',
  });
  // esbuild names a CSS entry after its key; the page links assets/app.css
  copyFileSync(join(assets, 'app-style.css'), join(assets, 'app.css'));
  rmSync(join(assets, 'app-style.css'));
  copyFileSync(join(SOURCE, 'index.html'), join(outDir, 'index.html'));
  const bytes = sizeOf(outDir);
  if (bytes > DASHBOARD_BUDGET_BYTES) {
    throw new Error(`the dashboard build is ${bytes} bytes, over its budget of ${DASHBOARD_BUDGET_BYTES}`);
  }
  return { dir: outDir, bytes };
}

function sizeOf(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return n;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  buildDashboard(values.out ? resolve(values.out) : undefined)
    .then((b) => console.log(`dashboard ${(b.bytes / 1024).toFixed(0)} KB  ${b.dir}`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
