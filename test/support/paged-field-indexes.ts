/**
 * Field indexes in the paged (cold) layout for unit tests: built as the segment writer builds them, with small
 * posting pages so lists straddle pages, and read through an in-memory page source that counts what is fetched.
 */
import type { PayloadSchema } from '../../lib/model/payload-schema.js';
import { schemaType, textIndexOf } from '../../lib/model/payload-schema.js';
import type { Filter } from '../../lib/model/filter.js';
import { encodeFieldIndex } from '../../lib/segment/field-index-format.js';
import { PagedFieldIndex, encodePagedFieldIndex } from '../../lib/segment/field-index-paged.js';
import { type FieldIndexView, filterMaskLoading } from '../../lib/segment/index-filter.js';
import type { PageSource } from '../../lib/segment/page-io.js';
import { parsePayloadPath } from '../../lib/segment/payload-path.js';

/** A page source over objects held in memory; `fetched` counts the bytes each call reads. */
export function memoryPages(objects: Map<string, Uint8Array>): PageSource & { fetched: number[] } {
  const fetched: number[] = [];
  return {
    fetched,
    peek: () => undefined,
    async getPages(key, spans, decode) {
      const bytes = objects.get(key) as Uint8Array;
      fetched.push(spans.reduce((s, x) => s + x.end - x.start, 0));
      return spans.map((s) => decode(s.page, bytes.slice(s.start, s.end)));
    },
  } as PageSource & { fetched: number[] };
}

/** The paged indexes of `built` over `payloads` (directories decoded from the written bytes). */
export function pagedIndexes(payloads: Record<string, unknown>[], built: PayloadSchema, pageWords = 4) {
  const objects = new Map<string, Uint8Array>();
  const dirs = new Map<string, PagedFieldIndex>();
  for (const [key, s] of Object.entries(built)) {
    const forward = encodeFieldIndex(schemaType(s), parsePayloadPath(key), payloads, textIndexOf(built, key));
    const bytes = encodePagedFieldIndex(forward, pageWords);
    objects.set(key, bytes);
    const dirEnd = new DataView(bytes.buffer, bytes.byteOffset + 32).getUint32(0, true);
    dirs.set(key, new PagedFieldIndex(key, bytes.slice(0, dirEnd), key));
  }
  return { objects, dirs, source: memoryPages(objects) };
}

/** The mask of `filter` over paged indexes of `built` (payloads given for the conditions no index serves). */
export async function pagedMask(
  filter: Filter,
  payloads: Record<string, unknown>[],
  built: PayloadSchema,
  schema: PayloadSchema | undefined,
  pageWords = 4,
  vectors?: ReadonlyMap<string, Uint8Array>,
): Promise<Uint8Array> {
  const { dirs, source } = pagedIndexes(payloads, built, pageWords);
  const sessions = new Map([...dirs].map(([k, d]) => [k, d.session()]));
  return filterMaskLoading(
    filter,
    {
      count: payloads.length,
      schemaOf: (k: string) => built[k],
      externalId: (o: number) => o,
      index: (k: string) => sessions.get(k) as FieldIndexView,
      payloads,
      vectors,
    },
    schema,
    [...sessions.values()].map((s) => () => s.load(source, undefined)),
  );
}
