/**
 * A test double that wraps any ObjectStore and injects the failures the engine must survive (SlateDB's
 * test_utils are the model): a call that fails outright, a write that lands but is reported as failed (the
 * ambiguous case behind DESIGN §4.3/§4.4), and gates that hold callers at a point until the test releases them,
 * so a race can be staged step by step instead of hoped for.
 *
 * Rules and gates match on the operation and the key (exact string or RegExp; list() matches its prefix).
 * Calls pass through unchanged when nothing matches; the inner store's counters stay the truth about requests
 * that really happened (a call failed before reaching the inner store is not counted there).
 */
import { unavailable } from '../model/errors.js';
import type { IoScope, IoStats } from './io-stats.js';
import { AmbiguousWriteError } from './object-store.js';
import type {
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  NotModified,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  ReadOptions,
} from './object-store.js';

export type StoreOp = 'get' | 'getIfNoneMatch' | 'put' | 'head' | 'list' | 'delete';

export type FaultEffect =
  /** throw before the inner store is called: nothing happened */
  | 'fail'
  /** call the inner store (the write lands), then throw AmbiguousWriteError: the lost-reply case */
  | 'applied-then-ambiguous'
  /** throw AmbiguousWriteError without calling the inner store: the other half of ambiguity */
  | 'ambiguous-not-applied';

export interface FaultRule {
  op?: StoreOp | readonly StoreOp[];
  key?: string | RegExp;
  /** fire on the nth matching call (1-based) only; otherwise on every matching call */
  nth?: number;
  /** fire at most this many times @default unlimited (1 when nth is set) */
  times?: number;
  effect?: FaultEffect;
  /** the error 'fail' throws @default StrataError 'unavailable' */
  error?: () => Error;
}

export interface GateSpec {
  op?: StoreOp | readonly StoreOp[];
  key?: string | RegExp;
  /** hold callers before the inner call, or after it returned (before the caller sees the answer) @default 'before' */
  at?: 'before' | 'after';
  /** hold only this many callers; later ones pass @default unlimited */
  limit?: number;
}

/** Callers held at a point; release() lets every held (and future) caller through. */
export interface Gate {
  /** resolves once `n` callers are held (default 1) */
  reached(n?: number): Promise<void>;
  readonly held: number;
  release(): void;
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
}

interface ActiveGate extends GateSpec {
  held: number;
  released: boolean;
  waiters: (() => void)[];
  watchers: { n: number; resolve: () => void }[];
}

function matches(
  spec: { op?: StoreOp | readonly StoreOp[]; key?: string | RegExp },
  op: StoreOp,
  key: string,
): boolean {
  if (spec.op !== undefined) {
    const ops = typeof spec.op === 'string' ? [spec.op] : spec.op;
    if (!ops.includes(op)) return false;
  }
  if (spec.key === undefined) return true;
  return typeof spec.key === 'string' ? spec.key === key : spec.key.test(key);
}

export class FaultStore implements ObjectStore {
  readonly name: string;
  /** every call made through this wrapper, in order */
  readonly calls: { op: StoreOp; key: string }[] = [];
  private rules: ActiveRule[] = [];
  private gates: ActiveGate[] = [];

  constructor(readonly inner: ObjectStore) {
    this.name = `fault(${inner.name})`;
  }

  get stats(): IoStats {
    return this.inner.stats;
  }

  /** Adds a fault rule; returns a function that removes it. */
  inject(rule: FaultRule): () => void {
    const active: ActiveRule = { ...rule, seen: 0, fired: 0 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** Holds matching callers until release(). */
  gate(spec: GateSpec): Gate {
    const g: ActiveGate = { ...spec, held: 0, released: false, waiters: [], watchers: [] };
    this.gates.push(g);
    return {
      reached: (n = 1) =>
        g.held >= n ? Promise.resolve() : new Promise<void>((resolve) => g.watchers.push({ n, resolve })),
      get held() {
        return g.held;
      },
      release: () => {
        g.released = true;
        for (const w of g.waiters.splice(0)) w();
        this.gates = this.gates.filter((x) => x !== g);
      },
    };
  }

  clear(): void {
    this.rules = [];
    for (const g of this.gates) {
      g.released = true;
      for (const w of g.waiters.splice(0)) w();
    }
    this.gates = [];
  }

  get(key: string, options?: GetOptions): Promise<GetResult | null> {
    return this.run('get', key, () => this.inner.get(key, options));
  }

  getIfNoneMatch(key: string, etag: string, options?: ReadOptions): Promise<GetResult | NotModified | null> {
    return this.run('getIfNoneMatch', key, () => this.inner.getIfNoneMatch(key, etag, options));
  }

  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }> {
    return this.run('put', key, () => this.inner.put(key, body, options));
  }

  head(key: string, options?: ReadOptions): Promise<ObjectMeta | null> {
    return this.run('head', key, () => this.inner.head(key, options));
  }

  list(prefix: string, options?: ListOptions): Promise<ListEntry[]> {
    return this.run('list', prefix, () => this.inner.list(prefix, options));
  }

  listPrefixes(prefix: string, options?: ReadOptions): Promise<string[]> {
    return this.run('list', prefix, () => this.inner.listPrefixes(prefix, options));
  }

  delete(key: string, options?: { io?: IoScope; signal?: AbortSignal }): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key, options));
  }

  private async run<T>(op: StoreOp, key: string, call: () => Promise<T>): Promise<T> {
    this.calls.push({ op, key });
    const rule = this.pickRule(op, key);
    await this.hold('before', op, key);
    if (rule?.effect === 'fail' || (rule !== undefined && rule.effect === undefined)) {
      throw rule.error?.() ?? unavailable(`injected fault: ${op} ${key}`);
    }
    if (rule?.effect === 'ambiguous-not-applied') {
      throw new AmbiguousWriteError(`injected ambiguous failure (not applied): ${op} ${key}`);
    }
    const result = await call();
    await this.hold('after', op, key);
    if (rule?.effect === 'applied-then-ambiguous') {
      throw new AmbiguousWriteError(`injected ambiguous failure (applied): ${op} ${key}`);
    }
    return result;
  }

  private pickRule(op: StoreOp, key: string): ActiveRule | undefined {
    let picked: ActiveRule | undefined;
    for (const r of this.rules) {
      if (!matches(r, op, key)) continue;
      r.seen += 1; // every matching rule counts the call, so `nth` means the nth call, whatever fired before
      const limit = r.times ?? (r.nth !== undefined ? 1 : Infinity);
      if (picked !== undefined || r.fired >= limit) continue;
      if (r.nth !== undefined && r.seen !== r.nth) continue;
      r.fired += 1;
      picked = r;
    }
    return picked;
  }

  private async hold(at: 'before' | 'after', op: StoreOp, key: string): Promise<void> {
    for (const g of this.gates) {
      if ((g.at ?? 'before') !== at || g.released || !matches(g, op, key)) continue;
      if (g.limit !== undefined && g.held >= g.limit) continue;
      g.held += 1;
      for (const w of g.watchers.filter((x) => g.held >= x.n)) {
        w.resolve();
        g.watchers.splice(g.watchers.indexOf(w), 1);
      }
      await new Promise<void>((resolve) => g.waiters.push(resolve));
      return;
    }
  }
}
