/**
 * Which collections a deployment holds: every `{prefix}/collections/{name}/manifest.json` in the store. One
 * listing; used by the service (GET /collections), the optimizer function's scheduled sweep and the start-up scan.
 */
import type { ObjectStore } from '../storage/object-store.js';
import { collectionNameOfKey, collectionPrefix, collectionsRoot, manifestKey } from './keys.js';

/** Collection names under `prefix`, sorted. */
export async function listCollections(store: ObjectStore, prefix: string): Promise<string[]> {
  const entries = await store.list(collectionsRoot(prefix));
  const names = new Set<string>();
  for (const e of entries) {
    const name = collectionNameOfKey(prefix, e.key);
    if (name !== null && e.key === manifestKey(collectionPrefix(prefix, name))) names.add(name);
  }
  return [...names].sort();
}
