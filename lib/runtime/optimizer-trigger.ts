/**
 * When to seal the WAL: the coordinator counts acknowledged writes per collection and, past a threshold, asks for an
 * optimizer run without waiting for it. In AWS that is an asynchronous invoke (InvocationType Event) of the
 * optimizer function (plus its EventBridge schedule, which catches what a threshold never reaches); locally it is
 * an in-process run on the event loop, debounced, plus an idle timer standing in for the schedule. The optimizer
 * itself is idempotent and races safely with writers (manifest CAS, DESIGN.md §4.3), so a duplicate or lost trigger costs work, never data.
 *
 * The AWS trigger is in lambda-optimizer-trigger.ts (it loads the SDK). The collection layer never sees Lambda: the
 * composition (coordinator.ts) passes the service `onWrite`/`onConfigChange` callbacks that call `afterWrite` and
 * `request`, so every method of the service is served as is.
 */

/** The optimizer function's event for one collection (a scheduled EventBridge event means "every collection"). */
export interface OptimizeRequest {
  collection: string;
}

export interface OptimizerTrigger {
  /** After an acknowledged write of `points` points to `collection`. Never blocks, never throws. */
  afterWrite(collection: string, points: number): void;
  /** Asks for a run now, regardless of the count. Never blocks, never throws. */
  request(collection: string): void;
  /**
   * Waits for the runs (local) or sends (AWS) started so far. A Lambda handler awaits this before returning: a
   * frozen container would otherwise hold the asynchronous invoke until its next request.
   */
  flush(): Promise<void>;
  /** flush(), and no new runs start. */
  close(): Promise<void>;
}

export interface TriggerOptions {
  /** acknowledged points since the last run that trigger the next one. @default 10000 */
  threshold?: number;
  onError?: (error: unknown, collection: string) => void;
}

/** Shared counting: fires `start(collection)` once the threshold is passed; at most one run in flight per collection. */
export abstract class CountingTrigger implements OptimizerTrigger {
  readonly #threshold: number;
  readonly #pending = new Map<string, number>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  protected readonly onError: (error: unknown, collection: string) => void;
  #closed = false;

  constructor(options: TriggerOptions) {
    this.#threshold = options.threshold ?? 10_000;
    this.onError = options.onError ?? (() => {});
  }

  protected abstract start(collection: string): Promise<void>;

  /** acknowledged points of `collection` not yet handed to a run */
  protected pendingPoints(collection: string): number {
    return this.#pending.get(collection) ?? 0;
  }

  afterWrite(collection: string, points: number): void {
    const total = (this.#pending.get(collection) ?? 0) + Math.max(0, points);
    this.#pending.set(collection, total);
    if (total >= this.#threshold) this.request(collection);
  }

  request(collection: string): void {
    if (this.#closed) return;
    this.#pending.set(collection, 0);
    if (this.#running.has(collection)) {
      // writes arrived during a run: run once more afterwards, not once per write
      this.#again.add(collection);
      return;
    }
    const run = this.start(collection)
      .catch((error: unknown) => this.onError(error, collection))
      .finally(() => {
        this.#running.delete(collection);
        if (this.#again.delete(collection)) this.request(collection);
      });
    this.#running.set(collection, run);
  }

  async flush(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#again.clear();
    await this.flush();
  }
}

export interface LocalTriggerOptions extends TriggerOptions {
  /** seals one collection's WAL (lib/collection's optimizer, bound to the local store) */
  optimize: (collection: string) => Promise<unknown>;
  /** delay before a run, so a burst of writes becomes one run. @default 250 */
  debounceMs?: number;
  /**
   * after this long without writes, points still below the threshold are sealed anyway: the local stand-in for the
   * optimizer's schedule in AWS, so a collection that stops receiving writes ends sealed and `green` (clients such as
   * Qdrant's benchmark wait for that). 0 turns it off. @default 2000
   */
  idleMs?: number;
}

/** Runs the optimizer in this process, off the request path. */
export class LocalOptimizerTrigger extends CountingTrigger {
  readonly #optimize: (collection: string) => Promise<unknown>;
  readonly #debounceMs: number;
  readonly #idleMs: number;
  readonly #idle = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(options: LocalTriggerOptions) {
    super(options);
    this.#optimize = options.optimize;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#idleMs = options.idleMs ?? 2000;
  }

  override afterWrite(collection: string, points: number): void {
    super.afterWrite(collection, points);
    clearTimeout(this.#idle.get(collection));
    if (this.#stopped || this.#idleMs <= 0 || this.pendingPoints(collection) === 0) {
      this.#idle.delete(collection);
      return;
    }
    const timer = setTimeout(() => {
      this.#idle.delete(collection);
      if (this.pendingPoints(collection) > 0) this.request(collection);
    }, this.#idleMs);
    // an idle timer never keeps the process alive; close() clears them
    timer.unref();
    this.#idle.set(collection, timer);
  }

  override async close(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#idle.values()) clearTimeout(timer);
    this.#idle.clear();
    await super.close();
  }

  protected async start(collection: string): Promise<void> {
    await new Promise((r) => setTimeout(r, this.#debounceMs));
    const result = await this.#optimize(collection);
    // a bounded run left stale segments, WAL slices or a deleted collection's objects (optimizer.ts
    // `pendingRebuilds`, `pendingWal`; coordinator.ts `pendingPurge`): run again right after this one
    if (PENDING.some((field) => pending(result, field) > 0)) this.request(collection);
  }
}

const PENDING = ['pendingRebuilds', 'pendingWal', 'pendingPurge'] as const;

function pending(result: unknown, field: (typeof PENDING)[number]): number {
  const n = typeof result === 'object' && result !== null ? (result as Record<string, unknown>)[field] : 0;
  return typeof n === 'number' ? n : 0;
}

/** A trigger that never runs anything (optimizer disabled, or schedule-only). */
export const noOptimizerTrigger: OptimizerTrigger = {
  afterWrite: () => {},
  request: () => {},
  flush: async () => {},
  close: async () => {},
};
