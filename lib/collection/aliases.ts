/**
 * Collection aliases (Qdrant's `POST /collections/aliases`): ONE JSON object per deployment, `{prefix}/aliases`
 * (keys.ts), mapping alias name → collection name.
 *
 * Invariants:
 * - The object changes only by compare-and-swap (lib/storage/cas.ts): a request's whole list of actions is applied
 *   to the freshest map and written with one conditional PUT. A request lands all or nothing (Qdrant applies them
 *   one by one), and concurrent requests from any process never lose each other's changes: a lost race re-reads
 *   the map and re-applies the actions to it.
 * - Every collection route resolves its name through ONE AliasRouter (service.ts), against the map revalidated by a
 *   conditional GET as the manifest is (manifest.ts ManifestCache): an alias switch acknowledged before a request
 *   began is seen by that request, in every process. A switch is one PUT, so a request resolves to the old or to the
 *   new collection, never to neither.
 * - An alias and a collection never share a name (both creations check), so the order of lookup only decides cost:
 *   a name seen as a collection is tried as one first (plain names pay nothing for aliases); a name seen as an alias
 *   is looked up in the map first, as Qdrant's `resolve_name` does (one bodiless revalidation more than a plain
 *   name). Either order falls back to the other when it finds nothing.
 * - `create_alias` checks that its collection exists (on the current manifest) before the swap; deleting a collection
 *   removes the aliases naming it (service.ts). A collection deleted between that check and the swap leaves an alias
 *   to a missing collection, which answers 404 like the collection itself, until it is deleted or re-pointed.
 * - Semantics follow Qdrant's alias mapping: create overwrites an existing alias (that is the blue/green switch),
 *   delete of a missing alias is a no-op, rename of a missing alias is 404.
 */
import { collectionNotFound, conflict, internal, isStrataError, notFound } from '../model/errors.js';
import { validateCollectionName } from '../model/collection-name.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { casUpdate } from '../storage/cas.js';

export const ALIASES_FORMAT = 1;

/** One action of Qdrant's ChangeAliasesOperation, in its JSON shape. */
export type AliasAction =
  | { create_alias: { collection_name: string; alias_name: string } }
  | { delete_alias: { alias_name: string } }
  | { rename_alias: { old_alias_name: string; new_alias_name: string } };

export interface AliasDescription {
  alias_name: string;
  collection_name: string;
}

/** alias name → collection name */
export type AliasMap = ReadonlyMap<string, string>;

const EMPTY: AliasMap = new Map();

export function encodeAliases(map: AliasMap): Uint8Array {
  // sorted, so the same map is always the same bytes (an ambiguous write is recognised by its bytes)
  const aliases = Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(JSON.stringify({ format: ALIASES_FORMAT, aliases }), 'utf8');
}

export function decodeAliases(bytes: Uint8Array, key: string): AliasMap {
  let doc: { format?: unknown; aliases?: unknown };
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw internal(`${key}: alias map is not JSON`, e);
  }
  if (doc?.format !== ALIASES_FORMAT || doc.aliases === null || typeof doc.aliases !== 'object') {
    throw internal(`${key}: unsupported alias map (format ${String(doc?.format)})`);
  }
  const map = new Map<string, string>();
  for (const [alias, target] of Object.entries(doc.aliases as Record<string, unknown>)) {
    if (typeof target !== 'string') throw internal(`${key}: alias ${alias} names no collection`);
    map.set(alias, target);
  }
  return map;
}

/** Applies `actions` in order to `current` (pure: it may run once per compare-and-swap attempt). */
export function applyAliasActions(current: AliasMap, actions: readonly AliasAction[]): Map<string, string> {
  const next = new Map(current);
  for (const a of actions) {
    if ('create_alias' in a) next.set(a.create_alias.alias_name, a.create_alias.collection_name);
    else if ('delete_alias' in a) next.delete(a.delete_alias.alias_name);
    else {
      const { old_alias_name, new_alias_name } = a.rename_alias;
      const target = next.get(old_alias_name);
      if (target === undefined) throw notFound(`Alias ${old_alias_name} does not exists!`);
      next.delete(old_alias_name);
      next.set(new_alias_name, target);
    }
  }
  return next;
}

/** Every name an action introduces (created or renamed-to aliases), and every collection it points at. */
export function namesOf(actions: readonly AliasAction[]): { aliases: string[]; targets: string[] } {
  const aliases: string[] = [];
  const targets: string[] = [];
  for (const a of actions) {
    if ('create_alias' in a) {
      aliases.push(a.create_alias.alias_name);
      targets.push(a.create_alias.collection_name);
    } else if ('rename_alias' in a) {
      aliases.push(a.rename_alias.new_alias_name);
    }
  }
  return { aliases, targets };
}

/**
 * The alias map, cached and revalidated with a conditional GET (If-None-Match the cached ETag) on every `current`,
 * so a warm process pays one bodiless round trip while the map is unchanged.
 */
