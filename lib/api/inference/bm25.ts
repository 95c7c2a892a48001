/**
 * Qdrant's BM25 sparse embedding (lib/bm25 `Bm25::embed_document` / `embed_query`, driven by
 * src/common/inference/bm25_inference.rs), over the full-text tokenizer the text index already uses
 * (lib/segment/text/tokenizer.ts: Qdrant's TokensProcessor order, snowball stemmers, Qdrant's stopword lists).
 *
 * - index of a token: `|murmur3_32(token) as i32|` (murmur3.ts), so indices equal Qdrant's for the same tokens.
 * - document (upsert): per distinct token, `tf = n·(k+1) / (k·(1 − b + b·len/avg_len) + n)` in f64, stored as f32,
 *   where n is the token's count and len the document's token count; indices ascending.
 * - query (search): every distinct token weighs 1.0, indices ascending. Query tokens come from the tokenizer's query
 *   mode (a `prefix` tokenizer cuts words to max_token_len there instead of emitting every prefix).
 * - no token: the empty sparse vector `{indices: [], values: []}`.
 *
 * Two tokens with one hash share an index; Qdrant keeps one of their weights (HashMap order), here the last
 * distinct token's in text order. IDF is not applied here: as in Qdrant it is the collection's `modifier: idf`.
 * Pure: no I/O; one instance per config.
 */
import { Tokenizer } from '../../segment/text/tokenizer.js';
import type { Bm25Config } from './bm25-config.js';
import { bm25TokenId } from './murmur3.js';

export interface SparseEmbedding {
  indices: number[];
  values: number[];
}

/** Qdrant's ARRAY_BOUNDARY_SENTINEL: never a query token (its tokenize_query drops it). */
const SENTINEL = '\x00';

export class Bm25 {
  private readonly tokenizer: Tokenizer;

  constructor(private readonly config: Bm25Config) {
    this.tokenizer = new Tokenizer(config.text);
  }

  /** The sparse vector stored for `text` (InferenceType::Update). */
  embedDocument(text: string): SparseEmbedding {
    const tokens = this.tokenizer.document(text);
    if (tokens.length === 0) return { indices: [], values: [] };
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const { k, b, avgLen } = this.config;
    const norm = 1 - b + (b * tokens.length) / avgLen;
    const weights = new Map<number, number>();
    for (const [token, n] of counts) {
      weights.set(bm25TokenId(token), Math.fround((n * (k + 1)) / (k * norm + n)));
    }
    const indices = [...weights.keys()].sort((x, y) => x - y);
    return { indices, values: indices.map((i) => weights.get(i) as number) };
  }

  /** The sparse vector a query searches with for `text` (InferenceType::Search). */
  embedQuery(text: string): SparseEmbedding {
    const ids = new Set<number>();
    for (const t of this.tokenizer.query(text)) if (t !== SENTINEL) ids.add(bm25TokenId(t));
    const indices = [...ids].sort((x, y) => x - y);
    return { indices, values: indices.map(() => 1) };
  }
}
