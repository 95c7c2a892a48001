/**
 * A reader's consistent view of one collection: a manifest, the WAL tail listed at about the same time, and which
 * tail entries win over segment copies.
 *
 * Invariants (§4.2 read your writes):
 * - The manifest and the WAL listing (from the floor, tail.ts) are fetched in parallel, after the query arrived. A write acknowledged before
 *   that has its WAL object in the listing (WAL objects are deleted only a grace period after a manifest sealed
 *   them, and then any manifest we read holds their points). If our manifest records it as sealed, its points are
 *   in our segments; if not, we read it as tail, even when a newer manifest has sealed it meanwhile (its points are
 *   then in segments we do not search, so the tail copy is the one we see).
 * - A tail entry wins over segment copies when its version is newer than every live copy. Entries newer than the
 *   manifest's `sealedHigh` win without a lookup; older ("late") entries, written by a writer whose clock lagged,
 *   are checked against the live copies in segments (the optimizer applies the same rule when it seals them).
 * - Winning entries shadow segment copies: their ids go into every task's `exclude`.
 * - Winners are a function of the manifest and the tail: both readers hand back their very objects while nothing
 *   changed (ManifestCache, WalTailReader's fold), so the winners of that pair are resolved once and shared by the
 *   queries that see it (under a writer, a few dozen queries a tail). Callers never mutate a snapshot.
 */
import { collectionNotFound } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import { manifestKey } from './keys.js';
import type { Manifest, ManifestCache } from './manifest.js';
import type { SegmentAccess } from './segment-access.js';
import type { Tail, TailEntry, WalTailReader } from './tail.js';
import type { PointId } from '../model/point-id.js';

export interface Snapshot {
  name: string;
  /** collection prefix (keys.ts) */
  collection: string;
  manifest: Manifest;
  etag: string;
  tail: Tail;
  /** newest tail entry per id that beats every segment copy (a null vector = deleted) */
  winners: Map<PointId, TailEntry>;
}

/** The tail entries that win over segment copies (see the header). */
export async function resolveWinners(
  access: SegmentAccess,
  collection: string,
  manifest: Manifest,
  tail: Tail,
  io?: IoScope,
): Promise<Map<PointId, TailEntry>> {
  const winners = new Map<PointId, TailEntry>();
  const late: TailEntry[] = [];
  for (const e of tail.entries.values()) {
    if (e.version > manifest.sealedHigh) winners.set(e.id, e);
    else late.push(e);
  }
  if (late.length > 0) {
    // a loop, not Math.min(...spread): a spread of a large tail overflows the call stack
    let minLate = Number.POSITIVE_INFINITY;
    for (const e of late) if (e.version < minLate) minLate = e.version;
    const candidates = manifest.segments.filter((s) => s.maxVersion >= minLate);
    const copies = await access.liveCopies(
      collection,
      candidates,
      late.map((e) => e.id),
      io,
    );
    for (const e of late) {
      const copy = copies.get(e.id);
      if (copy === undefined || e.version > copy.version) winners.set(e.id, e);
    }
  }
  return winners;
}

const resolved = new WeakMap<Tail, { manifest: Manifest; winners: Map<PointId, TailEntry> }>();

export async function openSnapshot(
  deps: { manifests: ManifestCache; wal: WalTailReader; access: SegmentAccess },
  name: string,
  collection: string,
  io?: IoScope,
): Promise<Snapshot> {
  const { current, listed } = await deps.wal.listWith(
    collection,
    deps.manifests.current(manifestKey(collection), io),
    io,
  );
  if (current === null) throw collectionNotFound(name);
  const tail = await deps.wal.read(collection, current.manifest, listed, io);
  const memo = resolved.get(tail);
  let winners = memo?.manifest === current.manifest ? memo.winners : undefined;
  if (winners === undefined) {
    winners = await resolveWinners(deps.access, collection, current.manifest, tail, io);
    resolved.set(tail, { manifest: current.manifest, winners });
  }
  return { name, collection, manifest: current.manifest, etag: current.etag, tail, winners };
}
