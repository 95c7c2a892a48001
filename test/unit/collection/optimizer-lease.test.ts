/**
 * One optimizer at a time per collection (optimizer-lease.ts) and runs bounded to commit in time (optimizer.ts
 * `sealSlice`): two runs started together -> one does the work, the other exits cleanly with `skipped: 'leased'`;
 * a crashed holder's lease frees the collection at its expiry; a large WAL tail is sealed a slice per pass, each
 * pass committing, and a query sees every write in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, optimizerLeaseKey } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../../lib/collection/optimizer.js';
import { releaseLease, takeLease } from '../../../lib/collection/optimizer-lease.js';
import { Deadline } from '../../../lib/model/deadline.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, service, tempStore } from '../../support/collection-harness.js';

const C = collectionPrefix('', 'c');
const LEASE = optimizerLeaseKey(C);
const T0 = 1_800_000_000_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A collection with `batches` unsealed write batches of one point each, over a folder store behind a FaultStore. */
async function setup(batches: number) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
  for (let i = 0; i < batches; i++) await svc.upsertPoints('c', [{ id: i, vector: [i, 1, 0, 0] }], true);
  return { store: t.store, faults, svc };
}

const everything = {
  vector: [0, 0, 0, 0],
  limit: 100,
  offset: 0,
  params: { exact: true },
  with_payload: false,
  with_vector: false,
};

describe('optimizer lease', () => {
  it('two runs started together: one seals, the other exits cleanly with skipped: leased', async () => {
    const { faults } = await setup(3);
    // both read "no lease" before either writes one: the conditional PUT decides, not the timing
    const gate = faults.gate({ op: 'get', key: LEASE, limit: 2 });
    const a = new CollectionOptimizer({ store: faults, skipGc: true });
    const b = new CollectionOptimizer({ store: faults, skipGc: true });
    const runs = Promise.all([a.optimizeUntil('c'), b.optimizeUntil('c')]);
    await gate.reached(2);
    gate.release();
    const [ra, rb] = await runs;
    const [worked, skipped] = ra.skipped === undefined ? [ra, rb] : [rb, ra];
    expect(worked).toMatchObject({ passes: 1, sealedWal: 3 });
    expect(worked.skipped).toBeUndefined();
    expect(skipped).toMatchObject({ skipped: 'leased', passes: 0, sealedWal: 0, added: [] });
    // the skipped run never read the manifest past its existence check, nor listed the WAL
    const manifestPuts = faults.calls.filter((c) => c.op === 'put' && c.key === manifestKey(C));
    expect(manifestPuts).toHaveLength(1);
    // released: the next run takes the lease at once and finds nothing to do
    expect(await a.optimizeUntil('c')).toMatchObject({ passes: 1, sealedWal: 0 });
    expect((await a.optimizeUntil('c')).skipped).toBeUndefined();
  });

  it('a crashed holder blocks the collection until its lease expires, then the next run takes it', async () => {
    const { store, svc } = await setup(2);
    let now = T0;
    expect(await takeLease(store, LEASE, 'crashed', now, 60_000)).toBe(true);
    const optimizer = new CollectionOptimizer({ store, skipGc: true, now: () => now });
    expect(await optimizer.optimizeUntil('c')).toMatchObject({ skipped: 'leased', passes: 0 });
    now += 60_001;
    expect(await optimizer.optimizeUntil('c')).toMatchObject({ passes: 1, sealedWal: 2 });
    expect((await svc.query('c', everything)).map((h) => h.id).sort()).toEqual([0, 1]);
  });

  it('release frees only the lease it holds', async () => {
    const { store } = await setup(0);
    expect(await takeLease(store, LEASE, 'a', T0, 60_000)).toBe(true);
    expect(await takeLease(store, LEASE, 'b', T0 + 1, 60_000)).toBe(false);
    await releaseLease(store, LEASE, 'b');
    expect(await takeLease(store, LEASE, 'b', T0 + 2, 60_000)).toBe(false);
    // the holder renews its own lease
    expect(await takeLease(store, LEASE, 'a', T0 + 3, 60_000)).toBe(true);
    await releaseLease(store, LEASE, 'a');
    expect(await takeLease(store, LEASE, 'b', T0 + 4, 60_000)).toBe(true);
  });

  it('a run over a collection that does not exist is not_found and leaves no lease object', async () => {
    const { store } = await setup(0);
    const optimizer = new CollectionOptimizer({ store, skipGc: true });
    await expect(optimizer.optimizeUntil('gone')).rejects.toMatchObject({ kind: 'not_found' });
    expect(await store.head(optimizerLeaseKey(collectionPrefix('', 'gone')))).toBeNull();
  });
});

describe('sealing in slices', () => {
  it('a tail larger than a slice is sealed a slice per pass, each pass committing, oldest first', async () => {
    const { store, svc } = await setup(5);
    const optimizer = new CollectionOptimizer({ store, skipGc: true, sealSlice: 2 });
    const epoch0 = (await loadManifest(store, manifestKey(C)))!.manifest.epoch;
    const run = await optimizer.optimizeUntil('c');
    expect(run).toMatchObject({ passes: 3, sealedWal: 5, pendingWal: 0 });
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.epoch).toBe(epoch0 + 3);
    expect(m.sealedWal).toHaveLength(5);
    expect((await svc.query('c', everything)).map((h) => h.id).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await optimizer.hasWork('c')).toBe(false);
  });

  it('a run stopped by its deadline commits its slice and reports what is left; queries still see it all', async () => {
    const { store, svc } = await setup(5);
    const optimizer = new CollectionOptimizer({ store, skipGc: true, sealSlice: 2 });
    const first = await optimizer.optimizeUntil('c', Deadline.in(0));
    expect(first).toMatchObject({ passes: 1, sealedWal: 2, pendingWal: 3 });
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    // the floor stays at or below every object left unsealed, so the next listing still finds them
    const left = (await store.list(`${C}/wal/`))
      .map((k) => k.key)
      .filter((k) => !m.sealedWal.some((s) => k.endsWith(s.name)));
    expect(left).toHaveLength(3);
    expect((await svc.query('c', everything)).map((h) => h.id).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await optimizer.hasWork('c')).toBe(true);
    // an upsert that replaces a sealed point and one still in the WAL: the newest version wins everywhere
    await svc.upsertPoints(
      'c',
      [
        { id: 0, vector: [9, 9, 9, 9] },
        { id: 4, vector: [8, 8, 8, 8] },
      ],
      true,
    );
    const rest = await optimizer.optimizeUntil('c');
    expect(rest).toMatchObject({ sealedWal: 4, pendingWal: 0 });
    const hits = await svc.query('c', { ...everything, with_vector: true });
    expect(hits.map((h) => h.id).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(hits.find((h) => h.id === 0)?.vector).toEqual([9, 9, 9, 9]);
    expect(hits.find((h) => h.id === 4)?.vector).toEqual([8, 8, 8, 8]);
  });
});
