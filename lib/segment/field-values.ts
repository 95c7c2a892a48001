/**
 * Which payload values a field index of each type takes (Qdrant's `ValueIndexer::get_value` per index type): the
 * values at the key path, arrays flattened one level, kept only when they have the index's type. A point is
 * "indexed" by a field index (payload_schema's `points`) when it has at least one such value.
 *
 * Pure: no I/O.
 */
import type { GeoPoint } from '../model/filter.js';
import type { PayloadSchemaType } from '../model/payload-schema.js';
import { canonicalPointId } from '../model/point-id.js';
import { parseDateTime } from './filter-parse.js';
import { type PathStep, valuesAt } from './payload-path.js';

/** A payload value as a geo point (`{lon, lat}` numbers within range), or null. */
export function asGeoPoint(v: unknown): GeoPoint | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.lon !== 'number' || typeof o.lat !== 'number') return null;
  if (o.lon < -180 || o.lon > 180 || o.lat < -90 || o.lat > 90) return null;
  return { lon: o.lon, lat: o.lat };
}

/** Does the index type take this (non-array) value? */
export function takesValue(type: PayloadSchemaType, v: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'text':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'datetime':
      return typeof v === 'string' && !Number.isNaN(parseDateTime(v));
    case 'uuid':
      return typeof v === 'string' && typeof canonicalPointId(v) === 'string';
    case 'geo':
      return asGeoPoint(v) !== null;
  }
}

/** The values at `steps` an index of `type` takes (arrays flattened one level). */
export function indexedValues(type: PayloadSchemaType, payload: unknown, steps: readonly PathStep[]): unknown[] {
  const out: unknown[] = [];
  for (const v of valuesAt(payload, steps)) {
    if (Array.isArray(v)) {
      for (const x of v) if (takesValue(type, x)) out.push(x);
    } else if (takesValue(type, v)) out.push(v);
  }
  return out;
}

/**
 * What a segment's field index stores for a point (field-index-format.ts): the values the conditions an index of
 * this type serves look at, with the payload scan's semantics (filter.ts), so a condition answered from the index
 * equals the scan: every string (keyword, uuid, text), every number (integer, float: ranges compare any number),
 * booleans, datetimes as epoch ms, geo points as `{lon, lat}` (unvalidated, as the scan reads them).
 */
export function storedValues(type: PayloadSchemaType, payload: unknown, steps: readonly PathStep[]): unknown[] {
  const out: unknown[] = [];
  const take = (x: unknown): void => {
    switch (type) {
      case 'keyword':
      case 'uuid':
      case 'text':
        if (typeof x === 'string') out.push(x);
        return;
      case 'integer':
      case 'float':
        if (typeof x === 'number') out.push(x);
        return;
      case 'bool':
        if (typeof x === 'boolean') out.push(x);
        return;
      case 'datetime':
        if (typeof x === 'string') {
          const ms = parseDateTime(x);
          if (!Number.isNaN(ms)) out.push(ms);
        }
        return;
      case 'geo':
        if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
          const o = x as Record<string, unknown>;
          if (typeof o.lon === 'number' && typeof o.lat === 'number') out.push({ lon: o.lon, lat: o.lat });
        }
        return;
    }
  };
  for (const v of valuesAt(payload, steps)) {
    if (Array.isArray(v)) for (const x of v) take(x);
    else take(v);
  }
  return out;
}
