/**
 * vitest globalSetup: runs once per `vitest run`, before any test file, in the main process. It provisions the Python
 * environments of the S3 servers (test/support/python-env.ts) here rather than in a test's beforeAll, so a fresh
 * machine pays the one-time install outside every hook timeout and only once, not once per worker.
 */
import { ensureTestPythons } from './python-env.js';

export default function setup(): void {
  ensureTestPythons();
}
