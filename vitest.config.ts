import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // LocalStack and moto run from .venv-test/, which this creates on the first run (see test/support/python-env.ts)
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration suites start real servers on loopback; keep the 2-core machine from thrashing.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
