/**
 * Which reader serves a segment's sparse name (sparse-index.ts), by who asks and where the index is placed:
 *
 * | holder                       | placement (meta.sparse[name]) | reader                                                 |
 * |------------------------------|-------------------------------|--------------------------------------------------------|
 * | an opened segment (worker)   | pinned (default)              | the whole object, one GET on first use, held           |
 * |                              | cached                        | the whole object in the page cache (evictable, re-read)|
 * |                              | cold (`on_disk: true`)        | paged: directory held, lists and rows per query        |
 * | a point source (coordinator) | any                           | paged: IDF needs only the directory, retrieve its rows |
 *
 * A version 1 object (no `directoryBytes` in meta.json) is always read whole and held.
 *
 * Invariant: a failed load is forgotten, so a retry reads again; a load in flight is shared by concurrent callers.
 */
import { internal } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { segmentObjectKey, sparseObjectName } from './keys.js';
import type { SegmentMeta, SparseSpaceMeta } from './meta.js';
import { type PageSource, loadWhole } from './page-io.js';
import { SparseIndex, type SparseReader } from './sparse-index.js';
import { PagedSparseIndex } from './sparse-paged.js';
import { getWhole } from './store-io.js';

export interface SparseReaders {
  /** the reader of sparse name `name` (meta.sparse names them) */
  get(name: string, io: IoScope | undefined): Promise<SparseReader>;
  /** memory the holder keeps in readers (pinned objects, cold directories): the registry's accounting */
  heldBytes(): number;
}

/** The placement a segment's meta records for sparse name `m`. */
export function sparsePlacement(m: SparseSpaceMeta): 'pinned' | 'cached' | 'cold' {
  if (m.directoryBytes === undefined) return 'pinned';
  return m.memory ?? (m.onDisk ? 'cold' : 'pinned');
}

/**
 * The readers of a segment's sparse names: by placement (`holder: 'segment'`, a worker's opened segment) or always
 * paged (`holder: 'coordinator'`, see the header).
 */
export function sparseReaders(
  store: ObjectStore,
  pages: PageSource,
  prefix: string,
  meta: SegmentMeta,
  holder: 'segment' | 'coordinator',
): SparseReaders {
  const held = new Map<string, Promise<SparseReader>>();
  const loaded = new Map<string, SparseReader>();
  const memo = (name: string, load: () => Promise<SparseReader>): Promise<SparseReader> => {
    let hit = held.get(name);
    if (hit === undefined) {
      hit = load();
      hit.then(
        (r) => loaded.set(name, r),
        () => held.delete(name),
      );
      held.set(name, hit);
    }
    return hit;
  };
  const heldBytes = (): number => {
    let b = 0;
    for (const r of loaded.values()) b += r.byteLength;
    return b;
  };
  const get = (name: string, io: IoScope | undefined): Promise<SparseReader> => {
    const m = meta.sparse?.[name];
    if (m === undefined) return Promise.reject(internal(`segment ${prefix} has no sparse vector ${name}`));
    const key = segmentObjectKey(prefix, sparseObjectName(name));
    const placement = holder === 'coordinator' && m.directoryBytes !== undefined ? 'cold' : sparsePlacement(m);
    if (placement === 'cold') {
      return memo(name, () => PagedSparseIndex.open(store, pages, key, m.directoryBytes as number, io));
    }
    if (placement === 'cached') {
      return loadWhole(pages, key, m.bytes, (b) => SparseIndex.decode(b, key), io);
    }
    return memo(name, async () => SparseIndex.decode(await getWhole(store, key, io, 'sparse'), key));
  };
  return { get, heldBytes };
}
