/**
 * Under a writer, each new WAL object extends the last fold of the tail (tail.ts), its winners (snapshot.ts) and the
 * packed rows the tail is scored on (tail-rows.ts) instead of redoing them. Each step is checked against doing it
 * whole: the entries and winners equal (values and key order) a fresh reader's fold and resolve of the same listing,
 * the packed rows hold the winners with the vector in the winners' order, and their similarities are similarityFn's
 * bit for bit. A late writer's object (sorting before what was folded) and a seal fold whole again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotOf } from '../../../lib/collection/context.js';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { resolveWinners, type Snapshot, winnersLineage } from '../../../lib/collection/snapshot.js';
import { type Tail, type TailEntry, tailExtension, WalTailReader } from '../../../lib/collection/tail.js';
import {
  DEFAULT_TAIL_ROWS_BUDGET,
  packTail,
  scorePacked,
  setTailRowsBudget,
} from '../../../lib/collection/tail-rows.js';
import { MAX_CLOCK_SKEW_MS } from '../../../lib/collection/wal.js';
import { similarityFn } from '../../../lib/distance/index.js';
import type { PointId } from '../../../lib/model/point-id.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store, 2));
  await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2 }));
  return { ...t, svc };
}

/** A map's entries as plain values, in key order. */
function plain(entries: ReadonlyMap<PointId, TailEntry>) {
  return [...entries].map(([id, e]) => [
    id,
    {
      version: e.version,
      writer: e.writer,
      wal: e.wal,
      payload: e.payload,
      vectors: e.vectors === null ? null : [...e.vectors].map(([name, v]) => [name, Array.from(v as Float32Array)]),
    },
  ]);
}

/** The tail and winners a fresh reader folds and resolves whole for this snapshot's manifest. */
async function whole(svc: ReturnType<typeof service>, store: Parameters<typeof service>[0], snap: Snapshot) {
  const reader = new WalTailReader(store);
  const tail: Tail = await reader.read(C, snap.manifest, await reader.list(C));
  return { tail, winners: await resolveWinners(svc.ctx.access, C, snap.manifest, tail) };
}

/** The packed rows of a snapshot hold its winners with the vector, in order, and score as similarityFn. */
function expectPacked(snap: Snapshot, query: Float32Array) {
  const packed = packTail(snap.winners, '', DIM, 'Euclid', undefined);
  expect(packed).not.toBeNull();
  const rows = packed!.entries.filter((e) => e !== null);
  expect(rows).toEqual([...snap.winners.values()].filter((e) => e.vectors?.get('') !== undefined));
  const idx = Uint32Array.from(packed!.entries.keys()).filter((i) => packed!.entries[i] !== null);
  const out = new Float64Array(idx.length);
  scorePacked(packed!, query, 'Euclid', idx, idx.length, out);
  const sim = similarityFn('Euclid');
  idx.forEach((row, j) => {
    const v = packed!.entries[row]!.vectors!.get('') as Float32Array;
    expect(out[j]).toBe(sim(query, 0, v, 0, DIM));
  });
  return packed!;
}

