/**
 * Which filtered queries a BLOCK GRAPH serves (`hnsw_config.m: 0` + payload_m: per-block graphs, no main graph;
 * lib/index/block-graph.ts). A walk of such a graph from one block's entry point only ever reaches that block, so it
 * answers a filter whose matches all lie in one block: the filter requires `key == value` (a `must` condition, at the
 * top or in a nested must-filter) on a field whose values made the segment's blocks (keyword or integer index, not
 * `enable_hnsw: false`, in the schema the segment was sealed with). Qdrant's multitenancy layout is exactly this
 * (`is_tenant` keyword + a tenant match in every query).
 *
 * Anything else (no filter, a filter over several values or over other fields) is scanned: with no main graph,
 * Qdrant walks it from whichever entry point passes the filter, which finds one block's points at best; an exact scan
 * is the answer that is right.
 *
 * A served filter whose block was too small to get a graph is selective anyway (the block holds at most a quarter of
 * the full-scan threshold's points, so the filter does too) and is scanned before this applies.
 */
import type { Condition, Filter } from '../model/filter.js';
import { type PayloadSchema, schemaType } from '../model/payload-schema.js';

/** Whether the filter confines its matches to one block of a segment sealed with `schema` (see the header). */
export function blockServes(filter: Filter | undefined, schema: PayloadSchema | undefined): boolean {
  if (filter === undefined || schema === undefined) return false;
  for (const c of filter.must ?? []) if (servesAlone(c, schema)) return true;
  return false;
}

function servesAlone(c: Condition, schema: PayloadSchema): boolean {
  if ('match' in c && 'key' in c) {
    const s = schema[c.key];
    if (s === undefined || (typeof s !== 'string' && s.enable_hnsw === false)) return false;
    const type = schemaType(s);
    const m = c.match;
    const values = 'value' in m ? [m.value] : 'any' in m ? m.any : [];
    if (values.length !== 1) return false;
    const v = values[0];
    return type === 'keyword' ? typeof v === 'string' : type === 'integer' && Number.isInteger(v);
  }
  // a nested filter in `must` holds every one of its own must conditions
  if (!('key' in c) && ('must' in c || 'should' in c || 'must_not' in c || 'min_should' in c))
    return blockServes(c as Filter, schema);
  return false;
}
