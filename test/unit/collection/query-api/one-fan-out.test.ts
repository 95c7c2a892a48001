/**
 * A multi-stage query is planned so each worker runs every leaf of the prefetch tree in ONE invocation
 * (task-contract.ts `searches`), and each leaf's candidates equal those of the same search run on its own.
 */
import type { VectorParams } from '../../../../lib/model/collection-config.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../../../lib/collection/optimizer.js';
import { emptyQueryStats } from '../../../../lib/collection/query.js';
import type { UniversalQuery } from '../../../../lib/model/query.js';
import { IoScope } from '../../../../lib/storage/io-stats.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const node = (vector: number[], limit: number) => ({
  prefetch: [],
  query: { kind: 'nearest' as const, input: { vector } },
  using: '',
  params: { exact: true },
  limit,
});

describe('one fan-out per multi-stage query', () => {
  it('three prefetch leaves cost the tasks of one plain query, and fuse the same lists', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store, 4));
    await svc.createCollection('c', config(6, 'Dot', { segments: 4 }));
    const vs = randomVectors(400, 6, 9);
    await svc.upsertPoints(
      'c',
      vs.map((v, id) => ({ id, vector: v })),
      true,
    );
    // placed on the 4 workers as the coordinator's optimizer places them (autoSegments = K)
    await new CollectionOptimizer({ store: t.store, skipGc: true, workers: 4 }).optimizeUntil('c');
    await svc.upsertPoints(
      'c',
      randomVectors(30, 6, 10).map((v, i) => ({ id: 1000 + i, vector: v })),
      true,
    );

    const qs = randomVectors(3, 6, 11);
    const plain = emptyQueryStats();
    const single = await svc.query(
      'c',
      { vector: qs[0], limit: 20, offset: 0, params: { exact: true }, with_payload: false, with_vector: false },
      { stats: plain },
    );
    const fused: UniversalQuery = {
      prefetch: qs.map((q) => node(q, 20)),
      query: { kind: 'fusion', method: 'rrf' },
      using: '',
      params: { exact: false },
      limit: 10,
      offset: 0,
      with_payload: false,
      with_vector: false,
    };
    const stats = emptyQueryStats();
    const [got] = await svc.queryUniversal('c', [fused], { stats });
    expect(plain.tasks).toBe(4);
    expect(stats.tasks).toBe(plain.tasks);
    expect(stats.segments).toBe(4);

    // the reference: each leaf as its own plain query, fused by Qdrant's RRF (k = 2)
    const lists = await Promise.all(
      qs.map((q) =>
        svc.query('c', {
          vector: q,
          limit: 20,
          offset: 0,
          params: { exact: true },
          with_payload: false,
          with_vector: false,
        }),
      ),
    );
    expect(lists[0].map((p) => p.id)).toEqual(single.map((p) => p.id));
    const sum = new Map<number | string, number>();
    for (const l of lists) l.forEach((p, i) => sum.set(p.id, (sum.get(p.id) ?? 0) + 1 / (i + 2)));
    const want = [...sum]
      .sort((a, b) => b[1] - a[1] || (a[0] as number) - (b[0] as number))
      .slice(0, 10)
      .map(([id]) => id);
    expect(got.map((p) => p.id)).toEqual(want);
  });

  it('prefetch (int8, limit 100) then rescore: the tasks of a plain query, one more read round, measured side by side', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store, 4));
    const base = config(16, 'Dot', { segments: 4, quantized: true });
    await svc.createCollection('c', { ...base, vectors: { ...(base.vectors as VectorParams), on_disk: true } });
    await svc.upsertPoints(
      'c',
      randomVectors(2000, 16, 5).map((v, id) => ({ id, vector: v })),
      true,
    );
    // placed on the 4 workers as the coordinator's optimizer places them (autoSegments = K)
    await new CollectionOptimizer({ store: t.store, skipGc: true, workers: 4 }).optimizeUntil('c');
    const [q] = randomVectors(1, 16, 6);
    const plainStats = emptyQueryStats();
    const plainIo = new IoScope();
    // warm both paths once so cold segment loads do not count
    await svc.query('c', {
      vector: q,
      limit: 10,
      offset: 0,
      params: { exact: false },
      with_payload: false,
      with_vector: false,
    });
    await svc.query(
      'c',
      { vector: q, limit: 10, offset: 0, params: { exact: false }, with_payload: false, with_vector: false },
      { stats: plainStats, io: plainIo },
    );
    const staged: UniversalQuery = {
      prefetch: [
        { ...node(q, 100), params: { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } } },
      ],
      query: { kind: 'nearest', input: { vector: q } },
      using: '',
      params: { exact: false },
      limit: 10,
      offset: 0,
      with_payload: false,
      with_vector: false,
    };
    await svc.queryUniversal('c', [staged]);
    const stats = emptyQueryStats();
    const io = new IoScope();
    const [got] = await svc.queryUniversal('c', [staged], { stats, io });
    console.log(
      `[query-api] plain: ${plainStats.tasks} tasks, worker rounds ${plainStats.rounds}, coordinator rounds ${plainIo.rounds}; ` +
        `prefetch(int8, 100) -> rescore: ${stats.tasks} tasks, worker rounds ${stats.rounds}, coordinator rounds ${io.rounds}`,
    );
    expect(stats.tasks).toBe(plainStats.tasks);
    expect(io.rounds).toBeLessThanOrEqual(plainIo.rounds + 1);
    expect(got).toHaveLength(10);
  });
});