describe('the WAL tail extended per new WAL object', () => {
  it('extends the fold, the winners and the packed rows; each equals doing it whole', async () => {
    const { svc, store } = await setup();
    const query = Float32Array.from(randomVectors(1, DIM, 99)[0]);
    const upsert = (ids: number[], seed: number) =>
      svc.upsertPoints(
        'c',
        randomVectors(ids.length, DIM, seed).map((v, i) => ({ id: ids[i], vector: v, payload: { seed } })),
        true,
      );
    await upsert([0, 1, 2, 3, 4, 5], 1);
    let before = await snapshotOf(svc.ctx, 'c');
    let rows = expectPacked(before, query).entries;
    // new ids, an update in place, a delete (an empty row), the deleted id back (its row again), more new ids
    const steps: (() => Promise<unknown>)[] = [
      () => upsert([6, 7], 2),
      () => upsert([2, 8], 3),
      () => svc.deletePoints('c', { points: [3] }, true),
      () => upsert([3], 4),
      () => upsert([9, 10, 11], 5),
    ];
    for (const step of steps) {
      await step();
      const snap = await snapshotOf(svc.ctx, 'c');
      expect(tailExtension(snap.tail)?.base).toBe(before.tail);
      expect(winnersLineage(snap.winners)?.from).not.toBeNull();
      const ref = await whole(svc, store, snap);
      expect(plain(snap.tail.entries)).toEqual(plain(ref.tail.entries));
      expect(snap.tail.names).toEqual(ref.tail.names);
      expect(plain(snap.winners)).toEqual(plain(ref.winners));
      const packed = expectPacked(snap, query);
      // extended in place, not packed again; and the snapshot before it now scores in JS
      expect(packed.entries).toBe(rows);
      expect(packTail(before.winners, '', DIM, 'Euclid', undefined)).toBeNull();
      before = snap;
      rows = packed.entries;
    }
    expect(rows.filter((e) => e === null)).toHaveLength(0);
    expect(rows.map((e) => e?.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // a seal changes the manifest: folded and resolved whole again, and still right
    await optimize(store, C, { skipGc: true });
    await upsert([12], 6);
    const sealed = await snapshotOf(svc.ctx, 'c');
    expect(tailExtension(sealed.tail)).toBeUndefined();
    const ref = await whole(svc, store, sealed);
    expect(plain(sealed.winners)).toEqual(plain(ref.winners));
    expectPacked(sealed, query);
  });

  it('queries that list the same new object at once share one fold', async () => {
    const { svc } = await setup();
    await svc.upsertPoints('c', [{ id: 1, vector: randomVectors(1, DIM, 1)[0] }], true);
    await snapshotOf(svc.ctx, 'c');
    await svc.upsertPoints('c', [{ id: 2, vector: randomVectors(1, DIM, 2)[0] }], true);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => snapshotOf(svc.ctx, 'c')));
    expect(b.tail).toBe(a.tail);
    expect(c.tail).toBe(a.tail);
    expect(b.winners).toBe(a.winners);
  });

  it("a late writer's object, sorting before what was folded, is folded whole", async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const faults = new FaultStore(t.store);
    const T = 9_000_000_000_000;
    const reader = service(t.store, directInvoker(t.store, 2), { writerId: 'reader', now: () => T });
    await reader.createCollection('c', config(DIM, 'Euclid'));
    const fast = service(t.store, directInvoker(t.store, 2), { writerId: 'fast', now: () => T + MAX_CLOCK_SKEW_MS });
    const slow = service(faults, directInvoker(faults, 2), { writerId: 'slow', now: () => T - MAX_CLOCK_SKEW_MS });
    const gate = faults.gate({ op: 'put', key: /\/wal\// });
    const slowWrite = slow.upsertPoints('c', [{ id: 1, vector: randomVectors(1, DIM, 1)[0] }], true);
    await gate.reached();
    await fast.upsertPoints('c', [{ id: 1, vector: randomVectors(1, DIM, 2)[0] }], true);
    const first = await snapshotOf(reader.ctx, 'c');
    gate.release();
    await slowWrite;
    const late = await snapshotOf(reader.ctx, 'c');
    expect(late.tail).not.toBe(first.tail);
    expect(tailExtension(late.tail)).toBeUndefined();
    expect(late.tail.names).toHaveLength(2);
    // the fast write is newer: it stays the winner whatever the order the objects were listed in
    expect(late.winners.get(1)?.writer).toBe('fast');
    const ref = await whole(reader, t.store, late);
    expect(plain(late.tail.entries)).toEqual(plain(ref.tail.entries));
    expect((await reader.getCollection('c')).points_count).toBe(1);
  });

  it('collections queried in turn keep their own packed rows', async () => {
    const { svc } = await setup();
    await svc.createCollection('d', config(DIM, 'Euclid'));
    const query = Float32Array.from(randomVectors(1, DIM, 5)[0]);
    const write = (name: string, id: number) =>
      svc.upsertPoints(name, [{ id, vector: randomVectors(1, DIM, id)[0] }], true);
    await write('c', 1);
    await write('d', 1);
    const c1 = expectPacked(await snapshotOf(svc.ctx, 'c'), query);
    const d1 = expectPacked(await snapshotOf(svc.ctx, 'd'), query);
    await write('c', 2);
    await write('d', 2);
    // each extends its own rows in place, whichever collection packed last
    expect(expectPacked(await snapshotOf(svc.ctx, 'c'), query).entries).toBe(c1.entries);
    expect(expectPacked(await snapshotOf(svc.ctx, 'd'), query).entries).toBe(d1.entries);
  });

  it('vector names searched in turn keep their own packed rows, each holding the points with that vector', async () => {
    const { svc } = await setup();
    const named = config(DIM, 'Euclid');
    await svc.createCollection('n', {
      ...named,
      vectors: {
        a: { size: DIM, distance: 'Euclid', on_disk: false },
        b: { size: 4, distance: 'Dot', on_disk: false },
      },
    } as typeof named);
    const [va, vb, va2] = randomVectors(3, DIM, 8);
    await svc.upsertPoints(
      'n',
      [
        { id: 1, vector: { a: va, b: vb.slice(0, 4) } },
        { id: 2, vector: { a: va2 } },
      ],
      true,
    );
    const first = await snapshotOf(svc.ctx, 'n');
    const a1 = packTail(first.winners, 'a', DIM, 'Euclid', undefined);
    const b1 = packTail(first.winners, 'b', 4, 'Dot', undefined);
    expect(a1?.entries.map((e) => e?.id)).toEqual([1, 2]);
    expect(b1?.entries.map((e) => e?.id)).toEqual([1]);
    await svc.upsertPoints('n', [{ id: 3, vector: { a: va, b: vb.slice(4, 8) } }], true);
    const next = await snapshotOf(svc.ctx, 'n');
    const a2 = packTail(next.winners, 'a', DIM, 'Euclid', undefined);
    const b2 = packTail(next.winners, 'b', 4, 'Dot', undefined);
    // both extended in place, not packed again when the other name was packed in between
    expect(a2?.entries).toBe(a1?.entries);
    expect(b2?.entries).toBe(b1?.entries);
    expect(b2?.entries.map((e) => e?.id)).toEqual([1, 3]);
    const q = Float32Array.from(vb.slice(4, 8));
    const out = new Float64Array(2);
    scorePacked(b2!, q, 'Dot', Uint32Array.of(0, 1), 2, out);
    const dot = similarityFn('Dot');
    expect([...out]).toEqual([dot(q, 0, Float32Array.from(vb.slice(0, 4)), 0, 4), dot(q, 0, q, 0, 4)]);
  });

  it('past the thread budget a tail is scored in JS, with the same answers', async () => {
    const { svc, store } = await setup();
    const vecs = randomVectors(41, DIM, 12);
    await svc.upsertPoints(
      'c',
      vecs.slice(0, 40).map((v, i) => ({ id: i, vector: v, payload: { i } })),
      true,
    );
    const request = {
      vector: vecs[40],
      limit: 8,
      offset: 0,
      params: { exact: false },
      with_payload: true,
      with_vector: false,
    };
    await svc.query('c', request);
    await svc.upsertPoints('c', [{ id: 99, vector: vecs[40], payload: { i: 99 } }], true);
    // packed rows, extended by the write
    const packed = await svc.query('c', request);
    expect(packTail((await snapshotOf(svc.ctx, 'c')).winners, '', DIM, 'Euclid', undefined)).not.toBeNull();
    setTailRowsBudget(1);
    try {
      // a fresh service: a new family, and no arena fits a budget of one byte
      const fresh = service(store, directInvoker(store, 2));
      const js = await fresh.query('c', request);
      expect(packTail((await snapshotOf(fresh.ctx, 'c')).winners, '', DIM, 'Euclid', undefined)).toBeNull();
      expect(js).toEqual(packed);
      expect(js[0].id).toBe(99);
    } finally {
      setTailRowsBudget(DEFAULT_TAIL_ROWS_BUDGET);
    }
  });

  it('takes the JS path where no kernel applies', async () => {
    const { svc } = await setup();
    await svc.upsertPoints('c', [{ id: 1, vector: randomVectors(1, DIM, 1)[0] }], true);
    const { winners } = await snapshotOf(svc.ctx, 'c');
    expect(packTail(winners, '', DIM, 'Manhattan', undefined)).toBeNull();
    expect(packTail(winners, '', DIM, 'Cosine', 'uint8')).toBeNull();
    expect(packTail(winners, '', 6, 'Dot', undefined)).toBeNull();
    // a map no snapshot resolved has no lineage to keep rows for
    expect(packTail(new Map(winners), '', DIM, 'Dot', undefined)).toBeNull();
    expect(packTail(winners, '', DIM, 'Dot', 'float16')?.entries).toHaveLength(1);
  });
});
