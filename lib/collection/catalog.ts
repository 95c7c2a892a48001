/**
 * Which collections a deployment holds: every `{prefix}/collections/{name}/` folder whose `manifest.json` exists.
 * Used by the service (GET /collections), the optimizer function's scheduled sweep and the start-up scan.
 *
 * Cost: one delimiter listing (S3 CommonPrefixes: one entry per collection, never a walk of its WAL, segments and
 * delete markers) and one HEAD per folder, issued together (one round). A folder without a manifest is a
 * collection being deleted (its objects go in the background: collection-delete.ts) or a crash's leftovers.
 */
import type { ObjectStore } from '../storage/object-store.js';
import { collectionNameOfKey, collectionPrefix, collectionsRoot, manifestKey } from './keys.js';

const HEAD_CONCURRENCY = 32;

/** Collection names under `prefix`, sorted. */
export async function listCollections(store: ObjectStore, prefix: string): Promise<string[]> {
  const folders = await store.listPrefixes(collectionsRoot(prefix));
  const names = folders.map((f) => collectionNameOfKey(prefix, f)).filter((n): n is string => n !== null);
  const present: string[] = [];
  for (let i = 0; i < names.length; i += HEAD_CONCURRENCY) {
    const batch = names.slice(i, i + HEAD_CONCURRENCY);
    const heads = await Promise.all(batch.map((n) => store.head(manifestKey(collectionPrefix(prefix, n)))));
    batch.forEach((n, j) => {
      if (heads[j] !== null) present.push(n);
    });
  }
  return present.sort();
}
