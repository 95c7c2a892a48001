/**
 * What every route module is handed: the service and the request limits (createApp fills the limits from
 * DEFAULT_LIMITS). Kept apart from app.ts so the routes never import the module that imports them.
 */
import type { CollectionService } from '../collection/types.js';

export interface ApiLimits {
  /** largest accepted request body; Qdrant's default `max_request_size_mb` is 32 @default 33554432 */
  readonly maxBodyBytes: number;
  /** points per upsert request @default 10000 */
  readonly maxUpsertPoints: number;
  /** searches per query/search batch request @default 100 */
  readonly maxBatchSearches: number;
  /** `limit + offset` of one search or scroll, ids of one retrieve (response-bounds.ts) @default 10000 */
  readonly maxResultPoints: number;
  /** bytes of one response body; Lambda's response payload is 6 MB @default 33554432 */
  readonly maxResponseBytes: number;
  /** count the body as the escaped JSON string it travels as inside a Lambda response @default false */
  readonly escapedResponse: boolean;
  /** largest snapshot archive accepted by upload (it is checked whole in memory before a write) @default 536870912 */
  readonly maxSnapshotBytes: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxUpsertPoints: 10_000,
  maxBatchSearches: 100,
  maxResultPoints: 10_000,
  maxResponseBytes: 32 * 1024 * 1024,
  escapedResponse: false,
  maxSnapshotBytes: 512 * 1024 * 1024,
};

export interface RouteDeps {
  readonly service: CollectionService;
  readonly limits: ApiLimits;
  /** also route `/collections/{c}/vectors` (no name) to the vector name '' (CreateAppOptions.unnamedVectorPath) */
  readonly unnamedVectorPath?: boolean;
}
