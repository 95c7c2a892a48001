/**
 * Cold-start benchmark: init time of each built function bundle under AWS's Lambda Runtime Interface Emulator with
 * the Node runtime interface client (test/support/lambda-rie.ts), as a ratio to a minimal handler started the same
 * way in the same run, with and without NODE_OPTIONS=--enable-source-maps (the stack's `sourceMaps` setting).
 *
 * A sample is one fresh emulator process (one new execution environment) and two invokes of the same cheap event:
 *   init = (Init Duration + Duration of the first invoke) − Duration of the second (warm) invoke
 * from the emulator's REPORT lines. The emulator starts the runtime lazily, so most of the module loading lands in
 * the first invoke's Duration rather than in its Init Duration; the sum minus the warm handler time counts it
 * wherever it lands. Samples are interleaved (run r: every variant, every function) so load changes on the shared
 * machine hit a function and its baseline alike; ratios are paired within a run, and medians over runs reported.
 *
 * Events: api GET /healthz (answered without the store), segment-search and optimizer an invalid event (rejected by
 * schema before any work), so the figure is module load + top-level init. The store is an S3 bucket at a closed
 * loopback port: nothing at init may reach it.
 *
 *   npm run bench -- coldstart [--runs 5]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFunctions } from '../scripts/build-functions.js';
import { httpApiEvent } from '../test/support/events.js';
import { type InvokeReport, startRieFunction } from '../test/support/lambda-rie.js';
import { fixed, formatTable, machineInfo, writeResults } from './support/results.js';

export const description = 'init ms per function bundle under the Lambda RIE, ÷ a minimal handler, ± source maps';

const FUNCTIONS = ['minimal', 'api', 'segment-search', 'optimizer'] as const;
type Fn = (typeof FUNCTIONS)[number];
const VARIANTS = { 'no source maps': {}, 'source maps': { NODE_OPTIONS: '--enable-source-maps' } } as const;
type Variant = keyof typeof VARIANTS;

const EVENTS: Record<Fn, unknown> = {
  minimal: {},
  api: httpApiEvent({ method: 'GET', path: '/healthz' }),
  'segment-search': { not: 'a task' },
  optimizer: { not: 'an optimizer event' },
};

const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STRATA_BUCKET: 'coldstart',
  STRATA_PREFIX: 'strata',
  STRATA_S3_ENDPOINT: 'http://127.0.0.1:9',
  STRATA_WORKER_FUNCTIONS: 'strata-worker-0',
  STRATA_OPTIMIZER_FUNCTION: 'strata-optimizer',
  STRATA_LAMBDA_ENDPOINT: 'http://127.0.0.1:9',
  STRATA_LOG_LEVEL: 'error',
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function sample(fn: Fn, root: string, variant: Variant): Promise<number> {
  const rie = await startRieFunction({
    name: fn,
    taskRoot: root,
    env: { ...ENV, ...VARIANTS[variant] },
    memoryMiB: 1024,
    timeoutSeconds: 30,
  });
  try {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${rie.url}/2015-03-31/functions/function/invocations`, {
        method: 'POST',
        body: JSON.stringify(EVENTS[fn]),
      });
      await res.text();
    }
    // the REPORT line is printed as the answer leaves; give the pipe a moment
    let reports: InvokeReport[] = [];
    for (let tries = 0; tries < 100 && (reports = rie.reports()).length < 2; tries++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (reports.length < 2) throw new Error(`${fn}: no REPORT lines from the emulator:\n${rie.output().slice(-2000)}`);
    const [cold, warm] = reports;
    return (cold.initDurationMs ?? 0) + cold.durationMs - warm.durationMs;
  } finally {
    await rie.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const out = mkdtempSync(join(tmpdir(), 'strata-coldstart-'));
  try {
    const built = await buildFunctions({ outDir: out });
    const roots: Record<Fn, string> = {
      minimal: join(out, 'minimal'),
      api: dirname(built.find((b) => b.name === 'api')!.file),
      'segment-search': dirname(built.find((b) => b.name === 'segment-search')!.file),
      optimizer: dirname(built.find((b) => b.name === 'optimizer')!.file),
    };
    mkdirSync(roots.minimal, { recursive: true });
    writeFileSync(join(roots.minimal, 'index.mjs'), 'export const handler = async () => ({});\n');
    const bytes = Object.fromEntries(built.map((b) => [b.name, b.bytes]));
    const config = { runs, memoryMiB: 1024, node: process.version, bundles: bytes, events: Object.keys(EVENTS) };
    console.log('coldstart', JSON.stringify(config));
    console.log('machine', JSON.stringify(machineInfo()));

    const samples = new Map<string, number[]>();
    for (let r = 0; r < runs; r++) {
      for (const variant of Object.keys(VARIANTS) as Variant[]) {
        for (const fn of FUNCTIONS) {
          const key = `${variant}|${fn}`;
          samples.set(key, [...(samples.get(key) ?? []), await sample(fn, roots[fn], variant)]);
        }
      }
      process.stdout.write(`run ${r + 1}/${runs} done\n`);
    }

    // ratios are paired within a run (samples taken seconds apart), then the median over runs: the machine's load
    // moves both terms of a pair together
    const paired = (a: number[], b: number[]): number => median(a.map((x, i) => x / b[i]));
    const rows = [];
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      const baseline = samples.get(`${variant}|minimal`)!;
      for (const fn of FUNCTIONS) {
        const own = samples.get(`${variant}|${fn}`)!;
        rows.push({
          variant,
          function: fn,
          bundleKB: fn === 'minimal' ? null : Math.round(bytes[fn] / 1024),
          initMs: median(own),
          vsMinimal: paired(own, baseline),
          vsNoSourceMaps: paired(own, samples.get(`no source maps|${fn}`)!),
          samples: own,
        });
      }
    }
    console.log(
      formatTable(
        ['variant', 'function', 'bundle KB', 'init ms (median)', '÷ minimal', '÷ no source maps'],
        rows.map((r) => [
          r.variant,
          r.function,
          r.bundleKB,
          fixed(r.initMs, 0),
          `${fixed(r.vsMinimal, 2)}x`,
          `${fixed(r.vsNoSourceMaps, 2)}x`,
        ]),
      ),
    );
    console.log(`results: ${writeResults('coldstart', { config, machine: machineInfo(), rows })}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
