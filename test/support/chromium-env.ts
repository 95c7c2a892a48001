/**
 * The browser of the dashboard test (test/e2e/dashboard-browser.test.ts), provisioned by the test set-up the way
 * python-env.ts provisions Python: vitest's globalSetup calls `ensureChromium()` once per run. Debian's `chromium`
 * package is the browser; `playwright-core` drives it through `executablePath` and never downloads one of its own.
 *
 * Invariants:
 * - An installed chromium is used as is (nothing is touched when `chromium --version` answers).
 * - A missing one is installed with apt (`apt-get install -y chromium`, after one `apt-get update` if the first try
 *   fails, waiting for dpkg's lock if another apt holds it) when apt is there and we may use it (root, or `sudo -n`).
 *   Otherwise the set-up says why and the browser test skips with that reason: a machine without apt cannot run it,
 *   and says so instead of failing elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

/** The system chromium's path, or null when none answers `--version`. */
export function findChromium(): string | null {
  for (const c of CANDIDATES) {
    if (!existsSync(c)) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return c;
  }
  return null;
}

export type ChromiumProvision = { path: string } | { path: null; reason: string };

/** What provisioning needs from the machine; tests pass a fake one (test/unit/chromium-env.test.ts). */
export interface ChromiumHost {
  find(): string | null;
  /** runs a command to completion; true when it exited 0 */
  run(command: string, args: string[]): boolean;
  isRoot: boolean;
}

const systemHost: ChromiumHost = {
  find: findChromium,
  run: (command, args) =>
    spawnSync(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    }).status === 0,
  isRoot: typeof process.getuid !== 'function' || process.getuid() === 0,
};

// another apt run (an engineer's, unattended-upgrades) holds dpkg's lock for a while: wait for it, not fail
const APT_OPTIONS = ['-o', 'DPkg::Lock::Timeout=600'];
const INSTALL = [...APT_OPTIONS, 'install', '-y', '--no-install-recommends', 'chromium'];
const UPDATE = [...APT_OPTIONS, 'update'];

/**
 * Finds chromium, installing Debian's package when it is missing and apt is usable (see the header): as root, or
 * through `sudo -n` (never a password prompt) when that works. A fresh image has no package lists, so a failed
 * install is retried once after `apt-get update`.
 */
export function ensureChromium(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  host: ChromiumHost = systemHost,
): ChromiumProvision {
  const found = host.find();
  if (found !== null) return { path: found };
  if (!host.run('apt-get', ['--version'])) {
    return { path: null, reason: 'chromium is not installed and apt-get is unavailable to install it' };
  }
  let apt = (args: string[]) => host.run('apt-get', args);
  if (!host.isRoot) {
    if (!host.run('sudo', ['-n', 'apt-get', '--version'])) {
      return { path: null, reason: 'chromium is not installed and installing it with apt-get needs root (or sudo -n)' };
    }
    apt = (args) => host.run('sudo', ['-n', 'apt-get', ...args]);
  }
  log('strata tests: installing Debian chromium for the dashboard browser test (first run only)...');
  const started = Date.now();
  const installed = apt(INSTALL) || (apt(UPDATE) && apt(INSTALL));
  const path = installed ? host.find() : null;
  if (path === null) return { path: null, reason: 'apt-get could not install chromium' };
  log(`strata tests: chromium installed in ${Math.round((Date.now() - started) / 1000)} s (${path})`);
  return { path };
}

if (process.argv[1]?.endsWith('chromium-env.ts')) {
  const r = ensureChromium();
  console.log(r.path ?? r.reason);
}
