/**
 * `CollectionOptimizer.optimizeUntil(deadline)`: the one continuation loop (the optimizer function and the local
 * trigger both run it). Bounded rebuilds continue pass after pass while the deadline allows; an expired deadline
 * still gets one pass (it seals), and what is left is reported for the next run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../../lib/collection/optimizer.js';
import { Deadline } from '../../../lib/model/deadline.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Three sealed unindexed segments, made stale by lowering indexing_threshold. */
async function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(8, 'Euclid', { segments: 3, indexingKb: 20_000 }));
  const vectors = randomVectors(300, 8, 3);
  await svc.upsertPoints(
    'c',
    vectors.map((v, i) => ({ id: i, vector: v })),
    true,
  );
  const optimizer = new CollectionOptimizer({
    store: t.store,
    skipGc: true,
    rebuild: { segments: 1, points: 1_000_000 },
  });
  expect(await optimizer.hasWork('c')).toBe(true); // unsealed WAL
  const sealed = await optimizer.optimizeUntil('c');
  expect(sealed).toMatchObject({ passes: 1, sealedWal: 1, rebuilt: 0, pendingRebuilds: 0 });
  expect(await optimizer.hasWork('c')).toBe(false);
  await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
  expect(await optimizer.hasWork('c')).toBe(true); // stale segments
  return { svc, optimizer };
}

describe('optimizeUntil', () => {
  it('continues bounded rebuilds until none is pending', async () => {
    const { svc, optimizer } = await setup();
    const run = await optimizer.optimizeUntil('c', Deadline.never());
    expect(run).toMatchObject({ passes: 3, rebuilt: 3, pendingRebuilds: 0 });
    expect(run.removed).toHaveLength(3);
    expect(await optimizer.hasWork('c')).toBe(false);
    expect((await svc.getCollection('c')).status).toBe('green');
  });

  it('stops at the deadline after the pass it is in, and reports what is left', async () => {
    const { optimizer } = await setup();
    const first = await optimizer.optimizeUntil('c', Deadline.in(0));
    expect(first).toMatchObject({ passes: 1, rebuilt: 1, pendingRebuilds: 2 });
    const rest = await optimizer.optimizeUntil('c');
    expect(rest).toMatchObject({ passes: 2, rebuilt: 2, pendingRebuilds: 0 });
  });

  it('a collection that does not exist has no work, and a run on it is not_found', async () => {
    const { optimizer } = await setup();
    expect(await optimizer.hasWork('nope')).toBe(false);
    await expect(optimizer.optimizeUntil('nope')).rejects.toMatchObject({ kind: 'not_found' });
  });
});
