/**
 * The Python side of the test suite, provisioned by the tests themselves: LocalStack's S3 and moto run from two
 * virtual environments under `.venv-test/` (gitignored), and the official Python client (`qdrant-client`, with
 * LangChain's `langchain-qdrant`) from a third (test/e2e/python-client.test.ts), all created on the first run from a Python >= 3.12 found on the
 * machine and reused while their pinned requirements are unchanged. vitest's globalSetup (test/support/global-setup.ts)
 * calls `ensureTestPythons()` once per run; `testPython()` (used by s3-servers.ts) calls it too, so `npm run
 * localstack` and any other entry point get the same interpreters.
 *
 * | path                          | what                                                                 |
 * |-------------------------------|----------------------------------------------------------------------|
 * | .venv-test/uv/                | venv holding the pinned `uv` (installed by pip): it installs the rest |
 * | .venv-test/localstack/        | localstack-core[runtime] 4.14.0 + cbor2 < 6                          |
 * | .venv-test/moto/              | moto[server] 5.2.1                                                   |
 * | .venv-test/clients/           | qdrant-client 1.20.0, langchain-qdrant 1.1.0 (test/e2e/python-client) |
 * |                               | + qdrant-edge-py 0.9.0: Qdrant's BM25 embedder (the BM25 parity       |
 * |                               |   oracle) and engine (quantization recall references)                |
 * |                               | + llama-index-vector-stores-qdrant 0.10.4 / llama-index-core 0.14.25: |
 * |                               |   LlamaIndex's hybrid mode (test/e2e/python-langchain-hybrid)         |
 * | .venv-test/requirements.stamp | the pins above; a different stamp means "rebuild everything"         |
 *
 * Invariants:
 * - Separate environments: localstack-core depends on `moto-ext`, LocalStack's fork, which installs the same
 *   `moto` package directory as moto itself; in one environment whichever is installed last silently wins. The
 *   clients get their own so their pins (pydantic, httpx, protobuf) never move a server's.
 * - The clients' pins are what PyPI serves as newest: qdrant-client 1.20.0 (its server-compatibility check passes
 *   against Strata's 1.19), langchain-qdrant 1.1.0, and langchain-core 1.8.3, the newest whose own dependencies
 *   (langchain-protocol) PyPI can satisfy.
 * - `.venv-test/` only ever holds a complete set: it is built in `.venv-test.partial-<pid>/`, stamped last, then
 *   renamed into place, so an interrupted run leaves no half environment and two concurrent runs cannot mix theirs.
 *   Renaming keeps a venv usable because its interpreter finds `pyvenv.cfg` beside itself; only console-script
 *   shebangs would break, so servers are started as `python -m <module>`.
 * - uv, not pip, installs the servers' dependencies: ~1 minute instead of ~6 on this network, and its cache
 *   (~/.cache/uv) makes a rebuild take seconds. Everything comes from PyPI; uv is told never to download a Python.
 * - LocalStack 4.14 needs Python >= 3.12 (PEP 695 syntax although its metadata says >= 3.10) and cbor2 < 6 (it imports
 *   cbor2._decoder, gone in cbor2 6).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TestPythonKind = 'localstack' | 'moto' | 'clients';

/** Exact pins; changing any of them rebuilds `.venv-test/` on the next run. */
export const TEST_PYTHON_REQUIREMENTS: Readonly<Record<TestPythonKind, readonly string[]>> = {
  localstack: ['localstack-core[runtime]==4.14.0', 'cbor2<6'],
  moto: ['moto[server]==5.2.1'],
  clients: [
    'qdrant-client==1.20.0',
    'langchain-qdrant==1.1.0',
    'langchain-core==1.8.3',
    'qdrant-edge-py==0.9.0',
    'llama-index-vector-stores-qdrant==0.10.4',
    'llama-index-core==0.14.25',
  ],
};
export const UV_REQUIREMENT = 'uv==0.13.9';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEST_VENV_DIR = join(ROOT, '.venv-test');
const STAMP_FILE = 'requirements.stamp';

/** What the stamp records: every pin that shapes the environments. */
export function requirementsStamp(): string {
  return `${JSON.stringify({ uv: UV_REQUIREMENT, envs: TEST_PYTHON_REQUIREMENTS }, null, 2)}\n`;
}

function pythonIn(venv: string): string {
  return join(venv, 'bin', 'python');
}

/** Interpreters to try, best first: the versioned names, pyenv's 3.12+ (newest first), then plain python3. */
function basePythonCandidates(): string[] {
  const candidates = ['python3.13', 'python3.12'];
  const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (existsSync(pyenv)) {
    const versions = readdirSync(pyenv)
      .filter((v) => /^3\.(1[2-9]|[2-9]\d)(\.|$)/.test(v))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    for (const v of versions) candidates.push(join(pyenv, v, 'bin', 'python3'));
  }
  candidates.push('python3');
  return candidates;
}

/**
 * The first Python >= 3.12 on this machine that can create a venv with pip, as an absolute path (a pyenv shim or a
 * bare name is resolved to the interpreter behind it); throws listing what was tried.
 */
export function findBasePython(): string {
  const check =
    'import sys, venv, ensurepip; sys.exit(1) if sys.version_info < (3, 12) else print(sys.executable, end="")';
  const candidates = basePythonCandidates();
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', check], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0 && r.stdout) return r.stdout;
  }
  throw new Error(
    `The tests need a Python >= 3.12 with venv and ensurepip for LocalStack 4.14 and moto; tried ${candidates.join(', ')}`,
  );
}

