/**
 * The order Qdrant lists vector names in: its collection config keeps dense and sparse names in a `BTreeMap<String,
 * _>`, so collection info names them sorted by Rust's `String` order, the order of their UTF-8 bytes ('' first).
 *
 * Invariants: the order is total and that of UTF-8 bytes, which is the order of Unicode code points, not JavaScript's
 * `<` (UTF-16 code units: it differs for names mixing characters above U+FFFF with ones in U+E000..U+FFFF). Stored
 * configs keep the order they were written in (a manifest is never rewritten to reorder it); every answer that lists
 * names sorts them here, so old and new collections answer alike. One limit no JavaScript object escapes: keys that
 * are array indices ("0", "12") are always enumerated first, in numeric order, whatever the insertion order.
 */

/** Rust's `String` order (UTF-8 bytes = code points). */
export function compareVectorNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** A copy of `map` with its keys in Qdrant's order (a plain object enumerates string keys in insertion order). */
export function byVectorName<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(map).sort(compareVectorNames)) out[k] = map[k];
  return out;
}
