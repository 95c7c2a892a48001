/**
 * Payload field indexes at the collection level: the manifest's `config.payload_schema` (created and dropped by a
 * config change through the manifest's compare-and-swap, like every config change) and the `points` each index
 * covers, as collection info reports them.
 *
 * Invariants:
 * - The schema is part of the config, so a snapshot's filters are evaluated with the schema of that same manifest
 *   (a text index changes what text matches mean; every other type only speeds conditions up).
 * - Creating an index with the schema a key already has changes nothing (no manifest write), as in Qdrant;
 *   another schema replaces the old one. Dropping a key without an index is a no-op.
 */
import type { CollectionConfig } from '../model/collection-config.js';
import type { PayloadFieldSchema } from '../model/payload-schema.js';
import { schemaType } from '../model/payload-schema.js';
import { indexedValues } from '../segment/field-values.js';
import { parsePayloadPath } from '../segment/payload-path.js';
import type { ServiceContext } from './context.js';
import { liveEntries, loadPoints } from './reads.js';
import type { Snapshot } from './snapshot.js';

/** The config with `field` indexed by `schema` (the same object when nothing changes). */
export function withFieldIndex(c: CollectionConfig, field: string, schema: PayloadFieldSchema): CollectionConfig {
  const current = c.payload_schema?.[field];
  if (current !== undefined && JSON.stringify(current) === JSON.stringify(schema)) return c;
  return { ...c, payload_schema: { ...c.payload_schema, [field]: schema } };
}

/** The config without an index on `field` (the same object when it had none). */
export function withoutFieldIndex(c: CollectionConfig, field: string): CollectionConfig {
  if (c.payload_schema === undefined || !Object.hasOwn(c.payload_schema, field)) return c;
  const { [field]: _dropped, ...rest } = c.payload_schema;
  return { ...c, payload_schema: rest };
}

/**
 * Per indexed key, the live points having at least one value its index takes. Reads every live payload once (in
 * chunks), so it costs what a filtered count costs; skipped entirely when nothing is indexed.
 */
export async function payloadPoints(ctx: ServiceContext, snap: Snapshot): Promise<Record<string, number>> {
  const schema = snap.manifest.config.payload_schema ?? {};
  const fields = Object.entries(schema).map(([key, s]) => ({ key, type: schemaType(s), steps: parsePayloadPath(key) }));
  const out: Record<string, number> = {};
  for (const f of fields) out[f.key] = 0;
  if (fields.length === 0) return out;
  const all = await liveEntries(ctx, snap);
  const chunk = 1024;
  for (let at = 0; at < all.length; at += chunk) {
    const points = await loadPoints(ctx, snap, all.slice(at, at + chunk), { payload: true, vector: false });
    for (const p of points) {
      for (const f of fields) if (indexedValues(f.type, p.payload ?? {}, f.steps).length > 0) out[f.key]++;
    }
  }
  return out;
}
