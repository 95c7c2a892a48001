import { configDefaults, defineConfig } from 'vitest/config';

/** Suites too slow for every `npm test` (tens of minutes on 2 cores); `npm run test:slow` runs them. */
export const SLOW_TESTS = 'test/**/*.slow.test.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, SLOW_TESTS],
    // LocalStack and moto run from .venv-test/, which this creates on the first run (see test/support/python-env.ts)
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration suites start real servers on loopback; keep the 2-core machine from thrashing.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
