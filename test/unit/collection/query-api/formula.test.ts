import { describe, expect, it } from 'vitest';
import { checkPrefetchRefs, evaluateFormula, parseFormula } from '../../../../lib/collection/query-api/formula.js';

const run = (
  formula: unknown,
  payload: Record<string, unknown> | null,
  scores: (number | undefined)[],
  defaults = {},
  vectors: ReadonlySet<string> | null = null,
) => evaluateFormula(parseFormula(formula, defaults), { id: 1, payload, scores, vectors });

describe('formula', () => {
  it('boosts $score by a payload condition, as in Qdrant docs', () => {
    const f = { sum: ['$score', { mult: [0.5, { key: 'tag', match: { any: ['h1', 'h2'] } }] }] };
    expect(run(f, { tag: 'h1' }, [0.25])).toBeCloseTo(0.75, 6);
    expect(run(f, { tag: 'p' }, [0.25])).toBeCloseTo(0.25, 6);
  });

  it('has_vector is 1 for a candidate holding the vector, else 0 (and never inside nested); only it reads vectors', () => {
    const f = { sum: ['$score', { mult: [0.5, { has_vector: 'image' }] }] };
    expect(parseFormula(f, {}).readsVectors).toBe(true);
    expect(run(f, null, [0.25], {}, new Set(['image', 'text']))).toBeCloseTo(0.75, 6);
    expect(run(f, null, [0.25], {}, new Set(['text']))).toBeCloseTo(0.25, 6);
    const nested = { nested: { key: 'items', filter: { must: [{ has_vector: 'image' }] } } };
    expect(parseFormula({ sum: ['$score', nested] }, {}).readsVectors).toBe(false);
    expect(run({ sum: ['$score', nested] }, { items: [{}] }, [0.25])).toBeCloseTo(0.25, 6);
    expect(parseFormula({ sum: ['$score', { key: 'a', match: { value: 1 } }] }, {}).readsVectors).toBe(false);
  });

  it('reads $score[i] per prefetch, with defaults for points a prefetch did not find', () => {
    const f = { sum: ['$score[0]', { mult: [2, '$score[1]'] }] };
    expect(run(f, null, [1, 3])).toBe(7);
    expect(run(f, null, [1, undefined])).toBe(1);
    expect(run(f, null, [1, undefined], { '$score[1]': 10 })).toBe(21);
  });

  it('arithmetic: div with by_zero_default, pow, sqrt, ln, log10, abs, neg', () => {
    expect(run({ div: { left: 1, right: 0, by_zero_default: 7 } }, null, [])).toBe(7);
    expect(run({ pow: { base: 2, exponent: 10 } }, null, [])).toBe(1024);
    expect(run({ sum: [{ sqrt: 16 }, { log10: 100 }, { ln: 1 }, { abs: -3 }, { neg: 1 }] }, null, [])).toBe(8);
    expect(() => run({ div: { left: 1, right: 0 } }, null, [])).toThrow(/non-finite/);
    expect(() => run({ sqrt: -1 }, null, [])).toThrow(/non-finite/);
    expect(run({ mult: [0, { div: { left: 1, right: 0 } }] }, null, [])).toBe(0);
  });

  it('decays: exp, gauss, lin reach the midpoint at |x - target| = scale', () => {
    for (const kind of ['exp_decay', 'gauss_decay', 'lin_decay']) {
      expect(run({ [kind]: { x: 'd', target: 2, scale: 5, midpoint: 0.3 } }, { d: 7 }, [])).toBeCloseTo(0.3, 6);
      expect(run({ [kind]: { x: 'd', target: 2, scale: 5, midpoint: 0.3 } }, { d: 2 }, [])).toBeCloseTo(1, 6);
    }
    expect(run({ lin_decay: { x: 10 } }, null, [])).toBe(0);
    expect(() => parseFormula({ exp_decay: { x: 1, midpoint: 1 } }, {})).toThrow(/midpoint/);
    expect(() => parseFormula({ gauss_decay: { x: 1, scale: 0 } }, {})).toThrow(/scale/);
  });

  it('payload variables: defaults, and errors naming the key', () => {
    expect(run({ mult: ['price', 2] }, { price: 4 }, [])).toBe(8);
    expect(run({ mult: ['price', 2] }, {}, [], { price: 3 })).toBe(6);
    expect(() => run({ mult: ['price', 2] }, {}, [])).toThrow(/price/);
    expect(() => run({ mult: ['price', 2] }, { price: 'x' }, [])).toThrow(/not a number/);
  });

  it('geo distance in metres and datetimes in seconds', () => {
    const d = run(
      { geo_distance: { origin: { lat: 52.52, lon: 13.405 }, to: 'loc' } },
      { loc: { lat: 48.8566, lon: 2.3522 } },
      [],
    );
    expect(d / 1000).toBeGreaterThan(870);
    expect(d / 1000).toBeLessThan(885);
    expect(run({ datetime: '1970-01-02T00:00:00Z' }, null, [])).toBe(86400);
    expect(run({ datetime_key: 't' }, { t: '1970-01-01T00:01:00Z' }, [])).toBe(60);
  });

  it('refuses $score of a prefetch the query does not have', () => {
    const f = parseFormula({ sum: ['$score', '$score[2]'] }, {});
    expect(() => checkPrefetchRefs(f, 2)).toThrow(/\$score\[2\] refers to prefetch 2, but the query has 2 prefetches/);
    expect(() => checkPrefetchRefs(f, 3)).not.toThrow();
    expect(() => checkPrefetchRefs(parseFormula(1, {}), 0)).toThrow(/without prefetches/);
  });
});
