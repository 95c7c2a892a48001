/**
 * The WAL tail's dense rows packed into a SIMD arena, so a query scores the tail's winners with the
 * wasm kernels (dot_f64, l2_f64: float64 sums in the JS kernels' order, so every similarity is bit-identical to
 * similarityFn's) instead of one JS call per point. Why: under a concurrent writer a query scores a tail of thousands
 * of points, and that loop was the coordinator's largest cost (~16% of its thread; 100-d rows: ~80 ns a row in JS,
 * ~25 ns in wasm).
 *
 * Invariants:
 * - One arena per winners family (snapshot.ts WinnersLineage: a collection's tail since its last whole resolve) and
 *   vector name, so collections and names queried in turn keep their own, reused: rows are packed again only when a query names another
 *   (winners map, vector name) pair than the one packed and cannot extend it. Winners maps are immutable and shared
 *   by every snapshot of the same manifest and tail (snapshot.ts), so rows are packed once per tail, not per query.
 *   The arena goes with the family's last winners map.
 * - Packing and scoring run in one synchronous call: no other query can repack between them (scorePacked checks).
 * - Row i of the arena is the vector of `entries[i]` (null: an empty row, skipped), the winners holding that dense
 *   name in the winners' order, so a caller offering candidates in that order ties as the plain loop does.
 * - Under a writer each new WAL object extends the winners (snapshot.ts `winnersLineage`); the rows are then
 *   extended too (`extend`, from however many extensions behind the lineage reaches), not packed again. A query
 *   holding winners older than the packed ones of its family (it opened its snapshot before the newest WAL object)
 *   scores in JS: packing them back would make the queries after it pack the newer ones again.
 * - Nothing is packed past ROWS_BUDGET a family or the thread's budget (setTailRowsBudget) (a second copy of a large tail would
 *   double its memory), for Manhattan (no kernel), uint8 Cosine (its similarity is the bytes' full cosine), or a dim
 *   not a multiple of 4: the caller then scores in JS (`packTail` returns null).
 */
import { allocateSimdArena, SIMD_BATCH, type SimdArena } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';
import type { PointId } from '../model/point-id.js';
import { isSparse } from '../model/sparse-vector.js';
import type { VectorDatatype } from '../model/collection-config.js';
import { type WinnersLineage, winnersLineage } from './snapshot.js';
import type { TailEntry } from './tail.js';

/** the largest tail copy a family packs (bytes of rows) */
const ROWS_BUDGET = 64 * 1024 * 1024;
/**
 * what every packed arena of this thread may hold together: past it a new one is not allocated and that tail is
 * scored in JS (an arena's bytes return when the collector takes it, its family's winners gone)
 */
export const DEFAULT_TAIL_ROWS_BUDGET = 256 * 1024 * 1024;
let budget = DEFAULT_TAIL_ROWS_BUDGET;
let held = 0;
const released = new FinalizationRegistry<number>((bytes) => {
  held -= bytes;
});

/**
 * A packed tail: row i belongs to entries[i], the winners holding vector `using` in the winners' order; null: a row
 * left empty (its point lost the vector since it was packed; an extension may fill it again, at its place).
 */
export interface PackedTail {
  readonly entries: readonly (TailEntry | null)[];
  readonly dim: number;
}

/** One family's packed rows of one vector name (see the header): its arena, and the winners map they hold now. */
interface Packed {
  arena: SimdArena;
  /** bytes of rows, and floats of query, the arena holds room for */
  capacity: number;
  queryRoom: number;
  winners: ReadonlyMap<PointId, TailEntry>;
  lineage: WinnersLineage;
  dim: number;
  tail: PackedTail;
  entries: (TailEntry | null)[];
  /** the row of every id that has one (empty rows included) */
  rowOf: Map<PointId, number>;
  empty: number;
}

/** packed rows per winners family (snapshot.ts WinnersLineage): dropped with the family's last winners map */
const families = new WeakMap<object, Map<string, Packed>>();

/** The family's packed rows of vector `using` (each vector name searched keeps its own). */
function stateOf(family: object, using: string): Packed | undefined {
  return families.get(family)?.get(using);
}

function setState(family: object, using: string, state: Packed | null): void {
  let byName = families.get(family);
  if (byName === undefined) families.set(family, (byName = new Map()));
  if (state === null) byName.delete(using);
  else byName.set(using, state);
}
/** which state a packed tail was handed out from */
const owners = new WeakMap<PackedTail, Packed>();

/** Sets this thread's budget for packed tail rows, in bytes (arenas already allocated are kept). */
export function setTailRowsBudget(bytes: number): void {
  budget = bytes;
}

/** e's vector `using` when it is a dense one of `dim` values; else null (a point the dense scorers skip). */
function rowOf(e: TailEntry, using: string, dim: number): Float32Array | null {
  const v = e.vectors?.get(using);
  return v === undefined || isSparse(v) || v.length !== dim ? null : (v as Float32Array);
}

