/**
 * Where a codec keeps its code rows: at byte 0 of a WebAssembly SIMD arena (lib/distance/simd.ts) when the platform
 * has one, so its scorer's scoreMany sums a whole neighbour list per wasm call, else in a plain buffer (the JS kernels
 * read either). The arena's query slot is sized for what the codec's kernel reads as the query.
 *
 * Invariant: the returned bytes are zeroed, `bytes` long, and their buffer's byteOffset is 0 (so u32 views of binary
 * codes are aligned); nothing else of the codec depends on which of the two it got.
 */
import { allocateSimdArena } from '../distance/index.js';

export function codeRows(bytes: number, queryBytes: number): Uint8Array {
  const arena = allocateSimdArena(bytes, queryBytes);
  return arena === null ? new Uint8Array(bytes) : new Uint8Array(arena.buffer, 0, bytes);
}
