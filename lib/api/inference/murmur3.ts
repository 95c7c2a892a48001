/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's reference `MurmurHash3_x86_32`), over the UTF-8 bytes of a
 * string. Qdrant's BM25 (lib/bm25 `token_id`) hashes every token with it (seed 0) and takes the absolute value of the
 * hash read as an i32, so a sparse index is `|murmur3(token) as i32|`; this must stay bit-identical to Qdrant's, or
 * vectors inferred here would not match vectors inferred by Qdrant (or by fastembed's `Qdrant/bm25`) for the same
 * text.
 *
 * Pure: one TextEncoder pass into a reused buffer, then 32-bit integer arithmetic (Math.imul keeps products mod 2^32).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** The unsigned 32-bit hash of `bytes` (its first `len` bytes) with `seed`. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0, len = bytes.length): number {
  let h = seed >>> 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = rotl(k, 15);
    k = Math.imul(k, C2);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = len & 3;
  if (rest > 0) {
    // the reference's fall-through tail: the last 1-3 bytes, little-endian
    let k = 0;
    if (rest === 3) k ^= bytes[blocks + 2] << 16;
    if (rest >= 2) k ^= bytes[blocks + 1] << 8;
    k ^= bytes[blocks];
    k = Math.imul(k, C1);
    k = rotl(k, 15);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Qdrant's BM25 token id: murmur3 (seed 0) of the token's UTF-8 bytes, read as an i32, absolute value as u32
 * (`i32::unsigned_abs`: i32::MIN maps to 2^31, so ids span 0..=2^31).
 */
export function bm25TokenId(token: string): number {
  // a UTF-16 code unit is at most 3 UTF-8 bytes; the buffer is reused, so hashing a token allocates nothing
  if (scratch.length < token.length * 3) scratch = new Uint8Array(token.length * 3);
  const { written } = encoder.encodeInto(token, scratch);
  return Math.abs(murmur3x86_32(scratch, 0, written) | 0);
}

let scratch = new Uint8Array(256);
