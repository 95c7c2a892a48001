/**
 * Names of the objects inside one segment's folder (DESIGN.md §3). The segment prefix itself
 * (`{prefix}/collections/{name}/segments/{segmentId}`) and the tombstone file names come from lib/collection's keys
 * module, the one place that spells object keys; this file only names the immutable files under a segment prefix.
 */
import { segmentPrefix, tombstoneName } from '../collection/keys.js';

export const META = 'meta.json';
export const QUANTIZED = 'quantized';
export const GRAPH = 'graph';
export const VECTORS = 'vectors';
export const IDS = 'ids';
export const PAYLOAD = 'payload';

export const segmentObjectKey = (prefix: string, object: string): string => `${prefix}/${object}`;

/** `{segmentPrefix}/deleted.{v}`, zero-padded by lib/collection's keys module. */
export const tombstoneKeyOf = (prefix: string, version: number): string => `${prefix}/${tombstoneName(version)}`;

/** The segment folder named by a task: collectionPrefix + segment id. */
export const segmentPrefixOf = (collectionPrefix: string, segmentId: string): string =>
  segmentPrefix(collectionPrefix, segmentId);
