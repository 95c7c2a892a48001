/**
 * A collection's vector spaces as the dashboard shows them: Qdrant's `params.vectors` is either one unnamed
 * vector's params (it has a numeric `size`) or a map of names to params. Both become a list, the unnamed vector as
 * the name "" (as lib/model/vector-spaces.ts names it), so views never read `vectors.size` directly.
 */
import type { CollectionInfo, VectorParams } from './types.js';

export interface ShownSpace extends VectorParams {
  /** "" for the unnamed vector */
  name: string;
}

export function vectorSpaces(info: CollectionInfo): ShownSpace[] {
  const v = info.config.params.vectors;
  if (typeof (v as { size?: unknown }).size === 'number') return [{ name: '', ...(v as VectorParams) }];
  return Object.entries(v as Record<string, VectorParams>).map(([name, p]) => ({ name, ...p }));
}

/** One space's quantization as shown: its own override, else the collection's (null on a name: none for it). */
export function spaceQuantization(info: CollectionInfo, s: ShownSpace): Record<string, unknown> | null {
  return s.quantization_config !== undefined ? s.quantization_config : info.config.quantization_config;
}
