/**
 * POST /collections/{name}/points/batch (Qdrant's UpdateOperations): every operation applied in order over one
 * snapshot, each seeing the effects of the ones before it, and the outcome written as ONE WAL record, so a request is
 * atomic: it lands whole or (any operation refused) not at all.
 *
 * The operations run over an overlay of the points they touch (id -> the point as it now stands, null: deleted),
 * filled from the snapshot on first touch. A filter selects the snapshot's matching points the overlay has not
 * touched, plus the touched points whose current payload matches. Only points an operation changed are written.
 *
 * Invariant: the record holds each id at most once, as an upsert (its final state) or a delete.
 */
import { invalid, pointNotFound } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import type { PointsSelector, PointVectors, UpsertRequest, VectorRows } from '../model/points.js';
import type { CollectionConfig } from '../model/collection-config.js';
import { vectorSpace } from '../model/vector-spaces.js';
import { compileFilter } from '../segment/filter.js';
import { deletePayloadKeys, overwritePayload, setPayload } from './payload-ops.js';
import type { FullPoint } from './reads.js';
import { batchRows } from './tail.js';
import { type PreparedUpserts, prepareUpserts, storedUpserts } from './wal.js';
import { isSparseName } from '../model/sparse-spaces.js';
import { withVectors, withoutVectors } from './vector-updates.js';

/** One operation of a batch, as the API parsed it. */
export type BatchOperation =
  | { upsert: UpsertRequest }
  | { delete: PointsSelector }
  | { set_payload: { payload: Payload; selector: PointsSelector; key?: string } }
  | { overwrite_payload: { payload: Payload; selector: PointsSelector } }
  | { delete_payload: { keys: string[]; selector: PointsSelector } }
  | { clear_payload: PointsSelector }
  | { update_vectors: { points: PointVectors[]; updateFilter?: Filter } }
  | { delete_vectors: { vectors: string[]; selector: PointsSelector } };

/** What the overlay reads from the snapshot. */
export interface BatchSource {
  config: CollectionConfig;
  /** the live points among `ids`, whole (payload and vectors) */
  load(ids: readonly PointId[]): Promise<FullPoint[]>;
  /** ids of the snapshot's live points matching `filter` */
  matching(filter: Filter): Promise<PointId[]>;
}

/** The batch's outcome: the final state of every changed point, and the deleted ids. */
export interface BatchOutcome {
  upserts: PreparedUpserts;
  deletes: PointId[];
}

export async function applyBatch(source: BatchSource, operations: readonly BatchOperation[]): Promise<BatchOutcome> {
  const { config } = source;
  const overlay = new Map<PointId, FullPoint | null>();
  const changed = new Set<PointId>();

  const touch = async (ids: readonly PointId[]): Promise<void> => {
    const fresh = ids.filter((id) => !overlay.has(id));
    if (fresh.length === 0) return;
    const loaded = new Map((await source.load(fresh)).map((p) => [p.id, p]));
    for (const id of fresh) overlay.set(id, loaded.get(id) ?? null);
  };
  const set = (id: PointId, p: FullPoint | null): void => {
    overlay.set(id, p);
    changed.add(id);
  };
  /** the selected points that exist now, in selection order */
  const select = async (selector: PointsSelector): Promise<FullPoint[]> => {
    let ids: PointId[];
    if ('points' in selector) ids = [...new Set(selector.points)];
    else {
      const pred = compileFilter(selector.filter, config.payload_schema);
      const fromSnapshot = (await source.matching(selector.filter)).filter((id) => !overlay.has(id));
      const touched = [...overlay.values()].filter(
        (p): p is FullPoint => p !== null && pred(p.id, p.payload, p.vectors),
      );
      ids = [...fromSnapshot, ...touched.map((p) => p.id)];
    }
    await touch(ids);
    return ids.map((id) => overlay.get(id)).filter((p): p is FullPoint => p !== null && p !== undefined);
  };

  for (const op of operations) {
    if ('upsert' in op) {
      const { points, update_mode: mode = 'upsert', update_filter } = op.upsert;
      const prepared = prepareUpserts(points, config);
      const rows = batchRows(prepared);
      await touch(prepared.ids);
      const pred = update_filter === undefined ? null : compileFilter(update_filter, config.payload_schema);
      prepared.ids.forEach((id, i) => {
        const now = overlay.get(id) ?? null;
        const allowed =
          now === null
            ? mode !== 'update_only'
            : mode !== 'insert_only' && (pred === null || pred(id, now.payload, now.vectors));
        if (allowed) set(id, { id, version: 0, payload: prepared.payloads[i], vectors: rows[i] });
      });
    } else if ('delete' in op) {
      for (const p of await select(op.delete)) set(p.id, null);
    } else if ('set_payload' in op) {
      const { payload, selector, key } = op.set_payload;
      for (const p of await select(selector)) set(p.id, { ...p, payload: setPayload(p.payload, payload, key) });
    } else if ('overwrite_payload' in op) {
      const { payload, selector } = op.overwrite_payload;
      for (const p of await select(selector)) set(p.id, { ...p, payload: overwritePayload(payload) });
    } else if ('delete_payload' in op) {
      const { keys, selector } = op.delete_payload;
      for (const p of await select(selector)) set(p.id, { ...p, payload: deletePayloadKeys(p.payload, keys) });
    } else if ('clear_payload' in op) {
      for (const p of await select(op.clear_payload)) set(p.id, { ...p, payload: {} });
    } else if ('update_vectors' in op) {
      const { points, updateFilter } = op.update_vectors;
      const prepared = prepareUpserts(
        points.map((p) => ({ id: p.id, vector: p.vector })),
        config,
      );
      const updates = new Map<PointId, VectorRows>();
      batchRows(prepared).forEach((r, i) => updates.set(prepared.ids[i], r));
      await touch([...updates.keys()]);
      for (const id of updates.keys()) if ((overlay.get(id) ?? null) === null) throw pointNotFound(id);
      const pred = updateFilter === undefined ? null : compileFilter(updateFilter, config.payload_schema);
      for (const [id, rows] of updates) {
        const p = overlay.get(id) as FullPoint;
        if (pred === null || pred(id, p.payload, p.vectors)) set(id, { ...p, vectors: withVectors(p.vectors, rows) });
      }
    } else if ('delete_vectors' in op) {
      const { vectors, selector } = op.delete_vectors;
      for (const v of vectors) if (!isSparseName(config, v)) vectorSpace(config, v);
      for (const p of await select(selector)) set(p.id, { ...p, vectors: withoutVectors(p.vectors, vectors) });
    } else {
      throw invalid('unknown batch operation');
    }
  }

  const kept = [...changed].map((id) => overlay.get(id) ?? null).filter((p): p is FullPoint => p !== null);
  return {
    upserts: storedUpserts(kept, config),
    deletes: [...changed].filter((id) => overlay.get(id) === null),
  };
}
