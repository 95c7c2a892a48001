/**
 * Group commit (lib/collection/group-commit.ts, upsert-merge.ts): upserts that arrive while a WAL write is in flight
 * share the next record, each acknowledged only once that record is durable; a failed record fails only its own
 * requests; operation ids grow in arrival order; the merged record means what the requests written one by one mean.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../lib/collection/group-commit.js';
import { collectionPrefix, walPrefix } from '../../../lib/collection/keys.js';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import { batchRows } from '../../../lib/collection/tail.js';
import { mergeUpserts, mergeable } from '../../../lib/collection/upsert-merge.js';
import { type PreparedUpserts, decodeWal, encodeWal, prepareUpserts } from '../../../lib/collection/wal.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import { internal, isStrataError } from '../../../lib/model/errors.js';
import type { PointStruct } from '../../../lib/model/points.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, tempStore } from '../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A macrotask turn: every microtask chain already started (no I/O left) has run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

describe('GroupCommitter', () => {
  it('starts a lone item at once, then commits what queued meanwhile together, within `fits`', async () => {
    const commits: { items: number[]; done: ReturnType<typeof deferred<void>> }[] = [];
    const g = new GroupCommitter<number, string>({
      fits: (taken, next) => taken.reduce((t, x) => t + x, 0) + next <= 10,
      commit: async (items) => {
        const done = deferred<void>();
        commits.push({ items, done });
        await done.promise;
        return items.map((x) => `ok${x}`);
      },
    });
    const first = g.submit('c', 1);
    expect(commits.map((c) => c.items)).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((x) => g.submit('c', x));
    const other = g.submit('d', 9); // another key is not held behind c's write
    expect(commits.map((c) => c.items)).toEqual([[1], [9]]);
    expect(g.queued('c')).toBe(4);
    commits[0].done.resolve();
    expect(await first).toBe('ok1');
    await settle();
    // 2 + 3 + 4 = 9 fits in 10, 5 waits for the next commit
    expect(commits.map((c) => c.items)).toEqual([[1], [9], [2, 3, 4]]);
    commits[2].done.resolve();
    await settle();
    expect(commits.map((c) => c.items)).toEqual([[1], [9], [2, 3, 4], [5]]);
    commits[3].done.resolve();
    commits[1].done.resolve();
    expect(await Promise.all([...rest, other])).toEqual(['ok2', 'ok3', 'ok4', 'ok5', 'ok9']);
    expect(g.queued('c')).toBe(0);
  });

  it('a failed commit rejects exactly its own items; the ones queued behind it commit next', async () => {
    let call = 0;
    const gate = deferred<void>();
    const g = new GroupCommitter<string, string>({
      commit: async (items) => {
        call += 1;
        if (call === 1) await gate.promise;
        if (call === 2) throw new Error('disk full');
        return items;
      },
    });
    const a = g.submit('k', 'a');
    const b = g.submit('k', 'b');
    const c = g.submit('k', 'c');
    gate.resolve();
    expect(await a).toBe('a');
    await expect(b).rejects.toThrow('disk full');
    await expect(c).rejects.toThrow('disk full');
    expect(await g.submit('k', 'd')).toBe('d');
  });
});

const named: CollectionConfig = {
  ...config(2, 'Dot'),
  vectors: {
    a: { size: 2, distance: 'Dot', on_disk: false },
    m: { size: 2, distance: 'Dot', on_disk: false, multivector_config: { comparator: 'max_sim' } },
  },
  sparse_vectors: { s: {} },
};

describe('mergeUpserts', () => {
  it('one record of the parts means the parts written in order: named, multivector, sparse, later ids win', () => {
    const parts: PointStruct[][] = [
      [
        { id: 1, vector: { a: [1, 0] }, payload: { p: 1 } },
        {
          id: 2,
          vector: {
            m: [
              [1, 2],
              [3, 4],
            ],
            s: { indices: [3], values: [0.5] },
          },
        },
      ],
      [{ id: 3, vector: { a: [0, 1], m: [[5, 6]] } }],
      [
        { id: 1, vector: { s: { indices: [1, 7], values: [1, 2] } }, payload: { p: 2 } },
        { id: 4, vector: {} },
      ],
    ];
    const prepared = parts.map((p) => prepareUpserts(p, named));
    const merged = mergeUpserts(prepared);
    const decoded = decodeWal(encodeWal({ incarnation: 'i', seq: 5, writer: 'w', deletes: [], ...merged }));
    const rows = batchRows(decoded);
    const sequential = prepared.flatMap((p) => batchRows(p));
    expect(decoded.ids).toEqual([1, 2, 3, 1, 4]);
    expect(decoded.payloads).toEqual([{ p: 1 }, null, null, { p: 2 }, null]);
    expect(rows.map((r) => [...r.entries()].map(([k, v]) => [k, 'indices' in v ? [...v.indices] : [...v]]))).toEqual(
      sequential.map((r) => [...r.entries()].map(([k, v]) => [k, 'indices' in v ? [...v.indices] : [...v]])),
    );
    expect(decoded.vectors.find((b) => b.name === 'm')?.counts).toEqual([2, 1]);
  });

  it('parts of the unnamed vector merge into a version 1 record, as one part alone is written', () => {
    const c = config(3, 'Euclid');
    const a = prepareUpserts([{ id: 1, vector: [1, 2, 3] }], c);
    const b = prepareUpserts([{ id: 2, vector: [4, 5, 6] }], c);
    const bytes = encodeWal({ incarnation: 'i', seq: 1, writer: 'w', deletes: [], ...mergeUpserts([a, b]) });
    expect(new DataView(bytes.buffer).getUint16(4, true)).toBe(1);
    const alone = prepareUpserts(
      [
        { id: 1, vector: [1, 2, 3] },
        { id: 2, vector: [4, 5, 6] },
      ],
      c,
    );
    expect(bytes).toEqual(encodeWal({ incarnation: 'i', seq: 1, writer: 'w', deletes: [], ...alone }));
  });

  it('does not merge parts that give one name two sizes', () => {
    const p = (dim: number): PreparedUpserts =>
      prepareUpserts([{ id: 1, vector: new Array(dim).fill(1) }], config(dim, 'Dot'));
    expect(mergeable([p(2)], p(2))).toBe(true);
    expect(mergeable([p(2)], p(3))).toBe(false);
  });
});

function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const svc = new StrataCollectionService({ store: faults, invoker: directInvoker(t.store) });
  const walObjects = async () => (await t.store.list(`${walPrefix(collectionPrefix('', 'c'))}`)).length;
  return { svc, faults, walObjects };
}

/** Holds the first WAL write, then starts `batches` upserts that queue behind it (their manifest reads held too). */
async function queueBehindFirst(
  svc: StrataCollectionService,
  faults: FaultStore,
  first: PointStruct[],
  batches: PointStruct[][],
) {
  const walGate = faults.gate({ op: 'put', key: /\/wal\//, limit: 1 });
  const firstWrite = svc.upsertPoints('c', first, true);
  await walGate.reached();
  const manifestGate = faults.gate({ op: ['get', 'getIfNoneMatch'], key: /manifest\.json$/, at: 'after' });
  const queued = batches.map((b) => svc.upsertPoints('c', b, true));
  await manifestGate.reached(batches.length);
  manifestGate.release();
  await settle();
  return { firstWrite, queued, releaseFirst: () => walGate.release() };
}

describe('service group commit', () => {
  it('concurrent upserts share one WAL record, all durable and visible; ids grow in arrival order', async () => {
    const { svc, faults, walObjects } = setup();
    await svc.createCollection('c', config(2, 'Dot'));
    const batches: PointStruct[][] = [1, 2, 3, 4, 5].map((k) => [
      { id: 10 * k, vector: [k, 0] },
      { id: 7, vector: [0, k], payload: { from: k } },
    ]);
    const { firstWrite, queued, releaseFirst } = await queueBehindFirst(
      svc,
      faults,
      [{ id: 1, vector: [1, 1] }],
      batches,
    );
    expect(await walObjects()).toBe(0);
    releaseFirst();
    const results = await Promise.all([firstWrite, ...queued]);
    expect(await walObjects()).toBe(2);
    const ids = results.map((r) => r.operation_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(1)) expect(id).toBeGreaterThan(ids[0]);
    expect(results.every((r) => r.status === 'completed')).toBe(true);

    const later = await svc.upsertPoints('c', [{ id: 2, vector: [2, 2] }], true);
    expect(later.operation_id).toBeGreaterThan(ids[ids.length - 1]);
    const got = await svc.getPoints('c', [1, 2, 7, 10, 20, 30, 40, 50], true, true);
    expect(got.map((p) => p.id).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 7, 10, 20, 30, 40, 50]);
    // operation ids order the writes as they apply: the queued request with the largest id wins the id they all
    // wrote, as separate records in that order would have it
    const last = ids.indexOf(Math.max(...ids.slice(1)));
    expect(got.find((p) => p.id === 7)).toMatchObject({ payload: { from: last }, vector: [0, last] });
  });

  it('a failing WAL write fails only its own requests: the write before it and the one after it land', async () => {
    const { svc, faults, walObjects } = setup();
    await svc.createCollection('c', config(2, 'Dot'));
    const { firstWrite, queued, releaseFirst } = await queueBehindFirst(
      svc,
      faults,
      [{ id: 1, vector: [1, 1] }],
      [[{ id: 2, vector: [2, 2] }], [{ id: 3, vector: [3, 3] }]],
    );
    // the next WAL put (the queued group's: the first one is already past the rules, held at the gate) fails for good
    faults.inject({ op: 'put', key: /\/wal\//, nth: 1, error: () => internal('disk on fire') });
    releaseFirst();
    const [ok, ...failed] = await Promise.allSettled([firstWrite, ...queued]);
    expect(ok.status).toBe('fulfilled');
    for (const f of failed) {
      expect(f.status).toBe('rejected');
      expect(isStrataError((f as PromiseRejectedResult).reason, 'internal')).toBe(true);
    }
    await svc.upsertPoints('c', [{ id: 4, vector: [4, 4] }], true);
    expect(await walObjects()).toBe(2);
    const got = await svc.getPoints('c', [1, 2, 3, 4], false, false);
    expect(got.map((p) => p.id).sort()).toEqual([1, 4]);
  });
});

describe('service group commit across a vector-name change', () => {
  it('upserts validated before and after a name was added never share a record: the new name stays live', async () => {
    const { svc, faults, walObjects } = setup();
    await svc.createCollection('c', {
      ...config(2, 'Dot'),
      vectors: { a: { size: 2, distance: 'Dot', on_disk: false } },
    });
    const walGate = faults.gate({ op: 'put', key: /\/wal\//, limit: 1 });
    const firstWrite = svc.upsertPoints('c', [{ id: 1, vector: { a: [1, 1] } }], true);
    await walGate.reached();
    // queued behind the held write, validated under the config without `b`
    const before = svc.upsertPoints('c', [{ id: 2, vector: { a: [2, 2] } }], true);
    await settle();
    await svc.createVectorName('c', 'b', { dense: { size: 2, distance: 'Dot' } });
    // queued too, validated under the config with `b` (a fresh generation)
    const after = svc.upsertPoints('c', [{ id: 3, vector: { a: [3, 3], b: [4, 4] } }], true);
    await settle();
    walGate.release();
    await Promise.all([firstWrite, before, after]);
    expect(await walObjects()).toBe(3);
    const [p3] = await svc.getPoints('c', [3], false, true);
    expect(p3?.vector).toEqual({ a: [3, 3], b: [4, 4] });
  });
});
