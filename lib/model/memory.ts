/**
 * Memory placement of a component's data (Qdrant 1.19's `memory: cold | cached | pinned`), and how Qdrant's
 * deprecated flags (`on_disk`, `always_ram`, `on_disk_payload`) map onto it. Data is always in the object store;
 * the placement only says how a worker holds it (DESIGN.md §1):
 *
 * | placement | Strata tier                                                                                   |
 * |-----------|-----------------------------------------------------------------------------------------------|
 * | pinned    | held by the opened segment (worker memory), read whole when the segment is opened, never evicted on its own |
 * | cached    | read whole when the segment is opened (warm-up) into the worker's page cache: evictable, re-read on demand |
 * | cold      | nothing read at warm-up: pages (or the whole object, for int8 codes) read on demand by a query, then cached |
 *
 * Resolution, as Qdrant's `Memory::resolve`: an explicit `memory` wins over the legacy flag; a legacy `on_disk`
 * true is `cold`, false is `cached`; `always_ram: true` is `pinned` and `false` means "follow the originals"; the
 * payload's `on_disk_payload: false` is `cached`. Defaults: originals and graph `cached`, quantized codes follow the
 * originals, payloads `cold`. Qdrant refuses `pinned` for dense originals and for payload storage (API layer).
 */

export type Memory = 'cold' | 'cached' | 'pinned';

export const MEMORY_PLACEMENTS: readonly Memory[] = ['cold', 'cached', 'pinned'];

/** Where one vector space's three components live. */
export interface SpacePlacement {
  /** float32 originals (cold | cached; pinned only for segments written by a tool) */
  vectors: Memory;
  /** HNSW graph (layer 0 pages and upper levels) */
  graph: Memory;
  /** int8 codes with their corrections (meaningless when the space is not quantized) */
  quantized: Memory;
}

/** Qdrant's `Memory::from_on_disk`: on-disk data is loaded lazily, in-RAM data is populated but evictable. */
export function memoryFromOnDisk(onDisk: boolean): Memory {
  return onDisk ? 'cold' : 'cached';
}

/** The legacy flag a placement corresponds to (Qdrant's `is_on_disk`). */
export function isOnDiskMemory(memory: Memory): boolean {
  return memory === 'cold';
}

/** Originals or graph: `memory` over the legacy `on_disk` (default false = cached). */
export function componentMemory(p: { on_disk?: boolean | null; memory?: Memory | null }): Memory {
  return p.memory ?? memoryFromOnDisk(p.on_disk ?? false);
}

/** Quantized codes: `memory`, else `always_ram: true` = pinned, else the originals' placement. */
export function quantizedMemory(q: { always_ram?: boolean | null; memory?: Memory | null }, vectors: Memory): Memory {
  return q.memory ?? (q.always_ram === true ? 'pinned' : vectors);
}

/** Payload storage: `payload.memory` over the legacy `on_disk_payload` (default true = cold). */
export function payloadMemory(c: { on_disk_payload?: boolean; payload?: { memory?: Memory } }): Memory {
  return c.payload?.memory ?? memoryFromOnDisk(c.on_disk_payload ?? true);
}

export function samePlacement(a: SpacePlacement, b: SpacePlacement, quantized: boolean): boolean {
  return a.vectors === b.vectors && a.graph === b.graph && (!quantized || a.quantized === b.quantized);
}
