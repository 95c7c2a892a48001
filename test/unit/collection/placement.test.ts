import { afterEach, describe, expect, it } from 'vitest';
import type { Invoker } from '../../../lib/collection/invoker.js';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import type { SegmentEntry } from '../../../lib/collection/manifest.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { placeSegments } from '../../../lib/collection/placement.js';
import { planTasks, type TaskTemplate } from '../../../lib/collection/planner.js';
import { workerFor, workerOf } from '../../../lib/collection/routing.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function entry(id: string, vectorBytes: number, slot?: number): SegmentEntry {
  return {
    id,
    points: 1,
    deleted: 0,
    deletedVersion: 0,
    minVersion: 1,
    maxVersion: 1,
    vectorBytes,
    indexed: false,
    ...(slot === undefined ? {} : { slot }),
  };
}

const template = { vector: [0], limit: 1, params: { exact: true } } as TaskTemplate;

describe('segment placement (pure)', () => {
  it('puts K new segments on K distinct slots', () => {
    const added = Array.from({ length: 8 }, (_, i) => entry(`s${i}`, 100 + i));
    const placed = placeSegments([], added, 8);
    expect(new Set(placed.map((s) => s.slot)).size).toBe(8);
    expect(placed.map((s) => s.id)).toEqual(added.map((s) => s.id));
  });

  it('fills the emptiest slot first, then the one with fewer bytes, and never moves a kept segment', () => {
    const kept = [entry('a', 10, 0), entry('b', 10, 1), entry('c', 50, 2), entry('d', 5, 2)];
    const placed = placeSegments(kept, [entry('n1', 20), entry('n2', 1)], 4);
    // n1 (larger, placed first) takes the empty slot 3; then 0, 1 and 3 tie on count, 0 and 1 hold fewer bytes
    // than 3 and tie with each other: the lower index wins
    expect(placed.map((s) => s.slot)).toEqual([3, 0]);
    expect(kept.map((s) => s.slot)).toEqual([0, 1, 2, 2]);
  });

  it('counts legacy entries at the worker their id hashes to', () => {
    const legacy = entry('legacy-segment', 10);
    const h = workerFor(legacy.id, 4);
    const placed = placeSegments([legacy], [entry('x', 1), entry('y', 1), entry('z', 1)], 4);
    expect(placed.map((s) => s.slot)).not.toContain(h);
  });
});

describe('routing by the recorded slot', () => {
  it('routes a slotted segment to slot mod K and an unslotted one by its hash', () => {
    expect(workerOf({ id: 'x', slot: 5 }, 8)).toBe(5);
    expect(workerOf({ id: 'x', slot: 13 }, 8)).toBe(5);
    expect(workerOf({ id: 'seg-000001' }, 8)).toBe(workerFor('seg-000001', 8));
  });

  it('plans at most one task per worker: slots beyond K are re-mapped and grouped, every segment once', () => {
    const m = { config: {}, segments: Array.from({ length: 8 }, (_, i) => entry(`s${i}`, 1, i)) };
    const tasks = planTasks('c', m as never, 4, template);
    expect(tasks).toHaveLength(4);
    expect(new Set(tasks.map((t) => t.worker)).size).toBe(4);
    for (const t of tasks) {
      expect(t.task.segments.map((s) => Number(s.id.slice(1)) % 4)).toEqual([t.worker, t.worker]);
    }
    expect(tasks.flatMap((t) => t.task.segments.map((s) => s.id)).sort()).toEqual(m.segments.map((s) => s.id));
  });
});

/** An invoker that records the tasks it is given. */
function recording(inner: Invoker): Invoker & { tasks: { worker: number; task: SegmentSearchTask }[] } {
  const tasks: { worker: number; task: SegmentSearchTask }[] = [];
  return {
    tasks,
    workers: inner.workers,
    invoke: (worker, task, deadlineMs) => {
      tasks.push({ worker, task });
      return inner.invoke(worker, task, deadlineMs);
    },
    close: () => inner.close(),
  };
}

describe('segment placement through the optimizer', () => {
  it('8 segments land on 8 workers, one task each per query, and stay there across merges', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const K = 8;
    const invoker = recording(directInvoker(t.store, K));
    const svc = service(t.store, invoker);
    await svc.createCollection('c', config(DIM, 'Cosine', { segments: K }));
    const prefix = collectionPrefix('', 'c');
    const slotsOf = async () => {
      const m = (await loadManifest(t.store, manifestKey(prefix)))!.manifest;
      return new Map(m.segments.map((s) => [s.id, s.slot]));
    };
    let next = 0;
    const write = async (n: number) => {
      const vs = randomVectors(n, DIM, next + 1);
      await svc.upsertPoints(
        'c',
        vs.map((vector, i) => ({ id: next + i, vector })),
        true,
      );
      next += n;
    };

    await write(400);
    await optimize(t.store, prefix, { workers: K, skipGc: true });
    let slots = await slotsOf();
    expect(slots.size).toBe(K);
    expect([...slots.values()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    for (let round = 0; round < 3; round++) {
      await write(30 + round);
      const r = await optimize(t.store, prefix, { workers: K, skipGc: true });
      expect(r.removed.length).toBeGreaterThan(0); // the seal merged: 8 kept + 1 fresh > 8
      const after = await slotsOf();
      expect(after.size).toBe(K);
      expect(new Set(after.values()).size).toBe(K);
      // every segment the merge did not touch is still on its worker
      for (const [id, slot] of slots) if (after.has(id)) expect(after.get(id)).toBe(slot);
      slots = after;

      invoker.tasks.length = 0;
      await svc.query('c', {
        vector: randomVectors(1, DIM, 99)[0],
        limit: 5,
        offset: 0,
        params: { exact: true },
        with_payload: false,
        with_vector: false,
      });
      expect(invoker.tasks).toHaveLength(K);
      expect(new Set(invoker.tasks.map((x) => x.worker)).size).toBe(K);
      for (const x of invoker.tasks) {
        expect(x.task.segments).toHaveLength(1);
        expect(slots.get(x.task.segments[0].id)).toBe(x.worker);
      }
    }
  });
});
