/**
 * lib/storage: the ObjectStore contract and its implementations, I/O accounting, the page cache and the generic
 * compare-and-swap. The S3 store is NOT re-exported here, so importing lib/storage never loads the AWS SDK;
 * import it from './s3-store.js' (or use openObjectStore in open-store.ts).
 */
export * from './object-store.js';
export * from './io-stats.js';
export { FileSystemStore } from './fs-store.js';
export type { FileSystemStoreOptions } from './fs-store.js';
export { PageCache } from './page-cache.js';
export type { PageCacheOptions, PageCacheStats } from './page-cache.js';
export { casUpdate } from './cas.js';
export type { CasOptions, CasResult } from './cas.js';
export { FaultStore } from './fault-store.js';
export { openObjectStore } from './open-store.js';
export type { StoreConfig } from './open-store.js';
export type { FaultEffect, FaultRule, Gate, GateSpec, StoreOp } from './fault-store.js';
