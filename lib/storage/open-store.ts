/**
 * Opens the configured store. The S3 store is loaded lazily so the embedded (filesystem) path never loads the
 * AWS SDK.
 */
import { createRequire } from 'node:module';
import { FileSystemStore } from './fs-store.js';
import type { FileSystemStoreOptions } from './fs-store.js';
import type { ObjectStore } from './object-store.js';
import type { S3StoreOptions } from './s3-store.js';

export type StoreConfig = ({ kind: 'fs' } & FileSystemStoreOptions) | ({ kind: 's3' } & S3StoreOptions);

type S3StoreModule = typeof import('./s3-store.js');

async function loadS3Store(): Promise<S3StoreModule> {
  try {
    return await import('./s3-store.js');
  } catch (error) {
    // A worker thread under tsx (`npm start`, tests) runs these modules as CommonJS: piscina require()s the .ts
    // worker script, and an import() from CommonJS bypasses tsx's resolver, so `./s3-store.js` (a .ts file) is not
    // found. tsx's require hook resolves it. Real ES modules (built JavaScript) have no `require` and never get here.
    if (typeof require !== 'function') throw error;
    return createRequire(import.meta.url)('./s3-store.js') as S3StoreModule;
  }
}

export async function openObjectStore(config: StoreConfig): Promise<ObjectStore> {
  if (config.kind === 'fs') return new FileSystemStore(config);
  const { S3Store } = await loadS3Store();
  return new S3Store(config);
}
