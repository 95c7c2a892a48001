/**
 * Opens the configured store. The S3 store is loaded lazily so the embedded (filesystem) path never loads the
 * AWS SDK.
 */
import { FileSystemStore } from './fs-store.js';
import type { FileSystemStoreOptions } from './fs-store.js';
import type { ObjectStore } from './object-store.js';
import type { S3StoreOptions } from './s3-store.js';

export type StoreConfig = ({ kind: 'fs' } & FileSystemStoreOptions) | ({ kind: 's3' } & S3StoreOptions);

export async function openObjectStore(config: StoreConfig): Promise<ObjectStore> {
  if (config.kind === 'fs') return new FileSystemStore(config);
  const { S3Store } = await import('./s3-store.js');
  return new S3Store(config);
}
