/**
 * The optimizer's planner is pure (optimizers/plan.ts): each step is pinned here from plain inputs, without a store.
 * The executed behaviour (objects, swaps, races, crashes) is pinned by the other tests in this folder.
 */
import { describe, expect, it } from 'vitest';
import type { Manifest, SegmentBuild, SegmentEntry } from '../../../lib/collection/manifest.js';
import { newManifest } from '../../../lib/collection/manifest.js';
import { plan } from '../../../lib/collection/optimizers/plan.js';
import type { PlanInput } from '../../../lib/collection/optimizers/plan.js';
import type { LiveCopy } from '../../../lib/collection/segment-access.js';
import type { Tail, TailEntry } from '../../../lib/collection/tail.js';
import type { PointId } from '../../../lib/model/point-id.js';
import { config } from '../../support/collection-harness.js';

const DIM = 4;
const BUILD: SegmentBuild = { m: 16, efConstruct: 100, vectorsOnDisk: false, graphOnDisk: false, quantile: null };

function manifest(segments: SegmentEntry[], over: { segments?: number; maxKb?: number; indexingKb?: number } = {}) {
  const m: Manifest = newManifest(
    'c',
    config(DIM, 'Dot', { segments: over.segments ?? 2, indexingKb: over.indexingKb ?? 0 }),
    'inc',
    0,
  );
  if (over.maxKb !== undefined) m.config.optimizers_config.max_segment_size = over.maxKb;
  return { ...m, segments };
}

function seg(id: string, points: number, deleted = 0, build: SegmentBuild | null = BUILD): SegmentEntry {
  return {
    id,
    points,
    deleted,
    deletedVersion: deleted > 0 ? 1 : 0,
    minVersion: 1,
    maxVersion: 10,
    vectorBytes: points * DIM * 4,
    indexed: false,
    ...(build ? { build } : {}),
  };
}

function entry(id: PointId, version: number, deleted = false): TailEntry {
  return {
    id,
    version,
    writer: 'w',
    wal: `w${version}`,
    vectors: deleted ? null : new Map([['', new Float32Array(DIM).fill(version)]]),
    payload: null,
  };
}

function tail(entries: TailEntry[], foreign: string[] = []): Tail {
  return {
    entries: new Map(entries.map((e) => [e.id, e])),
    names: [...new Set(entries.map((e) => e.wal))],
    maxSeq: Math.max(0, ...entries.map((e) => e.version)),
    foreign,
  };
}

function input(
  m: Manifest,
  t: Tail,
  copies: [PointId, LiveCopy][] = [],
  builds: [string, SegmentBuild][] = [],
): PlanInput {
  return { manifest: m, tail: t, copies: new Map(copies), builds: new Map(builds) };
}

function copy(segment: SegmentEntry, offset: number, version: number): LiveCopy {
  return { segment, offset, version };
}

const many = (from: number, n: number, version = 100) => Array.from({ length: n }, (_, i) => entry(from + i, version));

describe('plan: seal', () => {
  it('a newer tail entry wins over its sealed copy (tombstoned); an older late write is dropped; a delete writes nothing', () => {
    const a = seg('a', 10);
    const p = plan(
      input(manifest([a]), tail([entry(1, 50), entry(2, 5), entry(3, 60, true), entry(4, 70)], ['old-incarnation']), [
        [1, copy(a, 0, 20)],
        [2, copy(a, 1, 20)],
        [3, copy(a, 2, 20)],
      ]),
    );
    expect(p.seal.fresh.ids).toEqual([1, 4]);
    expect(p.seal.tombstones).toEqual(new Map([['a', [0, 2]]]));
    expect(p.seal.tombstoned).toBe(2);
    expect(p.seal.wal).toEqual(['w50', 'w5', 'w60', 'w70', 'old-incarnation']);
    expect(p.commits).toBe(true);
  });

  it('fresh points are written in id order, numbers before UUIDs', () => {
    const u = '00000000-0000-0000-0000-000000000001';
    const p = plan(input(manifest([]), tail([entry(u, 1), entry(9, 2), entry(3, 3)])));
    expect(p.seal.fresh.ids).toEqual([3, 9, u]);
  });
});

