/**
 * The custom-scored forms (best_score, sum_scores, discover, context, order_by, sample, no query) are scanned by
 * the segment workers inside the query's one fan-out (lib/segment/scan.ts), the WAL tail at the coordinator with
 * the same scoring function: the coordinator reads no segment vector for them, and the answers equal brute force
 * over segments + tail, ties included.
 *
 * The coordinator's reads are told apart from the workers' by giving the service a recording store and the
 * in-process workers the plain one.
 */
import type { VectorParams } from '../../../../lib/model/collection-config.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../../../lib/collection/optimizer.js';
import { emptyQueryStats } from '../../../../lib/collection/query.js';
import type { QueryForm, UniversalQuery } from '../../../../lib/model/query.js';
import { runSegmentTask } from '../../../../lib/segment/task.js';
import { SegmentRegistry } from '../../../../lib/segment/registry.js';
import type { Segment } from '../../../../lib/segment/segment.js';
import type { ObjectStore } from '../../../../lib/storage/object-store.js';
import { PageCache } from '../../../../lib/storage/page-cache.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** `store` with every read's key appended to `keys`. */
function recording(store: ObjectStore, keys: string[]): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'get' || prop === 'getIfNoneMatch' || prop === 'head') {
        return (key: string, ...rest: unknown[]) => {
          keys.push(key);
          return value.call(target, key, ...rest);
        };
      }
      return value.bind(target);
    },
  });
}

const DIM = 6;
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const sigmoid = (x: number) => 0.5 * (x / (1 + Math.abs(x)) + 1);
const query = (q: QueryForm | undefined, limit: number, over: Partial<UniversalQuery> = {}): UniversalQuery => ({
  prefetch: [],
  ...(q ? { query: q } : {}),
  using: '',
  params: { exact: false },
  limit,
  offset: 0,
  with_payload: false,
  with_vector: false,
  ...over,
});

/** 4 segments (originals on disk, so a vector read is a store read) + a WAL tail of overwrites and new points. */
async function fixture() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const coordinatorReads: string[] = [];
  const svc = service(recording(t.store, coordinatorReads), directInvoker(t.store, 4));
  const base = config(DIM, 'Dot', { segments: 4 });
  await svc.createCollection('c', { ...base, vectors: { ...(base.vectors as VectorParams), on_disk: true } });
  // order_by needs a range index on its key, as in Qdrant
  await svc.createFieldIndex('c', 'n', 'integer');
  const live = new Map<number, { vector: number[]; n: number }>();
  const points = randomVectors(400, DIM, 21).map((vector, id) => ({ id, vector, payload: { n: id % 13 } }));
  await svc.upsertPoints('c', points, true);
  // placed on the 4 workers as the coordinator's optimizer places them (autoSegments = K)
  await new CollectionOptimizer({ store: t.store, skipGc: true, workers: 4 }).optimizeUntil('c');
  const tail = randomVectors(40, DIM, 22).map((vector, i) => ({ id: 380 + i, vector, payload: { n: (i * 7) % 13 } }));
  await svc.upsertPoints('c', tail, true);
  for (const p of [...points, ...tail]) live.set(p.id, { vector: p.vector, n: p.payload.n });
  expect((await svc.getCollection('c')).segments_count).toBe(4);
  return { svc, live, coordinatorReads };
}

const rank = (live: Map<number, { vector: number[]; n: number }>, score: (v: number[], id: number) => number) =>
  [...live].map(([id, p]) => ({ id, score: score(p.vector, id) })).sort((a, b) => b.score - a.score || a.id - b.id);

