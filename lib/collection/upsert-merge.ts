/**
 * Several prepared upsert batches as one (group commit, group-commit.ts): the parts' points one after another, in
 * the order given, so one WAL record holds what the parts would have written one by one.
 *
 * Invariants:
 * - Same outcome as writing the parts in order: within a record the last occurrence of an id wins (wal.ts), so a
 *   later part's point shadows an earlier part's copy of the same id, as a later record would.
 * - Each vector name keeps one block (dense, multivector with its `counts`, or sparse); a block whose holders are
 *   every point of the merged batch has `points: null`, so parts that each hold only the unnamed vector merge into
 *   a batch that encodes as version 1, byte for byte what one such part alone encodes as (no new record format).
 * - Parts are merged only when `mergeable` says so: every name they share has one size in all of them (a config
 *   changed between two requests could give a name another size; such parts are written apart).
 */
import type { PreparedUpserts, WalSparseBlock, WalVectorBlock } from './wal.js';

/** Whether `next` can join `group` in one record: the dense names they share have equal sizes. */
export function mergeable(group: readonly PreparedUpserts[], next: PreparedUpserts): boolean {
  for (const b of next.vectors) {
    for (const g of group) {
      const other = g.vectors.find((x) => x.name === b.name);
      if (other !== undefined && (other.dim !== b.dim || (other.counts === undefined) !== (b.counts === undefined)))
        return false;
    }
  }
  return true;
}

/** The parts as one batch, in order (a single part is returned as it is). */
export function mergeUpserts(parts: readonly PreparedUpserts[]): PreparedUpserts {
  if (parts.length === 1) return parts[0];
  const offsets: number[] = [];
  let n = 0;
  for (const p of parts) {
    offsets.push(n);
    n += p.ids.length;
  }
  const vectors = [...blockNames(parts.map((p) => p.vectors))].map((name) => mergeDense(parts, offsets, n, name));
  const sparse = [...blockNames(parts.map((p) => p.sparse ?? []))].map((name) => mergeSparse(parts, offsets, n, name));
  return {
    ids: parts.flatMap((p) => p.ids),
    payloads: parts.flatMap((p) => p.payloads),
    vectors,
    ...(sparse.length > 0 ? { sparse } : {}),
  };
}

/** Names of the blocks, in order of first appearance. */
function blockNames(lists: readonly (readonly { name: string }[])[]): Set<string> {
  const names = new Set<string>();
  for (const l of lists) for (const b of l) names.add(b.name);
  return names;
}

/** The merged batch's holder indices of one name (null: every point holds it). */
function mergedHolders(
  blocks: readonly ({ points: number[] | null } | undefined)[],
  lengths: readonly number[],
  offsets: readonly number[],
  n: number,
): number[] | null {
  const points: number[] = [];
  blocks.forEach((b, k) => {
    if (b === undefined) return;
    if (b.points === null) for (let i = 0; i < lengths[k]; i++) points.push(offsets[k] + i);
    else for (const i of b.points) points.push(offsets[k] + i);
  });
  return points.length === n ? null : points;
}

function mergeDense(
  parts: readonly PreparedUpserts[],
  offsets: readonly number[],
  n: number,
  name: string,
): WalVectorBlock {
  const blocks = parts.map((p) => p.vectors.find((b) => b.name === name));
  const present = blocks.filter((b): b is WalVectorBlock => b !== undefined);
  const data = new Float32Array(present.reduce((t, b) => t + b.data.length, 0));
  let at = 0;
  for (const b of present) {
    data.set(b.data, at);
    at += b.data.length;
  }
  const points = mergedHolders(
    blocks,
    parts.map((p) => p.ids.length),
    offsets,
    n,
  );
  const block: WalVectorBlock = { name, dim: present[0].dim, points, data };
  if (present[0].counts !== undefined) block.counts = present.flatMap((b) => b.counts ?? []);
  // the storage type only when every part has it (one name has one datatype per generation; merged parts share it)
  const type = present[0].datatype;
  if (type !== undefined && present.every((b) => b.datatype === type)) block.datatype = type;
  return block;
}

function mergeSparse(
  parts: readonly PreparedUpserts[],
  offsets: readonly number[],
  n: number,
  name: string,
): WalSparseBlock {
  const blocks = parts.map((p) => p.sparse?.find((b) => b.name === name));
  const points = mergedHolders(
    blocks,
    parts.map((p) => p.ids.length),
    offsets,
    n,
  );
  return { name, points, rows: blocks.flatMap((b) => b?.rows ?? []) };
}