function run(command: string, args: string[], what: string): void {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, UV_PYTHON_DOWNLOADS: 'never', UV_NO_PROGRESS: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-4000);
    throw new Error(
      `${what} failed (${r.error?.message ?? `exit ${r.status}`}): ${command} ${args.join(' ')}\n${output}`,
    );
  }
}

/** Builds the environments in `dir` from the base interpreter `python`. */
function buildTestPythons(dir: string, python: string): void {
  const uvVenv = join(dir, 'uv');
  run(python, ['-m', 'venv', uvVenv], 'creating the uv venv');
  run(pythonIn(uvVenv), ['-m', 'pip', 'install', '--quiet', UV_REQUIREMENT], `pip install ${UV_REQUIREMENT}`);
  const uv = join(uvVenv, 'bin', 'uv');
  for (const [kind, requirements] of Object.entries(TEST_PYTHON_REQUIREMENTS)) {
    const venv = join(dir, kind);
    run(uv, ['venv', '--quiet', '--python', python, venv], `creating the ${kind} venv`);
    run(uv, ['pip', 'install', '--quiet', '--python', pythonIn(venv), ...requirements], `installing ${kind}`);
  }
}

/** A folder of environments that is rebuilt whole when its stamp changes. */
export interface VenvSet {
  /** where the set lives; partial builds go beside it as `<dir>.partial-<pid>` */
  dir: string;
  /** what the set was built from, compared with `<dir>/requirements.stamp` */
  stamp: string;
  /** files (relative to dir) that must resolve for the set to be usable, e.g. each venv's bin/python */
  required: readonly string[];
  /** the one-line note printed before a build */
  note: () => string;
  /** fills an empty folder with the set; throws on failure */
  build: (dir: string) => void;
}

export interface EnsureResult {
  /** false when the set was already current (the usual case: one stamp read) */
  provisioned: boolean;
  ms: number;
}

/** True when `dir` holds a complete set built from `set.stamp` whose required files still resolve. */
function isCurrent(set: VenvSet, dir: string): boolean {
  try {
    if (readFileSync(join(dir, STAMP_FILE), 'utf8') !== set.stamp) return false;
  } catch {
    return false;
  }
  // existsSync follows a venv's symlink to its base interpreter: false once that Python was removed
  return set.required.every((f) => existsSync(join(dir, f)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes partial builds left by runs that were killed (their pid is gone). */
function removeAbandonedPartials(set: VenvSet): void {
  const prefix = `${basename(set.dir)}.partial-`;
  for (const name of readdirSync(dirname(set.dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^\d+/.exec(name.slice(prefix.length))?.[0]);
    if (!Number.isInteger(pid) || !alive(pid)) rmSync(join(dirname(set.dir), name), { recursive: true, force: true });
  }
}

/**
 * Makes `set.dir` current: a no-op when its stamp matches, else builds a fresh set beside it, stamps it last and
 * renames it into place (see the header), with a one-line note on `log`.
 */
export function ensureVenvSet(set: VenvSet, log: (text: string) => void): EnsureResult {
  const started = Date.now();
  if (isCurrent(set, set.dir)) return { provisioned: false, ms: Date.now() - started };
  mkdirSync(dirname(set.dir), { recursive: true });
  removeAbandonedPartials(set);
  log(set.note());
  const partial = `${set.dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  try {
    set.build(partial);
    writeFileSync(join(partial, STAMP_FILE), set.stamp);
    // Another run may have finished first: keep its (equally current) set and drop ours.
    if (isCurrent(set, set.dir)) rmSync(partial, { recursive: true, force: true });
    else {
      const stale = `${partial}-stale`;
      if (existsSync(set.dir)) renameSync(set.dir, stale);
      renameSync(partial, set.dir);
      rmSync(stale, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    log(' failed\n');
    throw e;
  }
  const ms = Date.now() - started;
  log(` done in ${Math.round(ms / 1000)} s\n`);
  return { provisioned: true, ms };
}

/**
 * Makes `.venv-test/` current (about a minute on a fresh machine, seconds with a warm uv cache, one stamp read
 * otherwise).
 */
export function ensureTestPythons(log: (text: string) => void = (t) => process.stderr.write(t)): EnsureResult {
  // Found only when a build is due, so a current set costs no interpreter probes.
  let python = '';
  return ensureVenvSet(
    {
      dir: TEST_VENV_DIR,
      stamp: requirementsStamp(),
      required: (Object.keys(TEST_PYTHON_REQUIREMENTS) as TestPythonKind[]).map((k) => join(k, 'bin', 'python')),
      note: () => {
        python = findBasePython();
        return (
          `strata tests: setting up .venv-test/ (LocalStack 4.14, moto 5.2.1, qdrant-client 1.20 from PyPI, ${python}); ` +
          'first run only, about 1-2 minutes...'
        );
      },
      build: (dir) => buildTestPythons(dir, python),
    },
    log,
  );
}

/** The interpreter of one environment (a server's, or the clients'), provisioning `.venv-test/` first when needed. */
export function testPython(kind: TestPythonKind): string {
  ensureTestPythons();
  return pythonIn(join(TEST_VENV_DIR, kind));
}
