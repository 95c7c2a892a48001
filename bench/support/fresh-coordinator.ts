/**
 * A collection service over `store` whose segment workers start empty, as a new Lambda container does: one
 * logical worker per segment, each with its own segment registry and page cache, run in process. The storage
 * benches call it again for every cold measurement, so nothing a previous query read is resident.
 */
import { StrataCollectionService } from '../../lib/collection/service.js';
import { DirectInvoker } from '../../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../../lib/segment/registry.js';
import type { Segment } from '../../lib/segment/segment.js';
import { DEFAULT_TUNING, type SearchTuning } from '../../lib/segment/search.js';
import { runSegmentTask } from '../../lib/segment/task.js';
import type { ObjectStore } from '../../lib/storage/object-store.js';
import { PageCache } from '../../lib/storage/page-cache.js';

export function freshCoordinator(
  store: ObjectStore,
  workers: number,
  queryDeadlineMs: number,
  tuning: SearchTuning = DEFAULT_TUNING,
): StrataCollectionService {
  const states = Array.from({ length: workers }, () => ({
    registry: new SegmentRegistry<Segment>(),
    cache: new PageCache(store),
  }));
  const invoker = new DirectInvoker({
    workers,
    run: (task, w, signal) => runSegmentTask(task, { store, ...states[w], tuning }, signal),
  });
  return new StrataCollectionService({ store, invoker, queryDeadlineMs });
}
