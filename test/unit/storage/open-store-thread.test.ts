/**
 * The S3 store opens inside a worker thread started the way LocalInvoker starts its threads (piscina + execArgvFor,
 * tsx in dev). It used not to: the thread ran the modules as CommonJS, the lazy import() of s3-store missed tsx's
 * resolver, and `npm start` with STRATA_BUCKET answered every query over sealed segments with 503.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { execArgvFor } from '../../../lib/runtime/worker-script.js';

describe('openObjectStore in a worker thread', () => {
  it('loads the S3 store lazily in the thread', async () => {
    const filename = fileURLToPath(new URL('../../support/open-store-thread.ts', import.meta.url));
    const pool = new Piscina({ filename, execArgv: execArgvFor(filename), minThreads: 1, maxThreads: 1 });
    try {
      expect(await pool.run('in-a-thread')).toBe('s3://in-a-thread/');
    } finally {
      await pool.destroy();
    }
  });
});
