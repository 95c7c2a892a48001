/** A worker-thread script (started by test/unit/storage/open-store-thread.test.ts): opens an S3 store in the thread. */
import { openObjectStore } from '../../lib/storage/open-store.js';

export default async function openS3InThread(bucket: string): Promise<string> {
  const store = await openObjectStore({ kind: 's3', bucket, region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  return store.name;
}