describe('plan: merge', () => {
  it('a first seal splits into default_segment_number parts, or autoSegments when it is 0', () => {
    expect(plan(input(manifest([], { segments: 3 }), tail(many(0, 30)))).firstSealParts).toBe(3);
    expect(plan(input(manifest([], { segments: 0 }), tail(many(0, 30))), { autoSegments: 4 }).firstSealParts).toBe(4);
    expect(plan(input(manifest([], { segments: 0 }), tail(many(0, 30)))).firstSealParts).toBe(1);
  });

  it('a first seal splits into more parts when max_segment_size demands (KB of float32 vectors)', () => {
    // 1 KB = 64 points of 4 dims: 300 points need 5 segments though the target is 2
    const p = plan(input(manifest([], { segments: 2, maxKb: 1 }), tail(many(0, 300))));
    expect(p.firstSealParts).toBe(5);
    expect(p.maxPoints).toBe(64);
  });

  it('a later seal within the target adds one segment and merges nothing', () => {
    const p = plan(input(manifest([seg('a', 100)], { segments: 2 }), tail(many(1000, 10))));
    expect(p.firstSealParts).toBeNull();
    expect(p.merge).toBeNull();
  });

  it('past the target, the smallest segments merge with the new points, never past max_segment_size', () => {
    const segs = [seg('big', 500), seg('small', 10), seg('mid', 40)];
    const p = plan(input(manifest(segs, { segments: 2 }), tail(many(1000, 5))));
    // 3 kept + 1 new = 4 > 2: the 2 smallest join the new points
    expect(p.merge?.sources.map((s) => s.id)).toEqual(['small', 'mid']);
    const capped = plan(input(manifest(segs, { segments: 2, maxKb: 0.2 }), tail(many(1000, 5))));
    // 0.2 KB = 12 points: 5 new + 10 small = 15 already exceeds it, so nothing merges
    expect(capped.merge).toBeNull();
  });

  it('a run with nothing to seal starts no merge', () => {
    const p = plan(input(manifest([seg('a', 5), seg('b', 5), seg('c', 5)], { segments: 1 }), tail([])));
    expect(p.merge).toBeNull();
    expect(p.commits).toBe(false);
  });
});

describe('plan: rebuild', () => {
  const stale: SegmentBuild = { ...BUILD, vectorsOnDisk: true };

  it('rebuilds stale kept segments oldest first within the budget, the first always, and reports the rest', () => {
    const segs = [seg('s1', 500, 0, stale), seg('ok', 10), seg('s2', 20, 0, stale), seg('s3', 30, 0, stale)];
    const p = plan(input(manifest(segs, { segments: 8 }), tail([])), { rebuild: { segments: 4, points: 100 } });
    // s1 alone passes the point budget but is taken (first); s2 would pass it after s1
    expect(p.rebuilds.map((r) => r.segment.id)).toEqual(['s1']);
    expect(p.pendingRebuilds).toBe(2);
    expect(p.commits).toBe(true);
    const wide = plan(input(manifest(segs, { segments: 8 }), tail([])), { rebuild: { segments: 2, points: 1e6 } });
    expect(wide.rebuilds.map((r) => r.segment.id)).toEqual(['s1', 's2']);
    expect(wide.pendingRebuilds).toBe(1);
  });

  it('judges an entry without recorded build parameters by the ones read from its meta', () => {
    const legacy = seg('legacy', 10, 0, null);
    expect(plan(input(manifest([legacy]), tail([]), [], [['legacy', stale]])).rebuilds).toHaveLength(1);
    expect(plan(input(manifest([legacy]), tail([]), [], [['legacy', BUILD]])).rebuilds).toHaveLength(0);
  });

  it('keeps an existing graph and builds one when the threshold asks', () => {
    const indexed = { ...seg('g', 10, 0, { ...BUILD, efConstruct: 50 }), indexed: true };
    const p = plan(input(manifest([indexed], { indexingKb: 1_000_000 }), tail([])));
    expect(p.rebuilds).toEqual([{ kind: 'rebuild', segment: indexed, index: true }]);
    const grows = plan(input(manifest([seg('n', 1000)], { indexingKb: 1 }), tail([])));
    expect(grows.rebuilds.map((r) => r.index)).toEqual([true]);
  });

  it('a segment merged away by this run is not also rebuilt', () => {
    const segs = [seg('big', 500), seg('small', 10, 0, stale)];
    const p = plan(input(manifest(segs, { segments: 2 }), tail(many(1000, 5))));
    expect(p.merge?.sources.map((s) => s.id)).toEqual(['small']);
    expect(p.rebuilds).toEqual([]);
  });
});

describe('plan: vacuum', () => {
  it('a segment whose last live points this run replaces is dropped, not merged or rebuilt', () => {
    const a = seg('a', 2, 1);
    const p = plan(input(manifest([a, seg('b', 50)], { segments: 4 }), tail([entry(7, 90)]), [[7, copy(a, 1, 3)]]));
    expect(p.vacuum.drop).toEqual(['a']);
    expect(p.merge).toBeNull();
    expect(p.steps.map((s) => s.kind)).toEqual(['seal', 'vacuum']);
  });

  it('a run with nothing to do only collects garbage (or nothing at all with gc off)', () => {
    const p = plan(input(manifest([seg('a', 5)]), tail([])));
    expect(p.steps).toEqual([{ kind: 'vacuum', drop: [], gc: true }]);
    expect(plan(input(manifest([seg('a', 5)]), tail([])), { gc: false }).vacuum.gc).toBe(false);
  });
});

it('is pure: the same inputs give the same plan, and the inputs are left as they were', () => {
  const a = seg('a', 10);
  const make = () =>
    input(manifest([a, seg('b', 3)], { segments: 1 }), tail([entry(1, 50), entry(2, 60)]), [[1, copy(a, 0, 20)]]);
  const given = make();
  const first = plan(given);
  expect(plan(given)).toEqual(first);
  expect(given).toEqual(make());
});
