import { describe, expect, it } from 'vitest';
import { qpsAtRecall } from '../../bench/support/tradeoff.js';

const curve = [
  { recall: 0.8, qps: 8000 },
  { recall: 0.9, qps: 4000 },
  { recall: 0.95, qps: 2000 },
];

describe('qpsAtRecall (baseline QPS at Strata recall)', () => {
  it('returns a measured point exactly', () => {
    expect(qpsAtRecall(curve, 0.9)).toEqual({ qps: 4000, bound: 'within' });
  });

  it('interpolates log-linearly between points', () => {
    const at = qpsAtRecall(curve, 0.85);
    expect(at.bound).toBe('within');
    expect(at.qps).toBeCloseTo(Math.sqrt(8000 * 4000), 6);
  });

  it('reports an upper bound below the lowest recall and no value above the highest', () => {
    expect(qpsAtRecall(curve, 0.7)).toEqual({ qps: 8000, bound: 'below' });
    expect(qpsAtRecall(curve, 0.99)).toEqual({ qps: null, bound: 'above' });
  });

  it('ignores dominated points (slower and no more accurate)', () => {
    const noisy = [...curve, { recall: 0.85, qps: 1000 }];
    expect(qpsAtRecall(noisy, 0.85).qps).toBeCloseTo(Math.sqrt(8000 * 4000), 6);
  });
});
