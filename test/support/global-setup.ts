/**
 * vitest globalSetup: runs once per `vitest run`, before any test file, in the main process. It provisions what the
 * tests need from outside the repository here rather than in a test's beforeAll, so a fresh machine pays the one-time
 * installs outside every hook timeout and only once, not once per worker:
 * - the Python environments of the S3 servers (test/support/python-env.ts);
 * - Debian's chromium for the dashboard browser test (test/support/chromium-env.ts; a machine without apt gets a
 *   message and that test skips);
 * - the Go toolchain (test/support/go-env.ts) for the Lambda emulator and the Go client e2e;
 * - the dashboard's static build in dist/dashboard (scripts/build-dashboard.ts, about a second), which the servers
 *   the tests start serve at /dashboard.
 */
import { buildDashboard } from '../../scripts/build-dashboard.js';
import { ensureChromium } from './chromium-env.js';
import { ensureGo } from './go-env.js';
import { ensureTestPythons } from './python-env.js';

export default async function setup(): Promise<void> {
  ensureTestPythons();
  const chromium = ensureChromium();
  if (chromium.path === null)
    process.stderr.write(`strata tests: the dashboard browser test will skip: ${chromium.reason}\n`);
  const go = await ensureGo();
  if (go !== null)
    process.stderr.write(`strata tests: the Go client test will skip and the emulator tests fail: ${go}\n`);
  await buildDashboard();
}
