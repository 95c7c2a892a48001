import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../lib/model/deadline.js';

describe('Deadline', () => {
  let clock = 1_000;
  const now = () => clock;

  it('a budget counts down on its own clock and never goes negative', () => {
    clock = 1_000;
    const d = Deadline.in(500, now);
    expect(d.at).toBe(1_500);
    expect(d.remainingMs()).toBe(500);
    expect(d.allows(500)).toBe(true);
    clock = 1_400;
    expect(d.allows(200)).toBe(false);
    expect(d.expired()).toBe(false);
    clock = 2_000;
    expect(d.remainingMs()).toBe(0);
    expect(d.expired()).toBe(true);
  });

  it('an instant is taken as given, whatever its size (no absolute-vs-budget guess)', () => {
    clock = 5;
    expect(Deadline.at(50, now).remainingMs()).toBe(45);
    expect(Deadline.in(2e12, now).at).toBe(5 + 2e12);
  });

  it('a bad budget is due now; never() never expires; within() takes the earlier', () => {
    clock = 0;
    expect(Deadline.in(Number.NaN, now).expired()).toBe(true);
    expect(Deadline.in(-3, now).expired()).toBe(true);
    const forever = Deadline.never(now);
    clock = 1e15;
    expect(forever.expired()).toBe(false);
    expect(forever.within(10).at).toBe(1e15 + 10);
    expect(Deadline.in(5, now).within(10).at).toBe(1e15 + 5);
    expect(Deadline.fromRemaining(60_000, 10_000, now).remainingMs()).toBe(50_000);
  });
});
