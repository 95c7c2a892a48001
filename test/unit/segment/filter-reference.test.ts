import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Filter } from '../../../lib/model/filter.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { schemaType, textIndexOf } from '../../../lib/model/payload-schema.js';
import { FieldIndex, encodeFieldIndex } from '../../../lib/segment/field-index-format.js';
import { compileFilter, filterVectorNames } from '../../../lib/segment/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import { filterMaskOf, planFilter } from '../../../lib/segment/index-filter.js';
import { parsePayloadPath } from '../../../lib/segment/payload-path.js';
import { pagedMask } from '../../support/paged-field-indexes.js';
import {
  SCHEMA,
  TEXT_ONLY,
  VECTOR_NAMES,
  conditionArb,
  filterArb,
  payloadArb,
  vectorFilterArb,
} from '../../support/filter-arbitraries.js';
import { referenceMatch, textIndexes } from '../../support/filter-reference.js';

/** A segment's view of indexes built from `payloads` as the writer builds them, round-tripped through bytes. */
function indexed(payloads: Record<string, unknown>[], built: PayloadSchema) {
  const indexes = new Map<string, FieldIndex>();
  for (const [key, s] of Object.entries(built)) {
    const bytes = encodeFieldIndex(schemaType(s), parsePayloadPath(key), payloads, textIndexOf(built, key));
    indexes.set(key, FieldIndex.decode(bytes, key));
  }
  return {
    count: payloads.length,
    schemaOf: (k: string) => built[k],
    externalId: (o: number) => o,
    index: (k: string) => indexes.get(k) as FieldIndex,
    payloads,
  };
}

describe('filters against a reference model of Qdrant rules', () => {
  for (const [name, schema] of [
    ['every key indexed', SCHEMA],
    ['only a text index', TEXT_ONLY],
    ['no index', {}],
  ] as const) {
    const text = textIndexes(schema);
    /**
     * Scan and index masks of `raw` over `payloads`, with indexes whole and paged (cold), equal the reference's;
     * `held[o]`: the vector names point o holds (has_vector), as a set for the scan and as presence masks for the
     * index path.
     */
    const check = async (payloads: Record<string, unknown>[], raw: Filter, held?: ReadonlySet<string>[]) => {
      const filter = parseFilter(raw);
      const sets = held ?? payloads.map(() => new Set<string>());
      const expected = payloads.map((p, o) => (referenceMatch(filter, o, p, text, sets[o]) ? 1 : 0));
      const scan = compileFilter(filter, schema);
      expect(payloads.map((p, o) => (scan(o, p, sets[o]) ? 1 : 0))).toEqual(expected);
      const vectors = new Map(
        [...filterVectorNames(filter)].map((n) => [n, Uint8Array.from(sets, (s) => (s.has(n) ? 1 : 0))]),
      );
      expect(Array.from(filterMaskOf(filter, { ...indexed(payloads, schema), vectors }, schema))).toEqual(expected);
      expect(Array.from(await pagedMask(filter, payloads, schema, schema, 4, vectors))).toEqual(expected);
    };
    const payloadsArb = fc.array(payloadArb, { minLength: 1, maxLength: 25 });
    const heldArb = fc.uniqueArray(fc.constantFrom(...VECTOR_NAMES), { maxLength: VECTOR_NAMES.length });

    it(`each condition, and its negation, equals the reference (${name}; nested keys, arrays, nulls, dates, geo)`, async () => {
      await fc.assert(
        fc.asyncProperty(payloadsArb, conditionArb, async (payloads, c) => {
          await check(payloads, { must: [c] });
          await check(payloads, { must_not: [c] });
        }),
        { seed: 1313, numRuns: 1500 },
      );
    });

    it(`random nested filters equal the reference (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(payloadsArb, filterArb, (p, f) => check(p, f)),
        { seed: 2626, numRuns: 400 },
      );
    });

    it(`has_vector in every clause, beside the other conditions and inside nested, equals the reference (${name})`, async () => {
      const pointsArb = fc.array(fc.tuple(payloadArb, heldArb), { minLength: 1, maxLength: 25 });
      await fc.assert(
        fc.asyncProperty(pointsArb, vectorFilterArb, async (points, raw) => {
          const held = points.map(([, names]) => new Set<string>(names));
          await check(
            points.map(([p]) => p),
            raw,
            held,
          );
        }),
        { seed: 3939, numRuns: 400 },
      );
    });
  }

  it('the generators are not degenerate: filters match a fair share of points and most reach an index', () => {
    let served = 0;
    let whole = 0;
    let hits = 0;
    let total = 0;
    const seg = indexed([{}], SCHEMA);
    const payloads = fc.sample(payloadArb, { seed: 3, numRuns: 50 });
    for (const raw of fc.sample(filterArb, { seed: 7, numRuns: 400 })) {
      const filter = parseFilter(raw);
      const plan = planFilter(filter, seg, SCHEMA);
      if (plan.keys.size > 0) served++;
      if (plan.keys.size > 0 && !plan.payloads) whole++;
      for (const [o, p] of payloads.entries()) hits += referenceMatch(filter, o, p, textIndexes(SCHEMA)) ? 1 : 0;
      total += payloads.length;
    }
    expect(served).toBeGreaterThan(300);
    expect(whole).toBeGreaterThan(12);
    expect(hits / total).toBeGreaterThan(0.05);
    expect(hits / total).toBeLessThan(0.85);
  });
});
