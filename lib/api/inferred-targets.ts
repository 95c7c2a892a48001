/**
 * The collection-side check of server-side inference (lib/api/inference): an inferred vector is sparse, and a dense
 * vector name cannot take it. Qdrant refuses that in the segment's vector check (OperationError::WrongSparse):
 *   400 "Wrong input: Conversion between sparse and regular vectors failed"
 * Strata refuses it here, before the request schema or any write, from the collection's (cached) config; a name the
 * config does not know as dense is left to the later checks (unknown name, sparse vector config).
 */
import type { CollectionService } from '../collection/types.js';
import { findVectorSpace } from '../model/vector-spaces.js';
import { wrongInput } from './errors.js';
import type { InferredTarget } from './inference/request-inference.js';

export async function refuseDenseTargets(
  service: CollectionService,
  name: string,
  targets: readonly InferredTarget[],
): Promise<void> {
  if (targets.length === 0) return;
  const hitsDense = async (fresh: boolean) => {
    const config = await service.collectionConfig(name, fresh);
    return targets.some((t) => findVectorSpace(config, t.using) !== undefined);
  };
  // a cached config answers at no cost; only a refusal is confirmed against a fresh read (a re-created collection)
  if ((await hitsDense(false)) && (await hitsDense(true))) {
    throw wrongInput('Conversion between sparse and regular vectors failed');
  }
}
