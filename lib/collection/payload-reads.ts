/**
 * Reads that need a payload index by Qdrant's rules: `facet` (a keyword, integer, bool or uuid index on the key)
 * and scroll with `order_by` (an integer, float or datetime index). Both run at the coordinator over the
 * snapshot's live points (reads.ts `matching`), so they see the WAL tail and every segment alike.
 *
 * Semantics (Qdrant's lib/segment/src/data_types/facets.rs and segment order_by):
 * - facet counts, per distinct value the index takes (field-values.ts), the matching points holding it (a point
 *   counts once per distinct value); hits are sorted by count descending, then value ascending; `exact` is
 *   accepted (counts are always exact here).
 * - order_by repeats a point once per value it holds, sorts by (value, id) ascending or descending, keeps values
 *   from `start_from` on (inclusive), drops duplicate (value, id) pairs, and never pages (next_page_offset null).
 *   Datetimes order by their instant and report it as microseconds, as Qdrant's datetime index stores them.
 *
 * Cost: one pass over every live point's payload (chunked), as a filtered count.
 */
import { invalid } from '../model/errors.js';
import { type PayloadSchemaType, schemaType } from '../model/payload-schema.js';
import type { FacetHit, FacetRequest, ScrollRequest, ScrollResult } from '../model/points.js';
import { indexedValues } from '../segment/field-values.js';
import { parseDateTime } from '../segment/filter-parse.js';
import { parsePayloadPath } from '../segment/payload-path.js';
import type { ServiceContext } from './context.js';
import { compareIds } from './merge.js';
import { type FullPoint, liveEntries, matching, recordShape, toRecord, wantsVector } from './reads.js';
import type { Snapshot } from './snapshot.js';

const FACET_TYPES: readonly PayloadSchemaType[] = ['keyword', 'integer', 'bool', 'uuid'];
const ORDER_TYPES: readonly PayloadSchemaType[] = ['integer', 'float', 'datetime'];

function indexType(snap: Snapshot, key: string, allowed: readonly PayloadSchemaType[]): PayloadSchemaType | null {
  const s = snap.manifest.config.payload_schema?.[key];
  if (s === undefined) return null;
  const t = schemaType(s);
  return allowed.includes(t) ? t : null;
}

export async function facet(ctx: ServiceContext, snap: Snapshot, req: FacetRequest): Promise<FacetHit[]> {
  const type = indexType(snap, req.key, FACET_TYPES);
  if (type === null) {
    throw invalid(
      `No appropriate index for faceting: \`${req.key}\`. Please create one to facet on this field. Check ` +
        'https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions',
    );
  }
  const steps = parsePayloadPath(req.key);
  const counts = new Map<string | number | boolean, number>();
  const all = await liveEntries(ctx, snap);
  for await (const p of matching(ctx, snap, all, req.filter, { payload: true, vector: false })) {
    for (const v of new Set(indexedValues(type, p.payload ?? {}, steps))) {
      const key = type === 'uuid' ? (v as string).toLowerCase() : (v as string | number | boolean);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareValues(a.value, b.value))
    .slice(0, req.limit);
}

function compareValues(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The type of the range index (integer, float or datetime) `order_by` needs on `key`, in scroll and in the query API
 * alike; Qdrant's 400 without one.
 */
export function requireOrderIndex(snap: Snapshot, key: string): PayloadSchemaType {
  const type = indexType(snap, key, ORDER_TYPES);
  if (type === null) {
    throw invalid(
      `No range index for \`order_by\` key: \`${key}\`. Please create one to use \`order_by\`. Check ` +
        'https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions',
    );
  }
  return type;
}

export async function scrollOrdered(ctx: ServiceContext, snap: Snapshot, req: ScrollRequest): Promise<ScrollResult> {
  const order = req.order_by;
  if (order === undefined) throw invalid('scrollOrdered needs order_by');
  if (req.offset !== undefined && req.offset !== null) {
    throw invalid(
      "Cannot use an `offset` when using `order_by`. The alternative for paging is to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for the `order_by.start_from` value",
    );
  }
  const type = requireOrderIndex(snap, order.key);
  const steps = parsePayloadPath(order.key);
  const asValue = (v: unknown): number => (type === 'datetime' ? parseDateTime(v as string) * 1000 : (v as number));
  const start =
    order.start_from === undefined
      ? null
      : typeof order.start_from === 'string'
        ? parseDateTime(order.start_from) * (type === 'datetime' ? 1000 : 1)
        : order.start_from;
  if (start !== null && Number.isNaN(start)) throw invalid(`start_from: \`${order.start_from}\` is not a datetime`);
  const asc = order.direction === 'asc';
  const sign = asc ? 1 : -1;
  const byOrder = (a: Row, b: Row) => sign * (a.value - b.value || compareIds(a.p.id, b.p.id));
  // only the best `limit` rows are kept (trimmed in batches), so memory is bounded by the page, not the collection
  let rows: Row[] = [];
  const trimAt = 2 * req.limit + 1024;
  const all = await liveEntries(ctx, snap);
  const want = { payload: true, vector: wantsVector(req.with_vector) };
  const named = recordShape(snap.manifest.config);
  for await (const p of matching(ctx, snap, all, req.filter, want)) {
    const seen = new Set<number>();
    for (const raw of indexedValues(type, p.payload ?? {}, steps)) {
      const value = asValue(raw);
      if (seen.has(value)) continue; // (value, id) pairs are unique
      seen.add(value);
      if (start !== null && (asc ? value < start : value > start)) continue;
      rows.push({ value, p });
      if (rows.length >= trimAt) rows = rows.sort(byOrder).slice(0, req.limit);
    }
  }
  const points = rows
    .sort(byOrder)
    .slice(0, req.limit)
    .map((r) => ({ ...toRecord(r.p, req.with_payload, req.with_vector, named), order_value: r.value }));
  return { points, next_page_offset: null };
}

type Row = { value: number; p: FullPoint };
