/**
 * A `nested` condition rewritten as field conditions on the full key paths a payload index covers
 * (`country.cities[].population`), when that rewriting is exact, so the index answers it per point.
 *
 * nested(a, F) holds when SOME object element e of `a[]` satisfies F (filter.ts). Qdrant answers it by reading the
 * payload and checking each element (its query_checker.rs; its field indexes only estimate the cardinality, under
 * the nested path). A per-point index cannot tell which element a value came from, so only inner filters whose
 * per-element truth distributes over the elements are rewritten:
 * - `must: [c]` (one condition): ∃e c(e) = c over the values of every element together (`a[].k`), because c holds
 *   when ANY value at its key does;
 * - `should: [c1..cn]` (no must): ∃e ∨ci(e) = ∨ (∃e ci(e)), so the OR of each rewritten ci;
 * and c may itself be such a nested condition (its path extends the outer one). The rewritten leaves are the field
 * conditions whose truth is "some value at the key passes": match value / any / except / text_any / phrase, match
 * text without a text index on the key (a substring of one value), range and geo. Everything else stays a payload
 * check as in Qdrant: several `must` conditions (one element must satisfy all of them), must_not, min_should,
 * values_count (an element without the key counts 0), is_empty / is_null, has_id (never true inside nested),
 * match text with a text index (every token among ONE element's values, not the union of all elements').
 *
 * Pure: no I/O.
 */
import type { Condition, Filter } from '../model/filter.js';
import { type PayloadSchema, textIndexOf } from '../model/payload-schema.js';
import { parsePayloadPath } from './payload-path.js';

type FieldCondition = Extract<Condition, { key: string }>;
type NestedCondition = Extract<Condition, { nested: unknown }>;

/** The field conditions (on full keys) whose OR equals `c`, or null when no exact rewriting exists. */
export function nestedLeaves(
  c: NestedCondition,
  schema: PayloadSchema | undefined,
  prefix = '',
): FieldCondition[] | null {
  // filter.ts's scope: `a` and `a[]` both mean the elements of a
  const at = `${prefix}${c.nested.key.replace(/\[\]$/, '')}[].`;
  const f: Filter = c.nested.filter;
  if ((f.must_not ?? []).length > 0 || f.min_should) return null;
  const must = f.must ?? [];
  const should = f.should;
  let parts: Condition[];
  if (must.length === 1 && (should === undefined || should === null)) parts = must;
  else if (must.length === 0 && should && should.length > 0) parts = should;
  else return null;
  const out: FieldCondition[] = [];
  for (const part of parts) {
    if ('nested' in part) {
      const inner = nestedLeaves(part, schema, at);
      if (inner === null) return null;
      out.push(...inner);
      continue;
    }
    if (!('key' in part) || !perValue(part, schema, at)) return null;
    // a path that starts with an array step would see inside non-object elements, which nested skips
    if (!('key' in parsePayloadPath(part.key)[0])) return null;
    out.push({ ...part, key: `${at}${part.key}` } as FieldCondition);
  }
  return out;
}

/** Does the condition hold exactly when some single value at its key passes? */
function perValue(c: FieldCondition, schema: PayloadSchema | undefined, at: string): boolean {
  if ('values_count' in c) return false;
  if ('match' in c && 'text' in c.match) return textIndexOf(schema, `${at}${c.key}`) === null;
  return true;
}
