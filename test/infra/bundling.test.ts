/**
 * Real bundling, offline: each entry under functions/ is bundled by the locally installed esbuild (never Docker) into
 * an ESM `index.mjs` with its source map. The other infra tests skip bundling to stay fast; this one does not.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { StrataFunction } from '../../infra/strata-function.js';
import { DASHBOARD_BUDGET_BYTES } from '../../scripts/build-dashboard.js';

const outdir = mkdtempSync(path.join(tmpdir(), 'strata-bundling-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('function bundling', () => {
  it('bundles api, segment-search and optimizer with local esbuild into ESM .mjs assets', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundling');
    const entries = ['api', 'segment-search', 'optimizer'];
    for (const entry of entries) {
      new StrataFunction(stack, entry, {
        entry,
        description: entry,
        memoryMiB: 256,
        timeout: Duration.seconds(10),
        dashboard: entry === 'api',
      });
    }
    const assembly = app.synth();
    const template = assembly.getStackByName('Bundling').template as { Resources: Record<string, any> };
    const codeKeys = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => String(r.Properties.Code.S3Key));
    expect(codeKeys).toHaveLength(3);

    const assetDirs = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assetDirs).toHaveLength(3);
    for (const dir of assetDirs) {
      const files = readdirSync(path.join(outdir, dir)).sort();
      const code = readFileSync(path.join(outdir, dir, 'index.mjs'), 'utf8');
      // only the api carries the dashboard's static build (scripts/build-dashboard.ts), within its budget
      if (code.includes('api ready')) {
        expect(files).toEqual(['dashboard', 'index.mjs', 'index.mjs.map']);
        const dashboard = path.join(outdir, dir, 'dashboard');
        expect(readdirSync(path.join(dashboard, 'assets')).sort()).toEqual(['app.css', 'app.js']);
        expect(readFileSync(path.join(dashboard, 'index.html'), 'utf8')).toContain('assets/app.js');
        const bytes = ['index.html', 'assets/app.js', 'assets/app.css']
          .map((f) => statSync(path.join(dashboard, f)).size)
          .reduce((a, b) => a + b, 0);
        expect(bytes).toBeLessThanOrEqual(DASHBOARD_BUDGET_BYTES);
      } else expect(files).toEqual(['index.mjs', 'index.mjs.map']);
      expect(code).toContain('__strataCreateRequire');
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(codeKeys).toContain(`${dir.slice('asset.'.length)}.zip`);
      // the worker-thread pool is local-server code (scripts/bundling-options.ts LOCAL_ONLY_MODULES)
      expect(code).not.toMatch(/piscina/i);
      // keepNames registers every bundled class by name: `static{s(this,"LocalInvoker")}`
      expect(code).not.toContain('"LocalInvoker")');
    }
    // the api reaches it only through an import no function takes, left unresolved
    const apiCode = assetDirs
      .map((dir) => readFileSync(path.join(outdir, dir, 'index.mjs'), 'utf8'))
      .filter((code) => code.includes('api ready'));
    expect(apiCode).toHaveLength(1);
    expect(apiCode[0]).toContain('import("./local-invoker.js")');
    expect(existsSync(path.join(outdir, 'Bundling.template.json'))).toBe(true);
  });
});
