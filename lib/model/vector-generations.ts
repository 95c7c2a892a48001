/**
 * Vector name generations: how data of a deleted vector name stays gone when the name is created again.
 *
 * `DELETE /collections/{c}/vectors/{name}` only changes the config (the manifest); the name's rows stay in sealed
 * segments, in WAL objects not yet sealed and in segments an optimizer is writing from an older manifest. Rewriting
 * all of that at delete time would be neither atomic nor bounded. Instead every creation of a name on a live
 * collection gets a new generation (the collection's high mark + 1, never reused), recorded in the config; every
 * stored copy of a name's data records the generation it was written under (a WAL batch's `generations`, a segment
 * space's `generation`; absent = 0, which is every name given when the collection was created). A reader keeps a
 * name's data only when the config has that name with that very generation (`isLiveGeneration`); anything else is
 * stale and reads as absent, and the optimizer drops it when it rewrites a segment.
 *
 * Invariants: generations only grow within a collection (`vector_generation_high` remembers deleted names' too), so
 * a re-created name never matches data of an earlier creation; a name dense in one generation and sparse in another
 * never mixes, because the generation differs.
 */
import type { CollectionConfig } from './collection-config.js';
import { sparseSpaces } from './sparse-spaces.js';
import { vectorSpaces } from './vector-spaces.js';

/** The generation of vector name `name` in `config` (0 when it was given at create, or has never been added). */
export function vectorGeneration(config: CollectionConfig, name: string): number {
  const g = config.vector_generations;
  return g !== undefined && Object.hasOwn(g, name) ? g[name] : 0;
}

/** Every vector name of the config (dense and sparse) with its generation. */
export function liveGenerations(config: CollectionConfig): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of vectorSpaces(config)) out.set(s.name, vectorGeneration(config, s.name));
  for (const s of sparseSpaces(config)) out.set(s.name, vectorGeneration(config, s.name));
  return out;
}

/** The non-zero generations of the config's names (what a WAL batch or a segment task carries); undefined: none. */
export function nonZeroGenerations(config: CollectionConfig): Record<string, number> | undefined {
  const g = config.vector_generations;
  if (g === undefined || Object.keys(g).length === 0) return undefined;
  return { ...g };
}

/** Whether data of `name` written under `generation` (absent = 0) is live in the collection `live` describes. */
export function isLiveGeneration(
  live: ReadonlyMap<string, number>,
  name: string,
  generation: number | undefined,
): boolean {
  const want = live.get(name);
  return want !== undefined && want === (generation ?? 0);
}

/** A key that changes whenever a vector name is added or deleted (the optimizer re-plans when it moved). */
export function vectorSchemaKey(config: CollectionConfig): string {
  return JSON.stringify([...liveGenerations(config)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
