/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]` runs `bench/<name>.ts`. Each benchmark module exports
 * `description` (one line) and `main(argv)`, parses its own options with node:util parseArgs, and writes its results
 * through bench/support/results.ts to `bench/results/<name>-<timestamp>.json` (git-ignored).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface BenchModule {
  description?: string;
  main(argv: string[]): Promise<void>;
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));

function available(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function listAvailable(): Promise<string> {
  const lines = await Promise.all(
    available().map(async (name) => {
      const mod = (await import(pathToFileURL(`${benchDir}${name}.ts`).href)) as Partial<BenchModule>;
      return `  ${name.padEnd(10)} ${mod.description ?? ''}`;
    }),
  );
  return `usage: npm run bench -- <name> [options]\navailable benchmarks:\n${lines.join('\n')}`;
}

async function run(): Promise<void> {
  // Only the first positional is ours; everything after it belongs to the benchmark's own parser.
  const argv = process.argv.slice(2);
  const { values, tokens } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional');
  const name = first?.kind === 'positional' ? first.value : undefined;
  const rest = first ? argv.slice(first.index + 1) : [];
  if (!name || (values.help && first && tokens.indexOf(first) > 0)) {
    console.log(await listAvailable());
    return;
  }
  if (!available().includes(name)) {
    console.error(`unknown benchmark "${name}"\n${await listAvailable()}`);
    process.exitCode = 2;
    return;
  }
  const mod = (await import(pathToFileURL(`${benchDir}${name}.ts`).href)) as BenchModule;
  await mod.main(rest);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
