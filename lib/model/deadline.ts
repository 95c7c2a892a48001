/**
 * A point in time by which work must be done, as a value instead of a number: a bare number cannot say whether it
 * is a budget ("1000 ms from now") or an absolute epoch-ms instant, and code that guessed from its size (`>= 1e12`)
 * broke under injected clocks. A Deadline is fixed when it is made and carries its own clock, so it can be handed
 * down through layers (fan-out retries, optimizer continuation) without each layer re-deriving "now".
 *
 * Invariants: `remainingMs()` never goes negative; `never()` never expires; imports nothing (lib/model).
 */
export class Deadline {
  private constructor(
    /** epoch ms by `now` (Infinity for never) */
    readonly at: number,
    private readonly now: () => number,
  ) {}

  /** `budgetMs` from now (a non-finite or negative budget means "already due"). */
  static in(budgetMs: number, now: () => number = Date.now): Deadline {
    const budget = Number.isFinite(budgetMs) && budgetMs > 0 ? budgetMs : 0;
    return new Deadline(now() + budget, now);
  }

  /** At the instant `epochMs` on `now`'s clock. */
  static at(epochMs: number, now: () => number = Date.now): Deadline {
    return new Deadline(epochMs, now);
  }

  /** A deadline that never expires (a single unbounded run, e.g. a test or a CLI). */
  static never(now: () => number = Date.now): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY, now);
  }

  /** The Lambda context's budget (`getRemainingTimeInMillis`), less `reserveMs` kept for finishing up. */
  static fromRemaining(remainingMs: number, reserveMs = 0, now: () => number = Date.now): Deadline {
    return Deadline.in(remainingMs - reserveMs, now);
  }

  remainingMs(): number {
    return Math.max(0, this.at - this.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** Whether at least `ms` remain: the test before starting a step that needs about that long. */
  allows(ms: number): boolean {
    return this.remainingMs() >= ms;
  }

  /** The earlier of this and `budgetMs` from now. */
  within(budgetMs: number): Deadline {
    const other = Deadline.in(budgetMs, this.now);
    return other.at < this.at ? other : this;
  }
}
