/**
 * The worker functions validate their config and events with `zod/mini`, which is only cheap when esbuild can
 * tree-shake it: `import * as z from 'zod/mini'` keeps ~30 KB of zod, while the documented
 * `import { z } from 'zod/mini'` drags in every locale (~430 KB, the whole of zod again). This bundles the
 * validation modules with the functions' own esbuild settings and pins zod's share, offline and in well under a second.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FUNCTION_BUNDLE_OPTIONS } from '../../../scripts/bundling-options.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ZOD_BUDGET_BYTES = 60 * 1024;

describe('validation modules in the worker bundles', () => {
  it.each([['lib/runtime/config.ts'], ['lib/segment/task-schema.ts'], ['functions/optimizer.ts']])(
    '%s keeps zod under 60 KB (tree-shaken zod/mini, no locales)',
    async (entry) => {
      const result = await build({
        ...FUNCTION_BUNDLE_OPTIONS,
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outdir: 'unused',
        write: false,
        sourcemap: false,
        metafile: true,
      });
      const zod = Object.values(result.metafile.outputs)
        .flatMap((output) => Object.entries(output.inputs))
        .filter(([input]) => input.includes('node_modules/zod/'));
      expect(zod.some(([input]) => input.includes('/locales/'))).toBe(false);
      const bytes = zod.reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(ZOD_BUDGET_BYTES);
    },
  );
});
