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
 * - A tail that extends the one before it (tail.ts `tailExtension`) under the same manifest extends that tail's
 *   winners when they had no late entry and every entry it set is newer than `sealedHigh`: a copy of the winners
 *   with those entries set in order, the map a full resolve builds, keys in the same order (on-time entries in the
 *   tail's order; late ones would come after them, hence the condition). Each winners map has a lineage
 *   (`winnersLineage`): a generation number and, when extended, its base's lineage and the entries set, so the packed
 *   rows (tail-rows.ts), which may be several extensions behind (queries pack in their own order), can catch up. A
 *   lineage holds entries, never maps, and is cut MAX_LINEAGE steps back, so it keeps no old tail alive.
 */
import { collectionNotFound } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import { manifestKey } from './keys.js';
import type { Manifest, ManifestCache } from './manifest.js';
import type { SegmentAccess } from './segment-access.js';
import { type Tail, type TailEntry, tailExtension, type WalTailReader } from './tail.js';
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
  return (await resolve(access, collection, manifest, tail, io)).winners;
}

async function resolve(
  access: SegmentAccess,
  collection: string,
  manifest: Manifest,
  tail: Tail,
  io?: IoScope,
): Promise<Resolved> {
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
  return { manifest, winners, late: late.length > 0 };
}

/** A tail's winners under a manifest, and whether any entry was late (resolved against segment copies). */
interface Resolved {
  manifest: Manifest;
  winners: Map<PointId, TailEntry>;
  late: boolean;
}

const resolved = new WeakMap<Tail, Resolved>();

/**
 * Where a winners map comes from: its generation (increasing within a thread) and, when it extends another map,
 * that map's lineage and the entries set on the copy, in order (null: resolved whole, or cut).
 */
export interface WinnersLineage {
  readonly gen: number;
  /**
   * one token per map resolved whole, shared by every map extended from it through however many steps: what the
   * packed rows are kept per (a collection's tail since its last whole resolve)
   */
  readonly family: object;
  from: { readonly base: WinnersLineage; readonly set: readonly TailEntry[] } | null;
}

/** how many extensions a lineage reaches back */
export const MAX_LINEAGE = 64;
const lineages = new WeakMap<ReadonlyMap<PointId, TailEntry>, WinnersLineage>();
let generations = 0;

/** The lineage of a snapshot's winners (see the header). */
export function winnersLineage(winners: ReadonlyMap<PointId, TailEntry>): WinnersLineage | undefined {
  return lineages.get(winners);
}

function noteLineage(winners: ReadonlyMap<PointId, TailEntry>, from: WinnersLineage['from']): void {
  const lineage: WinnersLineage = { gen: ++generations, family: from?.base.family ?? {}, from };
  lineages.set(winners, lineage);
  let at: WinnersLineage | undefined = lineage;
  for (let k = 0; k < MAX_LINEAGE && at !== undefined; k++) at = at.from?.base;
  if (at !== undefined) at.from = null;
}

/** The winners of `tail` under `manifest` extended from its base tail's, or null when they must be resolved whole. */
function extendWinners(manifest: Manifest, tail: Tail): Map<PointId, TailEntry> | null {
  const ext = tailExtension(tail);
  if (ext === undefined) return null;
  const from = resolved.get(ext.base);
  if (from === undefined || from.manifest !== manifest || from.late) return null;
  for (const e of ext.set) if (!(e.version > manifest.sealedHigh)) return null;
  const winners = new Map(from.winners);
  for (const e of ext.set) winners.set(e.id, e);
  const base = lineages.get(from.winners);
  noteLineage(winners, base === undefined ? null : { base, set: ext.set });
  return winners;
}

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
  const manifest = current.manifest;
  let memo = resolved.get(tail);
  if (memo?.manifest !== manifest) {
    const extended = extendWinners(manifest, tail);
    memo = extended !== null ? { manifest, winners: extended, late: false } : undefined;
    if (memo === undefined) {
      memo = await resolve(deps.access, collection, manifest, tail, io);
      noteLineage(memo.winners, null);
    }
    resolved.set(tail, memo);
  }
  const winners = memo.winners;
  return { name, collection, manifest: current.manifest, etag: current.etag, tail, winners };
}
