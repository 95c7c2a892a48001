import { diffCounts } from '../../../lib/storage/io-stats.js';
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { workerFor } from '../../../lib/collection/routing.js';
import type { Invoker } from '../../../lib/collection/invoker.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { DirectInvoker } from '../../../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { runSegmentTask } from '../../../lib/segment/task.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { emptyQueryStats } from '../../../lib/collection/query.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 16;
const N = 600;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function req(vector: number[], extra: Partial<QueryRequest> = {}): QueryRequest {
  return { vector, limit: 10, offset: 0, params: { exact: true }, with_payload: true, with_vector: false, ...extra };
}

function cosineBrute(
  points: number[][],
  q: number[],
  k: number,
  offset = 0,
  keep: (i: number) => boolean = () => true,
) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(q);
  return points
    .map((v, i) => ({ id: i, score: v.reduce((s, x, j) => s + x * q[j], 0) / (norm(v) * qn) }))
    .filter((p) => keep(p.id))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(offset, offset + k);
}

/** An invoker that records the tasks it is given. */
class Recording implements Invoker {
  readonly tasks: { worker: number; task: SegmentSearchTask }[] = [];
  constructor(private readonly inner: Invoker) {}
  get workers(): number {
    return this.inner.workers;
  }
  invoke(worker: number, task: SegmentSearchTask, deadlineMs: number) {
    this.tasks.push({ worker, task });
    return this.inner.invoke(worker, task, deadlineMs);
  }
  close() {
    return this.inner.close();
  }
}

async function build(segments: number, workers: number) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const rec = new Recording(directInvoker(t.store, workers));
  const svc = service(t.store, rec);
  await svc.createCollection('c', config(DIM, 'Cosine', { segments }));
  const points = randomVectors(N, DIM, 42);
  for (let i = 0; i < N; i += 200) {
    await svc.upsertPoints(
      'c',
      points.slice(i, i + 200).map((v, j) => ({ id: i + j, vector: v, payload: { mod: (i + j) % 3 } })),
      true,
    );
  }
  await optimize(t.store, collectionPrefix('', 'c'), { skipGc: true });
  return { ...t, svc, rec, points };
}

