/**
 * Where a worker-thread script lives and how to start it, in dev (tsx, .ts sources) and as built JavaScript.
 * A thread does not inherit the parent's module hooks when the parent runs under a test runner, so for a .ts
 * script the thread is started with tsx's loader explicitly (`--import <tsx loader>`); built .js needs nothing.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `name` (without extension) beside the module whose `import.meta.url` is `base`, as .ts in dev, .js when built. */
export function siblingScript(base: string, name: string): string {
  const ext = base.endsWith('.ts') ? '.ts' : base.endsWith('.mjs') ? '.mjs' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, base));
}

/** execArgv for a thread running `filename`: the parent's flags, plus tsx's loader for TypeScript. */
export function execArgvFor(filename: string): string[] {
  const inherited = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (!/\.[mc]?ts$/.test(filename)) return inherited;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return inherited.some((a) => a.includes('tsx')) ? inherited : [...inherited, '--import', loader];
}
