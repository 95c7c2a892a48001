/**
 * I/O accounting. Two views of the same calls:
 * - IoStats: cumulative counters of one store (every request it made), for metrics and tests.
 * - IoScope: what ONE query (or task) cost, passed down by the caller: requests, bytes, and the number of
 *   sequential rounds on its critical path.
 *
 * Rounds, measured without the caller's help: each request gets a depth = 1 + the largest depth among the requests
 * of the same scope that had already COMPLETED when it started. Requests issued together (Promise.all) see the same
 * completed set, so a batch counts as one round; a request issued after another returned (because it needed its
 * answer, or merely after it) is one round deeper. `rounds` is the deepest depth reached: the length of the longest
 * chain of non-overlapping requests, which is what S3 latency multiplies. Joining another query's in-flight request
 * (page cache sharing) is a wait like any other and counts toward rounds, but not toward requests or bytes.
 */

export type IoKind = 'get' | 'rangedGet' | 'conditionalGet' | 'head' | 'put' | 'list' | 'delete';

export interface IoCounts {
  /** whole-object GETs (conditional GETs included in conditionalGets only) */
  gets: number;
  rangedGets: number;
  /** If-None-Match GETs (answered 'not modified' or with a body) */
  conditionalGets: number;
  notModified: number;
  heads: number;
  puts: number;
  /** LIST requests (pages), not list() calls */
  lists: number;
  deletes: number;
  /** bytes read from the store (bodies) */
  bytesIn: number;
  /** bytes written to the store (bodies) */
  bytesOut: number;
  /** requests that threw (any kind) */
  errors: number;
}

export function zeroCounts(): IoCounts {
  return {
    gets: 0,
    rangedGets: 0,
    conditionalGets: 0,
    notModified: 0,
    heads: 0,
    puts: 0,
    lists: 0,
    deletes: 0,
    bytesIn: 0,
    bytesOut: 0,
    errors: 0,
  };
}

const KIND_FIELD: Record<IoKind, keyof IoCounts> = {
  get: 'gets',
  rangedGet: 'rangedGets',
  conditionalGet: 'conditionalGets',
  head: 'heads',
  put: 'puts',
  list: 'lists',
  delete: 'deletes',
};

function add(c: IoCounts, kind: IoKind, bytesIn: number, bytesOut: number): void {
  c[KIND_FIELD[kind]] += 1;
  c.bytesIn += bytesIn;
  c.bytesOut += bytesOut;
}

/** Cumulative counters of one store. */
export class IoStats {
  private counts = zeroCounts();

  record(kind: IoKind, bytesIn = 0, bytesOut = 0): void {
    add(this.counts, kind, bytesIn, bytesOut);
  }

  recordNotModified(): void {
    this.counts.notModified += 1;
  }

  recordError(): void {
    this.counts.errors += 1;
  }

  snapshot(): IoCounts {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = zeroCounts();
  }
}

/** Counts minus an earlier snapshot of them (what happened in between). */
export function diffCounts(after: IoCounts, before: IoCounts): IoCounts {
  const out = zeroCounts();
  for (const k of Object.keys(out) as (keyof IoCounts)[]) out[k] = after[k] - before[k];
  return out;
}

/** A request in flight within a scope; hand it back to IoScope.end. */
export interface IoTicket {
  readonly depth: number;
}

/** What one query cost. Not shared between queries; cheap to create. */
export class IoScope {
  readonly counts = zeroCounts();
  private maxCompletedDepth = 0;
  /** joins of another caller's in-flight request (page cache) */
  sharedWaits = 0;

  /** Sequential rounds on the critical path so far (see the header). */
  get rounds(): number {
    return this.maxCompletedDepth;
  }

  begin(): IoTicket {
    return { depth: this.maxCompletedDepth + 1 };
  }

  end(ticket: IoTicket, kind: IoKind | null, bytesIn = 0, bytesOut = 0): void {
    if (ticket.depth > this.maxCompletedDepth) this.maxCompletedDepth = ticket.depth;
    if (kind !== null) add(this.counts, kind, bytesIn, bytesOut);
  }

  /** Waits on a request someone else issued: a round for this scope, no request or bytes of its own. */
  async join<T>(p: Promise<T>): Promise<T> {
    const t = this.begin();
    this.sharedWaits += 1;
    try {
      return await p;
    } finally {
      this.end(t, null);
    }
  }

  snapshot(): IoCounts & { rounds: number; sharedWaits: number } {
    return { ...this.counts, rounds: this.rounds, sharedWaits: this.sharedWaits };
  }
}

/** Outcome of a tracked request: which counter it hits and how many bytes moved. */
export interface Tracked<T> {
  result: T;
  kind: IoKind;
  bytesIn?: number;
  bytesOut?: number;
  /** a conditional GET answered 'not modified' */
  notModified?: boolean;
}

/**
 * Runs one store request and charges it to the store's stats and to the caller's scope. A failed request still
 * costs a round (the caller waited for it) and is counted under `errors`.
 */
export async function track<T>(stats: IoStats, io: IoScope | undefined, fn: () => Promise<Tracked<T>>): Promise<T> {
  const ticket = io?.begin();
  let t: Tracked<T>;
  try {
    t = await fn();
  } catch (e) {
    stats.recordError();
    if (io !== undefined && ticket !== undefined) {
      io.end(ticket, null);
      io.counts.errors += 1;
    }
    throw e;
  }
  stats.record(t.kind, t.bytesIn ?? 0, t.bytesOut ?? 0);
  if (t.notModified === true) stats.recordNotModified();
  if (io !== undefined && ticket !== undefined) {
    io.end(ticket, t.kind, t.bytesIn ?? 0, t.bytesOut ?? 0);
    if (t.notModified === true) io.counts.notModified += 1;
  }
  return t.result;
}
