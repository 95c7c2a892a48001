/**
 * The two order statistics scalar training trims to (scalar-int8.ts trainScalar): the values at ranks `cut` and
 * `length − 1 − cut` of a float32 sample, exactly as the sample sorted by Float32Array.prototype.sort would hold them,
 * without sorting it. Sorting 5000 sampled 784-d vectors (3.9M values) took ~0.4 s of every Fashion-MNIST segment
 * build; two bounded heaps of cut + 1 keys take one pass.
 *
 * Invariant: the result is bit-identical to the sort's: values are compared by a u32 key that orders them as the
 * typed-array sort does (numeric order, −0 before +0, every NaN last), and the value returned is decoded from the key
 * (a NaN comes back as a NaN: the sort's NaNs are indistinguishable once read as numbers).
 */

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** The sort key of a float32 bit pattern: flips negatives whole and sets the sign bit of positives; NaN is the maximum. */
function keyOf(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return 0xffffffff;
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}

function floatOfKey(key: number): number {
  if (key === 0xffffffff) return Number.NaN;
  bits[0] = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return asFloat[0];
}

/**
 * [sorted[cut], sorted[length − 1 − cut]] of `values` in typed-array sort order; 0 ≤ cut and 2·cut < length.
 * A max-heap keeps the cut + 1 smallest keys seen (its top is then the rank-cut key), a min-heap the cut + 1 largest.
 */
export function trimmedRange(values: Float32Array, cut: number): [number, number] {
  const n = values.length;
  if (!(Number.isInteger(cut) && cut >= 0 && 2 * cut < n)) throw new RangeError(`cut ${cut} of ${n} values`);
  const raw = new Uint32Array(values.buffer, values.byteOffset, n);
  const k = cut + 1;
  const low = new Float64Array(k);
  const high = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const key = keyOf(raw[i]);
    if (size < k) {
      siftUp(low, size, key, 1);
      siftUp(high, size, key, -1);
      size++;
      continue;
    }
    if (key < low[0]) siftDown(low, k, key, 1);
    if (key > high[0]) siftDown(high, k, key, -1);
  }
  return [floatOfKey(low[0]), floatOfKey(high[0])];
}

/**
 * Heap helpers on keys multiplied by `sign` (1: a max-heap, −1: a min-heap); keys are < 2^32, so the products are
 * exact doubles.
 */
function siftUp(heap: Float64Array, at: number, key: number, sign: number): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (sign * heap[parent] >= sign * key) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = key;
}

/** Replaces the top of a full heap of `size` keys with key and restores the heap order. */
function siftDown(heap: Float64Array, size: number, key: number, sign: number): void {
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && sign * heap[child + 1] > sign * heap[child]) child++;
    if (sign * heap[child] <= sign * key) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = key;
}
