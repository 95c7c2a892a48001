/**
 * match.text / text_any / phrase on a key with a full-text index (Qdrant's FullTextIndex::check_match), over the
 * values at the key: every string value, arrays flattened one level.
 *
 * - text: every query token is among the point's document tokens (the union over its string values);
 * - text_any: at least one query token is;
 * - phrase: the phrase's tokens appear consecutively in ONE value (Qdrant separates values with a sentinel), and
 *   only when the index has `phrase_matching` (without positions Qdrant matches nothing).
 * A query with no token left (empty, or only stopwords) matches nothing.
 *
 * Without a text index these conditions are substring tests (filter.ts), as in Qdrant.
 */
import type { TextIndexParams } from '../../model/payload-schema.js';
import { Tokenizer } from './tokenizer.js';

export type TextMatchKind = 'text' | 'text_any' | 'phrase';

/** Strings among `values` (arrays flattened one level). */
function strings(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x);
  }
  return out;
}

/** Compiles one text condition against one index's params; the result takes every value at the key. */
export function compileTextMatch(
  kind: TextMatchKind,
  query: string,
  params: TextIndexParams,
): (values: readonly unknown[]) => boolean {
  const tokenizer = new Tokenizer(params);
  if (kind === 'phrase') {
    const phrase = tokenizer.document(query);
    if (!params.phrase_matching || phrase.length === 0) return () => false;
    return (values) => strings(values).some((s) => hasWindow(tokenizer.document(s), phrase));
  }
  const wanted = [...new Set(tokenizer.query(query))];
  if (wanted.length === 0) return () => false;
  return (values) => {
    const doc = new Set<string>();
    for (const s of strings(values)) for (const t of tokenizer.document(s)) doc.add(t);
    return kind === 'text' ? wanted.every((t) => doc.has(t)) : wanted.some((t) => doc.has(t));
  };
}

function hasWindow(doc: readonly string[], phrase: readonly string[]): boolean {
  for (let i = 0; i + phrase.length <= doc.length; i++) {
    let j = 0;
    while (j < phrase.length && doc[i + j] === phrase[j]) j++;
    if (j === phrase.length) return true;
  }
  return false;
}
