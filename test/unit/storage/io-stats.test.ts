import { describe, expect, it } from 'vitest';
import { IoScope, IoStats, track } from '../../../lib/storage/io-stats.js';
import { MemoryStore } from '../../support/memory-store.js';
import { describeObjectStoreConformance } from '../../support/store-conformance.js';

describeObjectStoreConformance('in-memory test double', async () => ({ store: new MemoryStore(1) }));

describe('IoScope rounds', () => {
  const store = new MemoryStore(2);
  const enc = (s: string) => new TextEncoder().encode(s);

  it('counts a chain of dependent reads as one round each, a concurrent batch as one', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.put(k, enc(k))));
    const io = new IoScope();
    await store.get('a', { io });
    await store.get('b', { io });
    expect(io.rounds).toBe(2);
    await Promise.all([store.get('c', { io }), store.head('d', { io }), store.list('', { io })]);
    expect(io.snapshot()).toMatchObject({ rounds: 3, gets: 3, heads: 1, lists: 1, bytesIn: 3 });
  });

  it('counts a request started after another finished as a later round, even if issued in one Promise.all', async () => {
    const io = new IoScope();
    await Promise.all([store.get('a', { io }), store.get('a', { io }).then(() => store.get('b', { io }))]);
    expect(io.rounds).toBe(2);
  });

  it('charges a failed request as a round and an error, and a join as a round without a request', async () => {
    const stats = new IoStats();
    const io = new IoScope();
    await expect(track(stats, io, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(io.snapshot()).toMatchObject({ rounds: 1, errors: 1, gets: 0 });
    expect(stats.snapshot().errors).toBe(1);
    await io.join(Promise.resolve(1));
    expect(io.snapshot()).toMatchObject({ rounds: 2, sharedWaits: 1, gets: 0 });
  });
});
