/**
 * The benchmarks' own Python: `.venv-bench/qdrant-edge/` (gitignored) holds Qdrant Edge (`qdrant-edge-py`, Qdrant's
 * engine as an embedded library) for the engine benchmark's Qdrant baseline. It is a bench-only environment, apart
 * from the tests' `.venv-test/`, so a benchmark pin never rebuilds the test servers' environments and `npm test` never
 * downloads a benchmark dependency. It reuses the tests' venv-set mechanics (test/support/python-env.ts): built beside
 * its final place, stamped with its pins last, renamed into place; rebuilt whole when a pin changes.
 *
 * Invariant: the version is pinned exactly; Qdrant's figures in a result file are only comparable at one version.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVenvSet, findBasePython } from '../../test/support/python-env.js';

/** qdrant-edge-py's only dependency is its own wheel (abi3); the driver uses no numpy. */
export const BENCH_PYTHON_REQUIREMENTS: readonly string[] = ['qdrant-edge-py==0.9.0'];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_VENV_DIR = join(ROOT, '.venv-bench');

function install(dir: string, python: string): void {
  const venv = join(dir, 'qdrant-edge');
  for (const [cmd, args] of [
    [python, ['-m', 'venv', venv]],
    [join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', ...BENCH_PYTHON_REQUIREMENTS]],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${`${r.stdout}${r.stderr}`.slice(-4000)}`);
  }
}

/** The interpreter of `.venv-bench/qdrant-edge/`, provisioning it first when missing or stale (~10 s). */
export function qdrantEdgePython(log: (text: string) => void = (t) => process.stderr.write(t)): string {
  let python = '';
  ensureVenvSet(
    {
      dir: BENCH_VENV_DIR,
      stamp: `${JSON.stringify({ envs: { 'qdrant-edge': BENCH_PYTHON_REQUIREMENTS } }, null, 2)}\n`,
      required: [join('qdrant-edge', 'bin', 'python')],
      note: () => {
        python = findBasePython();
        return `bench: setting up .venv-bench/ (${BENCH_PYTHON_REQUIREMENTS.join(' ')} from PyPI, ${python})...`;
      },
      build: (dir) => install(dir, python),
    },
    log,
  );
  return join(BENCH_VENV_DIR, 'qdrant-edge', 'bin', 'python');
}
