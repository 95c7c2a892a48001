import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { isAmbiguousWrite } from '../../../lib/storage/object-store.js';
import { MemoryStore } from '../../support/memory-store.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('FaultStore', () => {
  it('fails only the nth matching call, before it reaches the inner store', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner);
    store.inject({ op: 'put', key: /^wal\//, nth: 2 });
    await store.put('wal/1', enc('a'));
    await store.put('other', enc('x')); // does not match: not counted
    await expect(store.put('wal/2', enc('b'))).rejects.toSatisfy((e) => isStrataError(e, 'unavailable'));
    await store.put('wal/3', enc('c'));
    expect((await inner.list('')).map((e) => e.key)).toEqual(['other', 'wal/1', 'wal/3']);
    expect(store.calls.map((c) => `${c.op} ${c.key}`)).toEqual(['put wal/1', 'put other', 'put wal/2', 'put wal/3']);
  });

  it('fails every matching call up to `times`, with the error asked for', async () => {
    const store = new FaultStore(new MemoryStore());
    const remove = store.inject({ op: ['get', 'head'], key: 'k', times: 2, error: () => new Error('boom') });
    await expect(store.get('k')).rejects.toThrow('boom');
    await expect(store.head('k')).rejects.toThrow('boom');
    expect(await store.get('k')).toBeNull();
    remove();
  });

  it('reports a write that landed as ambiguous, or one that did not', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner);
    store.inject({ op: 'put', key: 'landed', effect: 'applied-then-ambiguous' });
    store.inject({ op: 'put', key: 'lost', effect: 'ambiguous-not-applied' });
    expect(isAmbiguousWrite(await store.put('landed', enc('1')).catch((e: unknown) => e))).toBe(true);
    expect(isAmbiguousWrite(await store.put('lost', enc('1')).catch((e: unknown) => e))).toBe(true);
    expect(await inner.head('landed')).not.toBeNull();
    expect(await inner.head('lost')).toBeNull();
  });

  it('holds callers at a gate until released, before or after the inner call', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner);
    const before = store.gate({ op: 'put', key: 'a' });
    const after = store.gate({ op: 'put', key: 'b', at: 'after' });
    let doneA = false;
    let doneB = false;
    const pa = store.put('a', enc('1')).then(() => (doneA = true));
    const pb = store.put('b', enc('2')).then(() => (doneB = true));
    await before.reached();
    await after.reached();
    expect(await inner.head('a')).toBeNull(); // held before: not written yet
    expect(await inner.head('b')).not.toBeNull(); // held after: written, caller not answered
    expect([doneA, doneB]).toEqual([false, false]);
    before.release();
    after.release();
    await Promise.all([pa, pb]);
    expect([doneA, doneB]).toEqual([true, true]);
  });
});
