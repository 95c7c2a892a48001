/**
 * Bounded staleness (STRATA_READ_STALENESS_MS, lib/collection/context.ts): a query within the bound reuses the
 * process's snapshot with ZERO store requests; past the bound it revalidates; another process's write is missed at
 * most for the bound; this process's own writes are seen at once. Strong (0, the default) always revalidates.
 * Time is an injected clock, so nothing here sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { diffCounts } from '../../../lib/storage/io-stats.js';
import { config, directInvoker, tempStore } from '../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const q = (v: number[]): QueryRequest => ({
  vector: v,
  limit: 10,
  offset: 0,
  params: { exact: true },
  with_payload: false,
  with_vector: false,
});

function setup(stalenessMs: number) {
  const { store, cleanup } = tempStore();
  cleanups.push(cleanup);
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const reader = new StrataCollectionService({
    store,
    invoker: directInvoker(store, 1),
    now: clock.now,
    readStalenessMs: stalenessMs,
  });
  const other = new StrataCollectionService({ store, invoker: directInvoker(store, 1), now: clock.now });
  const requests = async (call: () => Promise<unknown>): Promise<number> => {
    const before = store.stats.snapshot();
    await call();
    const c = diffCounts(store.stats.snapshot(), before);
    return c.gets + c.rangedGets + c.conditionalGets + c.heads + c.lists + c.puts;
  };
  return { store, reader, other, clock, requests };
}

describe('bounded-staleness reads', () => {
  it('within the bound a warm query costs no store request; past it, the snapshot is revalidated', async () => {
    const { reader, other, clock, requests } = setup(500);
    await reader.createCollection('c', config(2));
    await other.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true);
    expect(await requests(() => reader.query('c', q([1, 0])))).toBeGreaterThan(0);
    clock.advance(400);
    expect(await requests(() => reader.query('c', q([1, 0])))).toBe(0);
    // another process writes: missed while the snapshot is within its bound, seen once it is not
    await other.upsertPoints('c', [{ id: 2, vector: [0, 1] }], true);
    expect((await reader.query('c', q([0, 1]))).map((p) => p.id)).toEqual([1]);
    clock.advance(101);
    expect(await requests(() => reader.query('c', q([1, 0])))).toBeGreaterThan(0);
    expect((await reader.query('c', q([0, 1]))).map((p) => p.id)).toEqual([2, 1]);
  });

  it("sees this process's own writes at once, whatever the bound", async () => {
    const { reader, requests } = setup(60_000);
    await reader.createCollection('c', config(2));
    await reader.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true);
    await reader.query('c', q([1, 0]));
    expect(await requests(() => reader.query('c', q([1, 0])))).toBe(0);
    await reader.upsertPoints('c', [{ id: 2, vector: [0, 1] }], true);
    expect((await reader.query('c', q([0, 1]))).map((p) => p.id)).toEqual([2, 1]);
  });

  it('strong by default: every query revalidates', async () => {
    const { reader, requests } = setup(0);
    await reader.createCollection('c', config(2));
    await reader.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true);
    await reader.query('c', q([1, 0]));
    expect(await requests(() => reader.query('c', q([1, 0])))).toBeGreaterThan(0);
  });
});
