/**
 * Qdrant's `is_tenant` storage layout for a BLOCK-GRAPH segment (`m: 0` + payload_m, lib/index/block-graph.ts): the
 * points are grouped by tenant, so one tenant's layer-0 records and originals sit on contiguous pages and a tenant
 * walk over a paged graph and paged originals reads that tenant's pages only (with points interleaved, every tenant
 * has nodes on nearly every page). Within a tenant, the locality order (locality.ts) is kept.
 *
 * Applies when the first vector space every point holds gets block graphs only and the schema has a keyword field
 * with `is_tenant: true` (the first one, if several; `enable_hnsw: false` excluded). A point's tenant is its first
 * value of that field; points without one come last. Tenants are ordered by value, so the order is deterministic.
 * The entry region (entry-order.ts) is not used then: a block walk starts at its block's entry, not at the descent
 * a region serves.
 */
import { type PayloadSchema, schemaType } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import { storedValues } from './field-values.js';
import { parsePayloadPath } from './payload-path.js';

/** The tenant field of a schema: its first `is_tenant` keyword field that builds blocks, else undefined. */
export function tenantField(schema: PayloadSchema | undefined): string | undefined {
  for (const [field, s] of Object.entries(schema ?? {})) {
    if (typeof s === 'string' || schemaType(s) !== 'keyword') continue;
    if (s.is_tenant === true && s.enable_hnsw !== false) return field;
  }
  return undefined;
}

/** `order` (order[newRow] = row; null: the identity) regrouped by tenant, each group in `order`'s sequence. */
export function tenantOrder(
  order: Uint32Array | null,
  payloads: readonly (Payload | null | undefined)[],
  field: string,
): Uint32Array {
  const steps = parsePayloadPath(field);
  const n = payloads.length;
  const tenantOf = (row: number): string | undefined =>
    storedValues('keyword', payloads[row] ?? {}, steps)[0] as string | undefined;
  const rows = Array.from({ length: n }, (_, i) => (order === null ? i : order[i]));
  const keys = rows.map(tenantOf);
  const at = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    if (x === y) return a - b;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x < y ? -1 : 1;
  });
  return Uint32Array.from(at, (i) => rows[i]);
}
