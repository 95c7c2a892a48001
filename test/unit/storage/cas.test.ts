import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { casUpdate } from '../../../lib/storage/cas.js';
import type { CasOptions } from '../../../lib/storage/cas.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { PreconditionFailedError, isAmbiguousWrite } from '../../../lib/storage/object-store.js';
import { MemoryStore } from '../../support/memory-store.js';

/** A set of writer names, stored as sorted JSON: each writer's change adds its own name. */
type Names = string[];
const codec = {
  decode: (b: Uint8Array): Names => JSON.parse(new TextDecoder().decode(b)) as Names,
  encode: (v: Names): Uint8Array => new TextEncoder().encode(JSON.stringify([...v].sort())),
};
const add =
  (name: string) =>
  (current: Names | null): Names | null =>
    current?.includes(name) === true ? null : [...(current ?? []), name];

function opts(name: string, extra: Partial<CasOptions<Names>> = {}): CasOptions<Names> {
  return { ...codec, change: add(name), sleep: async () => undefined, ...extra };
}

async function read(store: MemoryStore, key: string): Promise<Names | null> {
  const got = await store.get(key);
  return got === null ? null : codec.decode(got.body);
}

describe('casUpdate', () => {
  it('creates a missing object with a create-only put, and writes nothing when the change is null', async () => {
    const store = new MemoryStore();
    const first = await casUpdate(store, 'obj', opts('a'));
    expect(first).toMatchObject({ value: ['a'], written: true, attempts: 1 });
    const again = await casUpdate(store, 'obj', opts('a'));
    expect(again).toMatchObject({ value: ['a'], written: false, etag: first.etag });
    expect(store.stats.snapshot().puts).toBe(1);
  });

  it('re-reads and re-applies the change to the winner’s value after losing a race', async () => {
    const inner = new MemoryStore();
    await casUpdate(inner, 'obj', opts('base'));
    const store = new FaultStore(inner);
    const gate = store.gate({ op: 'put', limit: 1 }); // hold A's first put, after A has read 'base'
    const a = casUpdate(store, 'obj', opts('A'));
    await gate.reached();
    await casUpdate(inner, 'obj', opts('B')); // B commits meanwhile
    gate.release();
    const result = await a;
    expect(result.attempts).toBe(2);
    expect(await read(inner, 'obj')).toEqual(['A', 'B', 'base']);
  });

  it('gives up with a conflict after maxAttempts lost races, backing off with full jitter below the cap', async () => {
    const inner = new MemoryStore();
    await casUpdate(inner, 'obj', opts('base'));
    const store = new FaultStore(inner);
    store.inject({ op: 'put', effect: 'fail', error: () => new PreconditionFailedError('injected lost race') });
    const delays: number[] = [];
    const err = await casUpdate(
      store,
      'obj',
      opts('A', {
        maxAttempts: 5,
        baseDelayMs: 10,
        maxDelayMs: 40,
        random: () => 0.999,
        sleep: async (ms) => void delays.push(ms),
      }),
    ).catch((e: unknown) => e);
    expect(isStrataError(err, 'conflict')).toBe(true);
    expect(store.calls.filter((c) => c.op === 'put')).toHaveLength(5);
    expect(delays.map(Math.round)).toEqual([20, 40, 40, 40]); // min(cap, base·2^attempt) × random
  });

  it('counts an ambiguous write that landed as done, and does not apply the change twice', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner);
    store.inject({ op: 'put', nth: 1, effect: 'applied-then-ambiguous' });
    let counter = 0;
    const result = await casUpdate<number>(store, 'n', {
      decode: (b) => Number(new TextDecoder().decode(b)),
      encode: (n) => new TextEncoder().encode(String(n)),
      change: (n) => (n ?? 0) + 1,
      onCommit: (v) => (counter = v),
    });
    expect(result).toMatchObject({ value: 1, written: true });
    expect(counter).toBe(1);
    expect(new TextDecoder().decode((await inner.get('n'))!.body)).toBe('1');
  });

  it('surfaces an ambiguous write it cannot judge: landed then superseded looks like lost', async () => {
    const inner = new MemoryStore();
    await casUpdate(inner, 'obj', opts('base'));
    const store = new FaultStore(inner);
    const gate = store.gate({ op: 'put', at: 'after', limit: 1 }); // A's put has landed; its answer is held
    store.inject({ op: 'put', nth: 1, effect: 'applied-then-ambiguous' });
    const a = casUpdate(store, 'obj', opts('A')).catch((e: unknown) => e);
    await gate.reached();
    await casUpdate(inner, 'obj', opts('B')); // B builds on A's landed write
    gate.release();
    const err = await a;
    expect(isAmbiguousWrite(err)).toBe(true);
    expect(await read(inner, 'obj')).toEqual(['A', 'B', 'base']);
  });

  it('with an isApplied judge, finishes an ambiguous write that landed and was superseded', async () => {
    const inner = new MemoryStore();
    await casUpdate(inner, 'obj', opts('base'));
    const store = new FaultStore(inner);
    const gate = store.gate({ op: 'put', at: 'after', limit: 1 });
    store.inject({ op: 'put', nth: 1, effect: 'applied-then-ambiguous' });
    const a = casUpdate(store, 'obj', opts('A', { isApplied: (stored) => stored.includes('A') }));
    await gate.reached();
    await casUpdate(inner, 'obj', opts('B'));
    gate.release();
    expect(await a).toMatchObject({ written: true, value: ['A', 'B', 'base'] });
    expect(inner.stats.snapshot().puts).toBe(3); // base, A, B: A was not written twice
  });

  it('with an isApplied judge, retries an ambiguous write that did not land', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner);
    store.inject({ op: 'put', nth: 1, effect: 'ambiguous-not-applied' });
    const result = await casUpdate(store, 'obj', opts('A', { isApplied: (stored) => stored.includes('A') }));
    expect(result).toMatchObject({ written: true, value: ['A'], attempts: 2 });
  });

  it('with an isApplied judge, an ambiguous write that did not land while another writer committed is redone on top', async () => {
    const inner = new MemoryStore();
    await casUpdate(inner, 'obj', opts('base'));
    const store = new FaultStore(inner);
    const gate = store.gate({ op: 'put', limit: 1 }); // A has read 'base'; its put waits
    store.inject({ op: 'put', nth: 1, effect: 'ambiguous-not-applied' });
    const a = casUpdate(store, 'obj', opts('A', { isApplied: (stored) => stored.includes('A') }));
    await gate.reached();
    await casUpdate(inner, 'obj', opts('B')); // B commits from the same base
    gate.release();
    expect(await a).toMatchObject({ written: true, attempts: 2 });
    expect(await read(inner, 'obj')).toEqual(['A', 'B', 'base']);
  });

  it('passes other failures through untouched', async () => {
    const store = new FaultStore(new MemoryStore());
    store.inject({ op: 'get', nth: 1 });
    await expect(casUpdate(store, 'obj', opts('A'))).rejects.toSatisfy((e) => isStrataError(e, 'unavailable'));
    await expect(
      casUpdate(store, 'obj', {
        ...opts('A'),
        change: () => {
          throw new Error('rule says no');
        },
      }),
    ).rejects.toThrow('rule says no');
  });
});