/** The packed copy of the winners' rows of `using`, or null when the tail is scored in JS (see the header). */
export function packTail(
  winners: ReadonlyMap<PointId, TailEntry>,
  using: string,
  dim: number,
  distance: Distance,
  datatype: VectorDatatype | undefined,
): PackedTail | null {
  if (distance === 'Manhattan' || (distance === 'Cosine' && datatype === 'uint8') || dim === 0 || dim % 4 !== 0)
    return null;
  const lineage = winnersLineage(winners);
  if (lineage === undefined) return null;
  const p = stateOf(lineage.family, using);
  if (p !== undefined && p.dim === dim) {
    if (p.winners === winners) return p.tail;
    // older winners than the packed ones (a query that opened its snapshot before the newest WAL object): JS
    if (lineage.gen < p.lineage.gen && descends(p.lineage, lineage.gen) !== null) return null;
    const sets = descends(lineage, p.lineage.gen);
    if (sets !== null && extend(p, sets, using, dim)) {
      p.winners = winners;
      p.lineage = lineage;
      return handOut(p);
    }
  }
  const entries: TailEntry[] = [];
  for (const e of winners.values()) if (rowOf(e, using, dim) !== null) entries.push(e);
  const bytes = entries.length * dim * 4;
  if (bytes > ROWS_BUDGET) {
    setState(lineage.family, using, null);
    return null;
  }
  let arena = p?.arena ?? null;
  let capacity = p?.capacity ?? 0;
  let queryRoom = p?.queryRoom ?? 0;
  if (arena === null || bytes > capacity || dim > queryRoom) {
    // room for half as much again, so a growing tail reallocates a few times, not once per WAL object
    capacity = Math.min(ROWS_BUDGET, Math.max(bytes + (bytes >> 1), 1 << 20));
    queryRoom = dim;
    arena = held + capacity > budget ? null : allocateSimdArena(capacity, 4 * dim);
    if (arena === null) {
      setState(lineage.family, using, null);
      return null;
    }
    held += capacity;
    released.register(arena, capacity);
  }
  const rows = new Float32Array(arena.buffer, 0, bytes >> 2);
  const rowIds = new Map<PointId, number>();
  for (let i = 0; i < entries.length; i++) {
    rows.set(rowOf(entries[i], using, dim) as Float32Array, i * dim);
    rowIds.set(entries[i].id, i);
  }
  const state: Packed = {
    arena,
    capacity,
    queryRoom,
    winners,
    lineage,
    dim,
    tail: { entries, dim },
    entries,
    rowOf: rowIds,
    empty: 0,
  };
  setState(lineage.family, using, state);
  return handOut(state);
}

/** A fresh PackedTail over the state's rows, the only one scorePacked accepts from now on. */
function handOut(p: Packed): PackedTail {
  p.tail = { entries: p.entries, dim: p.dim };
  owners.set(p.tail, p);
  return p.tail;
}

/**
 * The entry sets that lead from generation `gen` to `lineage`, oldest first ([] when it is that generation), or null
 * when `lineage` does not descend from it (within MAX_LINEAGE steps).
 */
function descends(lineage: WinnersLineage, gen: number): (readonly TailEntry[])[] | null {
  const sets: (readonly TailEntry[])[] = [];
  for (let at: WinnersLineage | undefined = lineage; at !== undefined; at = at.from?.base) {
    if (at.gen === gen) return sets.reverse();
    if (at.gen < gen || at.from === null) return null;
    sets.push(at.from.set);
  }
  return null;
}

/**
 * Sets the extensions' entries (in order) into the packed rows, as a full pack of the extended winners would lay
 * them out: a point with a row keeps its place (its row rewritten, or left empty when it lost the vector); a new
 * point with the vector is appended. false (the caller packs whole): a point without a row gains the vector (its
 * place is among the rows, not after them), the arena is full, or half its rows are empty.
 */
function extend(p: Packed, sets: readonly (readonly TailEntry[])[], using: string, dim: number): boolean {
  const rows = new Float32Array(p.arena.buffer, 0, p.capacity >> 2);
  const skipped = new Set<PointId>();
  const before = p.winners;
  for (const e of sets.flat()) {
    const v = rowOf(e, using, dim);
    const row = p.rowOf.get(e.id);
    if (row !== undefined) {
      if (v !== null) rows.set(v, row * dim);
      if ((p.entries[row] === null) !== (v === null)) p.empty += v === null ? 1 : -1;
      p.entries[row] = v === null ? null : e;
    } else if (v === null) {
      skipped.add(e.id);
    } else {
      if (before.has(e.id) || skipped.has(e.id) || (p.entries.length + 1) * dim * 4 > p.capacity) return false;
      rows.set(v, p.entries.length * dim);
      p.rowOf.set(e.id, p.entries.length);
      p.entries.push(e);
    }
  }
  return 2 * p.empty <= p.entries.length;
}

/**
 * out[j] = the similarity of row idx[j] of `tail` (j < count) to q, as similarityFn(distance) computes it over the
 * stored float32 values. `tail` must be the one this thread packed last (same synchronous call).
 */
export function scorePacked(
  tail: PackedTail,
  q: Float32Array,
  distance: Distance,
  idx: Uint32Array,
  count: number,
  out: Float64Array,
): void {
  const p = owners.get(tail);
  if (p === undefined || p.tail !== tail) throw internal('the packed tail was replaced before it was scored');
  const a = p.arena;
  const dim = tail.dim;
  new Float32Array(a.buffer, a.queryOffset, dim).set(q);
  const euclid = distance === 'Euclid';
  const kernel = euclid ? a.kernels.l2_f64 : a.kernels.dot_f64;
  const ids = a.ids;
  const sims = a.outF64;
  for (let done = 0; done < count; done += SIMD_BATCH) {
    const c = Math.min(SIMD_BATCH, count - done);
    for (let j = 0; j < c; j++) ids[j] = idx[done + j];
    kernel(0, dim * 4, a.queryOffset, a.idsOffset, c, a.outOffset);
    if (euclid) for (let j = 0; j < c; j++) out[done + j] = -sims[j];
    else for (let j = 0; j < c; j++) out[done + j] = sims[j];
  }
}
