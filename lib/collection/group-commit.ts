/**
 * Group commit: while one write of a key (a collection's WAL) is in flight, writes that arrive for the same key wait
 * and then go together in the next write, so N concurrent batch upserts cost one durable write (one fsync pair on
 * the filesystem store, one PUT on S3) instead of N, and the WAL holds fewer objects to list, read and seal.
 *
 * Invariants:
 * - A write with nothing in flight for its key starts at once: a lone client pays no added latency.
 * - At most one commit per key is in flight; the next takes the queued items in arrival order, as many as `fits`
 *   allows (at least one), and starts as soon as the previous commit settled, whatever its outcome.
 * - Each item settles with its own result only after the commit that holds it settled: resolved when that commit
 *   succeeded (its record is durable), rejected with that commit's error when it failed. A failed commit fails only
 *   the items it held; items queued behind it are committed next, on their own.
 * - Keys are independent: one collection's slow write never delays another's.
 */

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface KeyState<T, R> {
  queue: Pending<T, R>[];
}

export interface GroupCommitOptions<T, R> {
  /** writes `items` as one durable commit; answers one result per item, in order */
  commit: (items: T[]) => Promise<R[]>;
  /** whether `next` may join the items already taken for one commit @default always */
  fits?: (taken: readonly T[], next: T) => boolean;
}

export class GroupCommitter<T, R> {
  private readonly keys = new Map<string, KeyState<T, R>>();

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  /** Commits `item` with whatever else is queued for `key`; settles once its commit has. */
  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const state = this.keys.get(key);
      if (state !== undefined) {
        state.queue.push({ item, resolve, reject });
        return;
      }
      const fresh: KeyState<T, R> = { queue: [{ item, resolve, reject }] };
      this.keys.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  /** Items waiting behind an in-flight commit of `key` (tests and metrics). */
  queued(key: string): number {
    return this.keys.get(key)?.queue.length ?? 0;
  }

  private async drain(key: string, state: KeyState<T, R>): Promise<void> {
    const fits = this.options.fits ?? (() => true);
    while (state.queue.length > 0) {
      const taken: Pending<T, R>[] = [state.queue[0]];
      while (
        taken.length < state.queue.length &&
        fits(
          taken.map((p) => p.item),
          state.queue[taken.length].item,
        )
      ) {
        taken.push(state.queue[taken.length]);
      }
      state.queue.splice(0, taken.length);
      try {
        const results = await this.options.commit(taken.map((p) => p.item));
        taken.forEach((p, i) => p.resolve(results[i]));
      } catch (e) {
        for (const p of taken) p.reject(e);
      }
    }
    this.keys.delete(key);
  }
}
