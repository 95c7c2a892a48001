/**
 * The payload blocks of a segment's vector space that get extra HNSW links (lib/index/payload-links.ts; Qdrant's
 * `for_each_payload_block`): for every keyword and integer field of the payload schema (not `enable_hnsw: false`),
 * one block per value, holding the space's rows whose point has that value (field-values.ts, as the field index
 * stores it). Only blocks between a quarter of the full-scan threshold's points and the largest useful block
 * (`maxBlock`) are returned, as Qdrant filters them.
 *
 * Invariant: rows are the space's own row numbers (a named vector some points lack has fewer rows than points).
 */
import { type PayloadSchema, schemaType } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import type { PayloadBlock } from '../index/payload-links.js';
import { storedValues } from './field-values.js';
import { parsePayloadPath } from './payload-path.js';

/** Qdrant's factor: a block with at most fullScanPoints / DELETED_POINTS_FACTOR points is scanned, never linked */
const DELETED_POINTS_FACTOR = 4;

export function payloadBlocks(
  schema: PayloadSchema | undefined,
  payloads: readonly (Payload | null | undefined)[],
  /** the point of each row of the space (null: row r is point r) */
  pointOfRow: Uint32Array | null,
  fullScanPoints: number,
  maxBlock: number,
): PayloadBlock[] {
  const out: PayloadBlock[] = [];
  const rows = pointOfRow === null ? payloads.length : pointOfRow.length;
  for (const [field, s] of Object.entries(schema ?? {})) {
    const type = schemaType(s);
    if (type !== 'keyword' && type !== 'integer') continue;
    if (typeof s !== 'string' && s.enable_hnsw === false) continue;
    const tenant = typeof s !== 'string' && s.is_tenant === true;
    const steps = parsePayloadPath(field);
    const byValue = new Map<string | number, number[]>();
    for (let r = 0; r < rows; r++) {
      const p = payloads[pointOfRow === null ? r : pointOfRow[r]];
      for (const v of new Set(storedValues(type, p ?? {}, steps) as (string | number)[])) {
        let list = byValue.get(v);
        if (list === undefined) {
          list = [];
          byValue.set(v, list);
        }
        list.push(r);
      }
    }
    for (const list of byValue.values()) {
      if (list.length > maxBlock || list.length <= fullScanPoints / DELETED_POINTS_FACTOR) continue;
      out.push({ rows: Uint32Array.from(list), tenant });
    }
  }
  return out;
}
