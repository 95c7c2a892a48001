/**
 * The local trigger's idle seal: points below the threshold used to stay in the WAL forever on a local server (no
 * schedule there), so the collection never turned `green` and a client waiting for it hung.
 */
import { describe, expect, it, vi } from 'vitest';
import { LocalOptimizerTrigger } from '../../../lib/runtime/optimizer-trigger.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LocalOptimizerTrigger idle seal', () => {
  it('seals points below the threshold once writes stop for idleMs', async () => {
    const optimize = vi.fn().mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 1000, debounceMs: 1, idleMs: 40 });
    trigger.afterWrite('a', 3);
    await tick(20);
    trigger.afterWrite('a', 3);
    await tick(25);
    expect(optimize).not.toHaveBeenCalled(); // the second write re-armed the timer
    await tick(40);
    await trigger.flush();
    expect(optimize).toHaveBeenCalledExactlyOnceWith('a');
    await trigger.close();
  });

  it('arms nothing when the threshold already fired, and nothing after close', async () => {
    const optimize = vi.fn().mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 5, debounceMs: 1, idleMs: 20 });
    trigger.afterWrite('a', 5);
    await trigger.flush();
    await tick(40);
    expect(optimize).toHaveBeenCalledTimes(1);
    trigger.afterWrite('b', 1);
    await trigger.close();
    await tick(40);
    expect(optimize.mock.calls).toEqual([['a']]);
  });

  it('runs again at once while a bounded run left WAL slices or rebuilds, and stops when nothing is left', async () => {
    const results = [{ pendingWal: 3, pendingRebuilds: 0 }, { pendingWal: 0, pendingRebuilds: 1 }, {}];
    const optimize = vi.fn(async () => results.shift());
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 1, debounceMs: 1, idleMs: 0 });
    trigger.afterWrite('a', 1);
    for (let i = 0; i < 20 && optimize.mock.calls.length < 3; i++) await tick(5);
    await trigger.flush();
    expect(optimize).toHaveBeenCalledTimes(3);
    await tick(20);
    expect(optimize).toHaveBeenCalledTimes(3);
    await trigger.close();
  });
});
