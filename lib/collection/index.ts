/** The collection layer's public surface (DESIGN.md §2): the service, the optimizer, the key layout. */
export { StrataCollectionService } from './service.js';
export type { CollectionServiceOptions } from './context.js';
export { optimize, optimizeCollection } from './optimizer.js';
export type { OptimizeOptions, OptimizeResult } from './optimizer.js';
export { collectGarbage } from './gc.js';
export type { GcOptions, GcResult } from './gc.js';
export { collectionPrefix, validateCollectionName } from './keys.js';
export type { QueryStats, QueryTrace } from './query.js';
export { emptyQueryStats } from './query.js';
export type * from './types.js';
export type * from './segment-task.js';
