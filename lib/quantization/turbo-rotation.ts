/**
 * TurboQuant's random rotation, as Qdrant builds it (lib/quantization/src/turboquant/rotation.rs, permutation.rs):
 * a structured orthogonal map that spreads every vector's energy evenly over the coordinates, so each rotated
 * coordinate of a unit vector is close to N(0, 1/d) and one fixed scalar codebook fits them all.
 *
 *   R = W · P3 · W · P2 · W · P1 · W
 *
 * W is the normalized Walsh–Hadamard transform applied blockwise: d is split into its binary digits, largest first
 * (700 = 512 + 128 + 32 + 16 + 8 + 4), and each block gets H_b / √b. P_k are fixed permutations: a Fisher–Yates
 * shuffle of the identity driven by Knuth's MMIX LCG (state ← A·state + C mod 2^64, j = (state >> 32) mod (i + 1)) from
 * Qdrant's three seeds, so the maps equal Qdrant's for the same dimension; applying P means dst[i] = src[map[i]].
 * Each factor is orthogonal (H_b/√b is symmetric and its own inverse), so R⁻¹ = W · P1⁻¹ · W · P2⁻¹ · W · P3⁻¹ · W.
 *
 * Invariants: deterministic per dimension (no state); lengths and dot products are preserved up to float64 rounding.
 */

const SEEDS: readonly bigint[] = [654605292835415893n, 8636605637963351413n, 1775280196666917949n];
const LCG_A = 6364136223846793005n;
const LCG_C = 1442695040888963407n;
const MASK64 = (1n << 64n) - 1n;

/** The forward map of one permutation: identity shuffled by Fisher–Yates replay from the LCG (Qdrant's permute). */
export function permutationMap(seed: bigint, dim: number): Uint32Array {
  const map = new Uint32Array(dim);
  for (let i = 0; i < dim; i++) map[i] = i;
  let state = seed;
  for (let i = dim - 1; i >= 1; i--) {
    state = (state * LCG_A + LCG_C) & MASK64;
    const j = Number((state >> 32n) % BigInt(i + 1));
    const t = map[i];
    map[i] = map[j];
    map[j] = t;
  }
  return map;
}

/** The power-of-two blocks of a dimension, largest first (its binary digits). */
export function hadamardBlocks(dim: number): number[] {
  const blocks: number[] = [];
  for (let bit = 2 ** Math.floor(Math.log2(dim)); bit >= 1; bit /= 2) if (dim & bit) blocks.push(bit);
  return blocks;
}

/** In place: each block of x[0, dim) gets the Walsh–Hadamard butterfly, scaled by 1/√block. */
function hadamardInPlace(x: Float64Array, blocks: readonly number[]): void {
  let offset = 0;
  for (const size of blocks) {
    for (let h = 1; h < size; h *= 2) {
      for (let i = offset; i < offset + size; i += h * 2) {
        for (let j = i; j < i + h; j++) {
          const a = x[j];
          const b = x[j + h];
          x[j] = a + b;
          x[j + h] = a - b;
        }
      }
    }
    const norm = 1 / Math.sqrt(size);
    for (let i = offset; i < offset + size; i++) x[i] *= norm;
    offset += size;
  }
}

export class HadamardRotation {
  readonly dim: number;
  private readonly blocks: number[];
  private readonly forward: Uint32Array[];
  private readonly backward: Uint32Array[];
  private readonly scratch: Float64Array;

  constructor(dim: number) {
    this.dim = dim;
    this.blocks = hadamardBlocks(dim);
    this.forward = SEEDS.map((seed) => permutationMap(seed, dim));
    this.backward = this.forward.map((map) => {
      const inverse = new Uint32Array(dim);
      for (let i = 0; i < dim; i++) inverse[map[i]] = i;
      return inverse;
    });
    this.scratch = new Float64Array(dim);
  }

  /** x ← R·x (x.length === dim). */
  apply(x: Float64Array): void {
    this.rounds(x, this.forward);
  }

  /** y ← R⁻¹·y. */
  applyInverse(y: Float64Array): void {
    this.rounds(y, [...this.backward].reverse());
  }

  private rounds(x: Float64Array, maps: readonly Uint32Array[]): void {
    const tmp = this.scratch;
    hadamardInPlace(x, this.blocks);
    for (const map of maps) {
      for (let i = 0; i < this.dim; i++) tmp[i] = x[map[i]];
      hadamardInPlace(tmp, this.blocks);
      x.set(tmp);
    }
  }
}