describe('fan-out and merge', () => {
  it('8 segments return the same top-k as 1 segment and as brute force (exact), with offsets and filters', async () => {
    const eight = await build(8, 4);
    const one = await build(1, 4);
    expect((await eight.svc.getCollection('c')).segments_count).toBe(8);
    expect((await one.svc.getCollection('c')).segments_count).toBe(1);
    const queries = randomVectors(12, DIM, 7);
    for (const [qi, q] of queries.entries()) {
      const offset = qi % 3 === 0 ? 5 : 0;
      const filter = qi % 2 === 0 ? { must: [{ key: 'mod', match: { value: 1 } }] } : undefined;
      const r8 = await eight.svc.query('c', req(q, { offset, filter }));
      const r1 = await one.svc.query('c', req(q, { offset, filter }));
      const brute = cosineBrute(eight.points, q, 10, offset, filter ? (i) => i % 3 === 1 : undefined);
      expect(r8.map((p) => p.id)).toEqual(brute.map((p) => p.id));
      expect(r1.map((p) => p.id)).toEqual(brute.map((p) => p.id));
      r8.forEach((p, i) => {
        expect(p.score).toBeCloseTo(brute[i].score, 5);
        expect(p.score).toBeCloseTo(r1[i].score, 6);
        expect(p.payload).toEqual({ mod: (p.id as number) % 3 });
      });
    }
  });

  it('plans one task per worker (segments without a recorded slot go by hash), every segment exactly once', async () => {
    const eight = await build(8, 4);
    eight.rec.tasks.length = 0;
    await eight.svc.query('c', req(randomVectors(1, DIM, 9)[0]));
    const segs = eight.rec.tasks.flatMap((t) => t.task.segments.map((s) => s.id));
    expect(new Set(segs).size).toBe(8);
    expect(segs.length).toBe(8);
    expect(eight.rec.tasks.length).toBeLessThanOrEqual(4);
    expect(new Set(eight.rec.tasks.map((t) => t.worker)).size).toBe(eight.rec.tasks.length);

    const wide = service(eight.store, new Recording(directInvoker(eight.store, 16)));
    const rec = wide.ctx.invoker as Recording;
    await wide.query('c', req(randomVectors(1, DIM, 10)[0]));
    // never two invokes of one worker in a query: hash collisions share a task (placement.test.ts: slots avoid them)
    expect(rec.tasks.length).toBe(new Set(segs.map((id) => workerFor(id, 16))).size);
    for (const t of rec.tasks) for (const s of t.task.segments) expect(workerFor(s.id, 16)).toBe(t.worker);
    expect(rec.tasks.flatMap((t) => t.task.segments.map((s) => s.id)).sort()).toEqual([...segs].sort());
  });

  it('a task that fails after the retry fails the whole query with unavailable (no partial top-k)', async () => {
    const eight = await build(8, 4);
    const registries = Array.from({ length: 4 }, () => new SegmentRegistry<Segment>());
    const cache = new PageCache(eight.store);
    let calls = 0;
    const victim =
      (await eight.svc.getCollection('c')).segments_count > 0
        ? (await eight.svc.ctx.manifests.current(`collections/c/manifest.json`))!.manifest.segments[3].id
        : '';
    const broken = new DirectInvoker({
      workers: 4,
      run: (task, worker) => {
        if (task.segments.some((s) => s.id === victim)) {
          calls++;
          throw new Error(`the worker holding ${victim} is down`);
        }
        return runSegmentTask(task, { store: eight.store, cache, registry: registries[worker] });
      },
    });
    const svc = service(eight.store, broken);
    await expect(svc.query('c', req(randomVectors(1, DIM, 11)[0]))).rejects.toMatchObject({ kind: 'unavailable' });
    expect(calls).toBe(2); // the first attempt and the invoker's one retry
  });

  it('WAL-tail points are searched in the coordinator and shadow their sealed copies across segments', async () => {
    const eight = await build(8, 4);
    const q = randomVectors(1, DIM, 12)[0];
    // move point 5 onto the query, delete the current best match
    const before = await eight.svc.query('c', req(q, { limit: 3 }));
    await eight.svc.upsertPoints('c', [{ id: 5, vector: q, payload: { moved: true } }], true);
    await eight.svc.deletePoints('c', { points: [before[0].id] }, true);
    const after = await eight.svc.query('c', req(q, { limit: 3 }));
    expect(after[0].id).toBe(5);
    expect(after[0].score).toBeCloseTo(1, 5);
    expect(after[0].payload).toEqual({ moved: true });
    expect(after.map((p) => p.id)).not.toContain(before[0].id);
    expect(new Set(after.map((p) => p.id)).size).toBe(3);
    const excluded = eight.rec.tasks.at(-1)?.task.exclude ?? [];
    expect(excluded).toEqual(expect.arrayContaining([5, before[0].id]));
  });

  it('a warm coordinator pays one round (conditional manifest GET + WAL LIST) before the fan-out, and reports worker stats', async () => {
    const eight = await build(8, 4);
    const q = randomVectors(1, DIM, 13)[0];
    await eight.svc.query('c', req(q, { with_payload: false }));
    const io = new IoScope();
    const stats = emptyQueryStats();
    await eight.svc.query('c', req(q, { with_payload: false }), { io, stats });
    const c = io.snapshot();
    expect(c.conditionalGets).toBe(1);
    expect(c.notModified).toBe(1);
    expect(c.lists).toBe(1);
    expect(c.gets + c.rangedGets).toBe(0);
    expect(c.rounds).toBe(1);
    expect(stats.segments).toBe(8);
    expect(stats.tasks).toBeLessThanOrEqual(4);
    expect(stats.cold).toBe(0);
    expect(stats.distances).toBeGreaterThanOrEqual(N);
    expect(stats.stageMs.fanOut).toBeGreaterThan(0);
    expect(stats.stageMs.snapshot).toBeGreaterThan(0);
  });

  it('a batch of queries shares one snapshot: one manifest check and one WAL listing, same answers as one by one', async () => {
    const eight = await build(8, 4);
    const qs = randomVectors(3, DIM, 21).map((q) => req(q, { with_payload: false }));
    const single = [];
    for (const q of qs) single.push(await eight.svc.query('c', q));
    const io = new IoScope();
    const batch = await eight.svc.queryBatch('c', qs, { io });
    expect(batch).toEqual(single);
    const c = io.snapshot();
    expect(c.conditionalGets).toBe(1);
    expect(c.lists).toBe(1);
  });

  it("the API's early dimension check costs a warm coordinator no store request (the query revalidates anyway)", async () => {
    const eight = await build(8, 4);
    await eight.svc.query('c', req(randomVectors(1, DIM, 13)[0], { with_payload: false }));
    const before = eight.store.stats.snapshot();
    expect((await eight.svc.collectionConfig('c')).vectors.size).toBe(DIM);
    expect(diffCounts(eight.store.stats.snapshot(), before)).toEqual(diffCounts(before, before));
    await expect(eight.svc.collectionConfig('nope')).rejects.toMatchObject({ kind: 'not_found' });
    // fresh: revalidated with one conditional GET
    const cached = eight.store.stats.snapshot();
    await eight.svc.collectionConfig('c', true);
    expect(diffCounts(eight.store.stats.snapshot(), cached).conditionalGets).toBe(1);
  });

  it('the final fetch reads payloads by the offsets the workers returned: no GET of any ids object, cold or warm', async () => {
    const eight = await build(8, 4);
    // the coordinator reads through a recording store; the workers read the bucket directly
    const spy = new FaultStore(eight.store);
    const svc = service(spy, directInvoker(eight.store, 4));
    const [q, q2] = [randomVectors(1, DIM, 15)[0], randomVectors(1, DIM, 16)[0]];
    // a long first page opens every segment's point source at the coordinator
    const cold = await svc.query('c', req(q, { limit: 100 }));
    const coldCalls = spy.calls.splice(0);
    // another query: the payloads of the page read above are kept (segment-access.ts), this page's are not all
    const io = new IoScope();
    const warm = await svc.query('c', req(q2), { io });
    const warmCalls = spy.calls.splice(0);

    for (const [r, v] of [
      [cold, q],
      [warm, q2],
    ] as const) {
      expect(r.map((p) => p.id)).toEqual(cosineBrute(eight.points, v, r.length).map((p) => p.id));
      r.forEach((p) => expect(p.payload).toEqual({ mod: (p.id as number) % 3 }));
    }
    const coldIds = new Set(cold.map((p) => p.id));
    expect(warm.some((p) => !coldIds.has(p.id))).toBe(true);
    const idsReads = [...coldCalls, ...warmCalls].filter((c) => c.key.endsWith('/ids'));
    expect(idsReads).toEqual([]);
    // warm: the manifest revalidation and the WAL listing, then only ranged reads of payload blobs
    const c = io.snapshot();
    expect(c.conditionalGets).toBe(1);
    expect(c.lists).toBe(1);
    expect(c.gets).toBe(0);
    const segmentsOnPage = new Set(warmCalls.filter((x) => x.key.endsWith('/payload')).map((x) => x.key)).size;
    expect(warmCalls.filter((x) => x.op === 'get').every((x) => x.key.endsWith('/payload'))).toBe(true);
    expect(c.rangedGets).toBe(warmCalls.filter((x) => x.op === 'get').length);
    expect(c.rangedGets).toBeGreaterThanOrEqual(segmentsOnPage);
    expect(c.rangedGets).toBeLessThanOrEqual(10);
    expect(c.rounds).toBe(2);
    console.log(
      `no-ids fetch: cold ${coldCalls.length} calls (${coldCalls.filter((x) => x.op === 'get').length} GETs), warm ${JSON.stringify({ conditionalGets: c.conditionalGets, notModified: c.notModified, lists: c.lists, gets: c.gets, rangedGets: c.rangedGets, bytesIn: c.bytesIn, rounds: c.rounds, payloadObjects: segmentsOnPage })}`,
    );
  });

  it('score_threshold keeps Qdrant scores at or above it, in segments and in the WAL tail alike', async () => {
    const eight = await build(8, 4);
    const q = randomVectors(1, DIM, 14)[0];
    await eight.svc.upsertPoints('c', [{ id: 10_000, vector: q.map((x) => x + 0.01) }], true);
    const all = await eight.svc.query('c', req(q, { limit: 50 }));
    const threshold = all[20].score;
    const cut = await eight.svc.query('c', req(q, { limit: 50, score_threshold: threshold }));
    expect(cut.map((p) => p.id)).toEqual(all.filter((p) => p.score >= threshold).map((p) => p.id));
    expect(cut[0].id).toBe(10_000);
  });
});
