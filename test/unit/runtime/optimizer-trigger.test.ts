import { describe, expect, it, vi } from 'vitest';
import { LocalOptimizerTrigger } from '../../../lib/runtime/optimizer-trigger.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LocalOptimizerTrigger', () => {
  it('runs the optimizer once the acknowledged points pass the threshold, not before', async () => {
    const optimize = vi.fn().mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 100, debounceMs: 1 });
    trigger.afterWrite('a', 60);
    await tick(10);
    expect(optimize).not.toHaveBeenCalled();
    trigger.afterWrite('a', 40);
    await trigger.flush();
    expect(optimize).toHaveBeenCalledExactlyOnceWith('a');
    await trigger.close();
  });

  it('counts collections separately', async () => {
    const optimize = vi.fn().mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 10, debounceMs: 1 });
    trigger.afterWrite('a', 6);
    trigger.afterWrite('b', 6);
    trigger.afterWrite('b', 6);
    await trigger.flush();
    expect(optimize.mock.calls).toEqual([['b']]);
    await trigger.close();
  });

  it('coalesces writes during a run into exactly one follow-up run', async () => {
    let release!: () => void;
    const optimize = vi
      .fn()
      .mockImplementationOnce(() => new Promise<void>((r) => (release = r)))
      .mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 1, debounceMs: 1 });
    trigger.afterWrite('a', 1);
    await tick(10);
    for (let i = 0; i < 5; i++) trigger.afterWrite('a', 1);
    release();
    await trigger.flush();
    expect(optimize).toHaveBeenCalledTimes(2);
    await trigger.close();
  });

  it('reports a failed run and keeps working', async () => {
    const errors: unknown[] = [];
    const optimize = vi.fn().mockRejectedValueOnce(new Error('lost CAS')).mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({
      optimize,
      threshold: 1,
      debounceMs: 1,
      onError: (e) => errors.push(e),
    });
    trigger.request('a');
    await trigger.flush();
    trigger.request('a');
    await trigger.flush();
    expect(errors).toHaveLength(1);
    expect(optimize).toHaveBeenCalledTimes(2);
    await trigger.close();
  });

  it('starts nothing after close', async () => {
    const optimize = vi.fn().mockResolvedValue(undefined);
    const trigger = new LocalOptimizerTrigger({ optimize, threshold: 1, debounceMs: 1 });
    await trigger.close();
    trigger.afterWrite('a', 5);
    await trigger.flush();
    expect(optimize).not.toHaveBeenCalled();
  });
});