export class AliasCache {
  private cached: { map: AliasMap; etag: string } | null = null;

  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
  ) {}

  async current(io?: IoScope): Promise<AliasMap> {
    const cached = this.cached;
    if (cached === null) {
      const got = await this.store.get(this.key, { io });
      if (got === null) return EMPTY;
      this.remember(decodeAliases(got.body, this.key), got.etag);
      return this.cached?.map ?? EMPTY;
    }
    const got = await this.store.getIfNoneMatch(this.key, cached.etag, { io });
    if (got === null) {
      this.cached = null;
      return EMPTY;
    }
    if (got === 'not_modified') return cached.map;
    const map = decodeAliases(got.body, this.key);
    this.cached = { map, etag: got.etag };
    return map;
  }

  /** The cached map without revalidation (loaded when absent), for checks a revalidated read repeats anyway. */
  recent(io?: IoScope): Promise<AliasMap> {
    return this.cached !== null ? Promise.resolve(this.cached.map) : this.current(io);
  }

  remember(map: AliasMap, etag: string): void {
    this.cached = { map, etag };
  }

  /**
   * Applies `change` to the map by compare-and-swap (null from `change`: nothing to write) and caches what landed.
   */
  async update(change: (current: AliasMap) => AliasMap | null): Promise<AliasMap> {
    const r = await casUpdate<AliasMap>(this.store, this.key, {
      decode: (bytes) => decodeAliases(bytes, this.key),
      encode: encodeAliases,
      change: (current) => change(current ?? EMPTY),
      onCommit: (map, etag) => this.remember(map, etag),
      maxAttempts: 32,
    });
    return r.value ?? EMPTY;
  }
}

/** What alias operations need from the collection layer, so this module stays free of the service. */
export interface AliasDeps {
  readonly aliases: AliasCache;
  /** does a collection of this name exist now (revalidated manifest)? */
  collectionExists(name: string): Promise<boolean>;
}

/** Resolves collection routes' names (see the header): learns per name whether it is an alias. */
export class AliasRouter {
  /** names last resolved through the alias map; bounded by the aliases this process has seen used */
  private readonly aliased = new Set<string>();

  constructor(private readonly aliases: AliasCache) {}

  /**
   * Runs `run` on the collection `name` means. `run` must throw collection_not_found for a missing collection before
   * it has any effect (every snapshot and manifest read does), so a plain attempt can be retried on the alias target.
   * `fresh: false` may take the cached map without revalidation (checks a revalidated read repeats).
   */
  async route<T>(name: string, run: (collection: string) => Promise<T>, fresh = true, io?: IoScope): Promise<T> {
    const lookup = async (): Promise<string | undefined> =>
      (fresh ? await this.aliases.current(io) : await this.aliases.recent(io)).get(name);
    if (this.aliased.has(name)) {
      const target = await lookup();
      if (target !== undefined) return run(target);
      this.aliased.delete(name);
      return run(name);
    }
    try {
      return await run(name);
    } catch (e) {
      if (!isStrataError(e, 'not_found') || e.code !== 'collection_not_found' || e.subject !== name) throw e;
      const target = await lookup();
      if (target === undefined) throw e;
      this.aliased.add(name);
      return run(target);
    }
  }
}

/** Applies one request's actions atomically (see the header). */
export async function changeAliases(deps: AliasDeps, actions: readonly AliasAction[]): Promise<void> {
  const { aliases, targets } = namesOf(actions);
  for (const n of [...aliases, ...targets]) validateCollectionName(n);
  for (const a of actions) {
    if ('delete_alias' in a) validateCollectionName(a.delete_alias.alias_name);
    if ('rename_alias' in a) validateCollectionName(a.rename_alias.old_alias_name);
  }
  const checks = await Promise.all([
    ...[...new Set(targets)].map(async (t) => ({ name: t, exists: await deps.collectionExists(t), target: true })),
    ...[...new Set(aliases)].map(async (a) => ({ name: a, exists: await deps.collectionExists(a), target: false })),
  ]);
  for (const c of checks) {
    if (c.target && !c.exists) throw collectionNotFound(c.name);
    if (!c.target && c.exists) throw conflict(`Collection with name ${c.name} already exists, an alias cannot take it`);
  }
  await deps.aliases.update((current) => applyAliasActions(current, actions));
}

/** Drops every alias that names `collection` (after the collection is deleted, as Qdrant does). */
export async function dropAliasesOf(aliases: AliasCache, collection: string): Promise<void> {
  await aliases.update((current) => {
    if (![...current.values()].includes(collection)) return null;
    return new Map([...current].filter(([, target]) => target !== collection));
  });
}

export function describeAliases(map: AliasMap, collection?: string): AliasDescription[] {
  return [...map]
    .filter(([, target]) => collection === undefined || target === collection)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
}
