/**
 * A sparse query as the coordinator sends it to the tail scan and the workers: validated and sorted as an upserted
 * sparse vector is, and, for a sparse name with `modifier: idf`, each weight multiplied by its dimension's inverse
 * document frequency over the whole collection (Qdrant's formula, lib/model/sparse-vector.ts `idf`).
 *
 * Invariants: n and df count the snapshot's live points only: tail upserts holding the vector, plus segment copies
 * that are neither tombstoned nor shadowed by a tail entry (a tail delete or newer version), so IDF follows adds and
 * deletes at once. The segments' counts come from their sparse directories (lib/segment/sparse-paged.ts: one
 * ranged GET per segment, in one parallel round, kept by the point source): a segment whose points all count needs
 * nothing else; one with dead or shadowed points also reads the query dimensions' posting lists and its row table
 * (one more round) to leave those points out.
 */
import { invalid } from '../model/errors.js';
import { findSparseSpace } from '../model/sparse-spaces.js';
import { type SparseVector, idfWeighted, isSparse, parseSparseVector, wrongSparse } from '../model/sparse-vector.js';
import { findVectorSpace } from '../model/vector-spaces.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ServiceContext } from './context.js';
import { liveSource } from './segment-access.js';
import type { Snapshot } from './snapshot.js';

/** The sparse query `raw` over sparse name `using`, checked, sorted and IDF-weighted when configured. */
export async function prepareSparseQuery(
  ctx: ServiceContext,
  snap: Snapshot,
  raw: unknown,
  using: string,
  io?: IoScope,
): Promise<SparseVector> {
  const space = findSparseSpace(snap.manifest.config, using);
  if (space === undefined) {
    throw findVectorSpace(snap.manifest.config, using) !== undefined
      ? wrongSparse()
      : invalid(`Not existing vector name error: ${using}`);
  }
  const q = parseSparseVector(raw, 'query');
  if (space.modifier !== 'idf') return q;
  const { n, df } = await documentFrequencies(ctx, snap, using, q.indices, io);
  return idfWeighted(q, n, (d) => df.get(d) ?? 0);
}

/**
 * Several sparse vectors of one query over `using` (the examples of a recommend / discover / context / feedback
 * query), each checked and sorted, then IDF-weighted when configured, with ONE count of the collection over the
 * union of their dimensions.
 */
export async function prepareSparseExamples(
  ctx: ServiceContext,
  snap: Snapshot,
  raws: readonly unknown[],
  using: string,
  io?: IoScope,
): Promise<SparseVector[]> {
  const space = findSparseSpace(snap.manifest.config, using);
  if (space === undefined) throw invalid(`Not existing vector name error: ${using}`);
  const vectors = raws.map((raw, i) => parseSparseVector(raw, `example.${i}`));
  if (space.modifier !== 'idf' || vectors.length === 0) return vectors;
  const dims = Uint32Array.from(new Set(vectors.flatMap((v) => Array.from(v.indices)))).sort();
  const { n, df } = await documentFrequencies(ctx, snap, using, dims, io);
  return vectors.map((v) => idfWeighted(v, n, (d) => df.get(d) ?? 0));
}

/** n = live points holding sparse name `using`; df = of those, the ones holding each of `dims`. */
export async function documentFrequencies(
  ctx: ServiceContext,
  snap: Snapshot,
  using: string,
  dims: Uint32Array,
  io?: IoScope,
): Promise<{ n: number; df: Map<number, number> }> {
  const df = new Map<number, number>(Array.from(dims, (d) => [d, 0]));
  let n = 0;
  for (const e of snap.winners.values()) {
    const v = e.vectors?.get(using);
    if (v === undefined || !isSparse(v)) continue;
    n++;
    for (const d of v.indices) {
      const c = df.get(d);
      if (c !== undefined) df.set(d, c + 1);
    }
  }
  const perSegment = await Promise.all(
    snap.manifest.segments.map(async (s) => {
      // a stale sparse space (its name deleted or re-created since) holds no live point's vector
      const source = liveSource(await ctx.access.points(snap.collection, s.id, io), snap.manifest.config);
      if (source.meta.sparse?.[using] === undefined) return null;
      const [reader, table, tomb] = await Promise.all([
        source.sparse(using, io),
        ctx.access.ids(snap.collection, s.id, io),
        ctx.access.tombstones(snap.collection, s.id, s.deletedVersion, io),
      ]);
      // points left out: tombstoned, or shadowed by a tail entry (found from the tail's ids: the tail is small, a
      // segment's point list is not)
      const shadowed = new Uint8Array(source.meta.count);
      let any = tomb !== null;
      for (const id of snap.winners.keys()) {
        const o = table.offsetOf(id);
        if (o >= 0) {
          shadowed[o] = 1;
          any = true;
        }
      }
      const accept = any ? (o: number): boolean => shadowed[o] === 0 && !tomb?.has(o) : null;
      return reader.documentFrequencies(dims, accept, io);
    }),
  );
  for (const r of perSegment) {
    if (r === null) continue;
    n += r.rows;
    dims.forEach((d, i) => df.set(d, (df.get(d) ?? 0) + r.df[i]));
  }
  return { n, df };
}
