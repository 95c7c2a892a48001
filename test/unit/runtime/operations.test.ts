import { describe, expect, it } from 'vitest';
import { OperationsRecorder } from '../../../lib/runtime/operations.js';
import { zeroCounts } from '../../../lib/storage/io-stats.js';

describe('OperationsRecorder', () => {
  it('lists a run as running only while it runs, then as completed with its outcome', async () => {
    const ops = new OperationsRecorder(zeroCounts);
    let finish!: () => void;
    const run = ops.track('a', () => new Promise<void>((r) => (finish = r)));
    expect(ops.running('a').map((r) => r.status)).toEqual(['optimizing']);
    expect(ops.running('b')).toEqual([]);
    finish();
    await run;
    expect(ops.running()).toEqual([]);
    expect(ops.completed('a').map((r) => r.status)).toEqual(['done']);

    await expect(ops.track('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(ops.running()).toEqual([]);
    // newest first
    expect(ops.completed('a').map((r) => r.status)).toEqual(['error', 'done']);
    expect(ops.optimizerRuns()).toEqual({ ok: 1, failed: 1 });
    expect(ops.pageCache()).toBeNull();
  });

  it('keeps a bounded history of completed runs', async () => {
    const ops = new OperationsRecorder(zeroCounts);
    for (let i = 0; i < 40; i++) await ops.track('a', async () => i);
    expect(ops.completed()).toHaveLength(32);
    expect(ops.optimizerRuns().ok).toBe(40);
  });
});
