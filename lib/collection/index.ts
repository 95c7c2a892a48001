/** The collection layer's public surface (DESIGN.md §2): the service, the optimizer, the key layout. */
export { StrataCollectionService } from './service.js';
export type { CollectionServiceOptions } from './context.js';
export { CollectionOptimizer, optimize, optimizeCollection } from './optimizer.js';
export type { CollectionOptimizerOptions, OptimizeOptions, OptimizeResult, OptimizeRun } from './optimizer.js';
export { listCollections } from './catalog.js';
export type { PurgeResult } from './collection-delete.js';
export { collectGarbage } from './gc.js';
export type { GcOptions, GcResult } from './gc.js';
export { collectionPrefix } from './keys.js';
export type { QueryStats, QueryTrace } from './query.js';
export { emptyQueryStats } from './query.js';
export type * from './types.js';
export type * from './invoker.js';
