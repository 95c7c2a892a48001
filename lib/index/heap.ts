/**
 * Binary heaps of (id, similarity) on parallel typed arrays, reused across queries: no objects per entry. MaxHeap
 * keeps the closest on top (the candidate frontier); MinHeap keeps the farthest on top (the bounded result set, whose
 * top is the bar a newcomer must beat). Capacity grows by doubling when needed.
 */
export class MaxHeap {
  ids: Uint32Array;
  scores: Float64Array;
  size = 0;

  constructor(capacity = 64) {
    this.ids = new Uint32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  topId(): number {
    return this.ids[0];
  }

  topScore(): number {
    return this.scores[0];
  }

  push(id: number, score: number): void {
    if (this.size === this.ids.length) this.grow();
    const ids = this.ids;
    const scores = this.scores;
    let c = this.size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (scores[p] >= score) break;
      ids[c] = ids[p];
      scores[c] = scores[p];
      c = p;
    }
    ids[c] = id;
    scores[c] = score;
  }

  /** Removes the top; read it with topId/topScore first. */
  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const ids = this.ids;
    const scores = this.scores;
    const id = ids[n];
    const score = scores[n];
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      const b = r < n && scores[r] > scores[l] ? r : l;
      if (scores[b] <= score) break;
      ids[c] = ids[b];
      scores[c] = scores[b];
      c = b;
    }
    ids[c] = id;
    scores[c] = score;
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    const scores = new Float64Array(this.ids.length * 2);
    ids.set(this.ids);
    scores.set(this.scores);
    this.ids = ids;
    this.scores = scores;
  }
}

export class MinHeap {
  ids: Uint32Array;
  scores: Float64Array;
  size = 0;

  constructor(capacity = 64) {
    this.ids = new Uint32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  topId(): number {
    return this.ids[0];
  }

  topScore(): number {
    return this.scores[0];
  }

  push(id: number, score: number): void {
    if (this.size === this.ids.length) this.grow();
    const ids = this.ids;
    const scores = this.scores;
    let c = this.size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (scores[p] <= score) break;
      ids[c] = ids[p];
      scores[c] = scores[p];
      c = p;
    }
    ids[c] = id;
    scores[c] = score;
  }

  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const ids = this.ids;
    const scores = this.scores;
    const id = ids[n];
    const score = scores[n];
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      const b = r < n && scores[r] < scores[l] ? r : l;
      if (scores[b] >= score) break;
      ids[c] = ids[b];
      scores[c] = scores[b];
      c = b;
    }
    ids[c] = id;
    scores[c] = score;
  }

  /**
   * Empties the heap into (ids, scores) ordered best (largest similarity) first; ties keep no particular order.
   */
  drainDescending(): SearchResult {
    const k = this.size;
    const { ids, scores } = resultArrays(k);
    for (let i = k - 1; i >= 0; i--) {
      ids[i] = this.ids[0];
      scores[i] = this.scores[0];
      this.pop();
    }
    return { ids, scores };
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    const scores = new Float64Array(this.ids.length * 2);
    ids.set(this.ids);
    scores.set(this.scores);
    this.ids = ids;
    this.scores = scores;
  }
}

/** Top-k of a search: internal ids (dense u32 offsets) and similarities, best first. */
export interface SearchResult {
  ids: Uint32Array;
  scores: Float64Array;
}

/**
 * Empty ids and scores arrays for k results. Past 64 bytes a typed array's backing store is allocated off the JS
 * heap (~1.5 µs each here, a few % of a fast query), so larger pairs share one ArrayBuffer: scores first (8-byte
 * aligned), then ids. Smaller ones stay two on-heap arrays (cheaper still).
 */
export function resultArrays(k: number): SearchResult {
  if (12 * k <= 64) return { ids: new Uint32Array(k), scores: new Float64Array(k) };
  const buf = new ArrayBuffer(12 * k);
  return { ids: new Uint32Array(buf, 8 * k, k), scores: new Float64Array(buf, 0, k) };
}