describe('custom-scored leaves run in the segment workers', () => {
  it('a recommend best_score query reads no segment vector at the coordinator, in one fan-out', async () => {
    const { svc, live, coordinatorReads } = await fixture();
    const [pos, neg] = randomVectors(2, DIM, 23);
    // an example id from the tail (its vector is read from the WAL, not from a segment) and example vectors
    const best = (v: number[]) => {
      const mp = Math.max(dot(pos, v), dot((live.get(385) as { vector: number[] }).vector, v));
      const mn = dot(neg, v);
      return mp > mn ? sigmoid(mp) : -sigmoid(mn);
    };
    const q = query(
      {
        kind: 'recommend',
        strategy: 'best_score',
        positive: [{ vector: pos }, { id: 385 }],
        negative: [{ vector: neg }],
      },
      10,
    );
    await svc.queryUniversal('c', [q]); // warm: manifest and ids are cached, so only the query's own reads remain
    coordinatorReads.length = 0;
    const stats = emptyQueryStats();
    const [got] = await svc.queryUniversal('c', [q], { stats });
    expect(coordinatorReads.filter((k) => /\/segments\/[^/]+\/vectors/.test(k))).toEqual([]);
    const want = rank(live, best)
      .filter((x) => x.id !== 385)
      .slice(0, 10);
    expect(got.map((p) => p.id)).toEqual(want.map((w) => w.id));
    got.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 6));
    expect(stats.tasks).toBe(4);
    expect(stats.segments).toBe(4);
    // the workers scored every segment point (the tail's 40 are scored here)
    expect(stats.distances).toBeGreaterThanOrEqual(380 - 20);
  });

  it('sum_scores, discover and context equal brute force over segments + tail', async () => {
    const { svc, live } = await fixture();
    const v = (id: number) => (live.get(id) as { vector: number[] }).vector;
    const examples = [3, 4, 390, 391, 200];
    const notEx = (x: { id: number }) => !examples.includes(x.id);
    const [sum, disc, ctx] = await svc.queryUniversal('c', [
      query(
        { kind: 'recommend', strategy: 'sum_scores', positive: [{ id: 3 }, { id: 390 }], negative: [{ id: 4 }] },
        8,
      ),
      query(
        {
          kind: 'discover',
          target: { id: 200 },
          context: [
            { positive: { id: 3 }, negative: { id: 4 } },
            { positive: { id: 390 }, negative: { id: 391 } },
          ],
        },
        8,
      ),
      query({ kind: 'context', context: [{ positive: { id: 3 }, negative: { id: 4 } }] }, 8),
    ]);
    const expectRanked = (got: { id: unknown; score: number }[], want: { id: number; score: number }[]) => {
      expect(got.map((p) => p.id)).toEqual(want.map((w) => w.id));
      got.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 6));
    };
    expectRanked(
      sum,
      rank(live, (x) => dot(v(3), x) + dot(v(390), x) - dot(v(4), x))
        .filter((x) => ![3, 4, 390].includes(x.id))
        .slice(0, 8),
    );
    const pairs = [
      [3, 4],
      [390, 391],
    ];
    expectRanked(
      disc,
      rank(
        live,
        (x) => pairs.reduce((s, [p, n]) => s + Math.sign(dot(v(p), x) - dot(v(n), x)), 0) + sigmoid(dot(v(200), x)),
      )
        .filter(notEx)
        .slice(0, 8),
    );
    const c = rank(live, (x) => {
      const d = Math.min(dot(v(3), x) - dot(v(4), x) - 1.1920929e-7, 0);
      return d / (1 + Math.abs(d));
    }).filter((x) => x.id !== 3 && x.id !== 4);
    // context scores tie at 0 for every point on the positive side: compare scores, then ids among equal scores
    ctx.forEach((p, i) => expect(p.score).toBeCloseTo(c[i].score, 6));
    expect(ctx.map((p) => p.id)).toEqual(c.slice(0, 8).map((x) => x.id));
  });

  it('order_by, no query and sample: ties across segments break by id, the tail merged in', async () => {
    const { svc, live, coordinatorReads } = await fixture();
    coordinatorReads.length = 0;
    const [desc, asc, scroll, sample] = await svc.queryUniversal('c', [
      query({ kind: 'order_by', order_by: { key: 'n', direction: 'desc' } }, 25),
      query({ kind: 'order_by', order_by: { key: 'n', direction: 'asc', start_from: 3 } }, 25, { offset: 5 }),
      query(undefined, 12, { offset: 30 }),
      query({ kind: 'sample' }, 9, { filter: { must: [{ key: 'n', match: { value: 4 } }] } }),
    ]);
    const byN = (dir: 1 | -1, from = Number.NEGATIVE_INFINITY) =>
      [...live]
        .filter(([, p]) => p.n >= from)
        .sort((a, b) => dir * (a[1].n - b[1].n) || a[0] - b[0])
        .map(([id, p]) => ({ id, order_value: p.n }));
    expect(desc.map((p) => ({ id: p.id, order_value: (p as { order_value?: number }).order_value }))).toEqual(
      byN(-1).slice(0, 25),
    );
    expect(asc.map((p) => p.id)).toEqual(
      byN(1, 3)
        .slice(5, 30)
        .map((x) => x.id),
    );
    expect(scroll.map((p) => p.id)).toEqual([...live.keys()].sort((a, b) => a - b).slice(30, 42));
    expect(new Set(sample.map((p) => p.id)).size).toBe(9);
    for (const p of sample) expect(live.get(p.id as number)?.n).toBe(4);
    // payloads of order_by and the filter were read by the workers, not here
    expect(coordinatorReads.filter((k) => /\/segments\/[^/]+\/(vectors|payload)/.test(k))).toEqual([]);
  });

  it("order_by without a range index on its key is refused with Qdrant's 400 before any search", async () => {
    const { svc } = await fixture();
    await svc.createFieldIndex('c', 'tag', 'keyword');
    for (const key of ['missing', 'tag']) {
      await expect(
        svc.queryUniversal('c', [query({ kind: 'order_by', order_by: { key, direction: 'asc' } }, 5)]),
      ).rejects.toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining(`No range index for \`order_by\` key: \`${key}\`. Please create one`),
      });
    }
  });

  it('a worker rejects a malformed scoring before scoring anything', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store, 1));
    await svc.createCollection('c', config(DIM, 'Dot', { segments: 1 }));
    await svc.upsertPoints(
      'c',
      randomVectors(20, DIM, 3).map((vector, id) => ({ id, vector })),
      true,
    );
    await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil('c');
    const manifest = (await t.store.list('')).map((e) => e.key).find((k) => k.endsWith('/meta.json')) as string;
    const segmentId = manifest.split('/segments/')[1].split('/')[0];
    const collectionPrefix = manifest.split('/segments/')[0];
    const ctx = { store: t.store, cache: new PageCache(t.store), registry: new SegmentRegistry<Segment>() };
    const task = (scoring: unknown) => ({
      collectionPrefix,
      segments: [{ id: segmentId, deletedVersion: 0 }],
      vector: [],
      limit: 5,
      params: {},
      searches: [{ vector: [], limit: 5, params: {}, scoring }],
    });
    await expect(
      runSegmentTask(
        task({ kind: 'recommend', strategy: 'best_score', positive: [[1, 2]], negative: [] }) as never,
        ctx,
      ),
    ).rejects.toThrow(/positive\.0: expected 6 finite numbers/);
    await expect(runSegmentTask(task({ kind: 'nope' }) as never, ctx)).rejects.toThrow(/unknown scoring kind nope/);
    const ok = await runSegmentTask(task({ kind: 'id_order' }) as never, ctx);
    expect(ok.lists?.[0].map((c) => c.id)).toEqual([0, 1, 2, 3, 4]);
  });
});
