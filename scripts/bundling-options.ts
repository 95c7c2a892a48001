/**
 * The esbuild settings of every Lambda bundle, in ONE place: `npm run build` (scripts/build-functions.ts) uses them
 * directly, and the CDK stack's NodejsFunction should derive its `bundling` from them (FUNCTION_BUNDLING_CDK below is
 * the same settings in NodejsFunction's vocabulary) so what is tested is what is deployed.
 *
 * - ESM (`.mjs`), platform node, target node22 (the nodejs22.x runtime); tree-shaken and minified, with external
 *   source maps, shipped but not loaded unless the stack's `sourceMaps` setting sets NODE_OPTIONS=--enable-source-maps
 *   (it slows every cold start).
 * - The AWS SDK v3 is BUNDLED, not taken from the runtime: the runtime's SDK version floats with Lambda's releases,
 *   while the bundle runs the exact versions pinned in package-lock.json and tested here (retry behaviour, error
 *   shapes, the S3 conditional-write support lib/storage depends on). Tree-shaking keeps only the clients a function
 *   imports, and the cold-start cost is a few hundred KB of parsing.
 * - Modules only the local server runs are left out (LOCAL_ONLY_MODULES): the worker-thread pool (piscina, the
 *   LocalInvoker and the ThreadOptimizer) is reached from the coordinator through dynamic imports that a Lambda never
 *   takes (functions pass `fallback: 'direct'`), so it stays an unresolved import in the bundle instead of ~100 KB
 *   parsed at every cold start. esbuild matches externals against the import path as written, hence the relative path.
 * - The banner gives bundled CommonJS dependencies `require`, `__filename` and `__dirname`, which an ESM bundle
 *   does not have.
 */
import type { BuildOptions } from 'esbuild';

export const FUNCTION_NAMES = ['api', 'segment-search', 'optimizer'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const BUNDLE_BANNER =
  "import { createRequire as __strataCreateRequire } from 'node:module';" +
  "import { fileURLToPath as __strataFileURLToPath } from 'node:url';" +
  "import { dirname as __strataDirname } from 'node:path';" +
  'const require = __strataCreateRequire(import.meta.url);' +
  'const __filename = __strataFileURLToPath(import.meta.url);' +
  'const __dirname = __strataDirname(__filename);';

/** Import paths (as written in lib/) of code only the local server runs; never loaded by a function. */
export const LOCAL_ONLY_MODULES = ['./local-invoker.js', './thread-optimizer.js'] as const;

/** esbuild options shared by every function bundle (entry points and outfile are added per function). */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // prefer ESM builds of dependencies (the AWS SDK ships both): better tree-shaking
  mainFields: ['module', 'main'],
  conditions: ['module', 'import'],
  treeShaking: true,
  minify: true,
  // minified class names would turn error types and pino's `err.type` into `Ut`; names cost ~2% of the bundle
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  external: [...LOCAL_ONLY_MODULES] as string[],
  banner: { js: BUNDLE_BANNER },
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
} satisfies BuildOptions;

/**
 * The same settings for aws-cdk-lib's NodejsFunction `bundling` (BundlingOptions): spread it into
 * `bundling: { ...FUNCTION_BUNDLING_CDK, format: OutputFormat.ESM }` (the format is an enum of aws-cdk-lib, which
 * this module does not import).
 */
export const FUNCTION_BUNDLING_CDK = {
  target: FUNCTION_BUNDLE_OPTIONS.target,
  mainFields: FUNCTION_BUNDLE_OPTIONS.mainFields,
  minify: FUNCTION_BUNDLE_OPTIONS.minify,
  keepNames: FUNCTION_BUNDLE_OPTIONS.keepNames,
  sourceMap: FUNCTION_BUNDLE_OPTIONS.sourcemap,
  sourcesContent: FUNCTION_BUNDLE_OPTIONS.sourcesContent,
  externalModules: FUNCTION_BUNDLE_OPTIONS.external,
  banner: BUNDLE_BANNER,
  esbuildArgs: { '--conditions': 'module,import', '--legal-comments': 'none' },
  forceDockerBundling: false,
} as const;
