import { describe, expect, it } from 'vitest';
import type { Filter } from '../../../lib/model/filter.js';
import { isStrataError } from '../../../lib/model/errors.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { textIndexOf } from '../../../lib/model/payload-schema.js';
import { matchesFilter } from '../../../lib/segment/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import { haversineMeters } from '../../../lib/segment/geo.js';
import { foldToAscii, Tokenizer } from '../../../lib/segment/text/tokenizer.js';

const check = (f: unknown, payload: Record<string, unknown>, schema?: PayloadSchema): boolean =>
  matchesFilter(parseFilter(f), 1, payload, schema);

function parseError(f: unknown): string {
  try {
    parseFilter(f);
  } catch (e) {
    if (isStrataError(e, 'invalid')) return e.message;
    throw e;
  }
  throw new Error('expected the filter to be refused');
}

const berlin = { lon: 13.404954, lat: 52.520008 };

describe('geo conditions (Qdrant condition_checker semantics)', () => {
  it('geo_radius: haversine distance strictly below the radius (Qdrant test: near Berlin, not in Poland)', () => {
    const near = { must: [{ key: 'location', geo_radius: { center: { lon: 13.41, lat: 52.52 }, radius: 1000 } }] };
    const far = { must: [{ key: 'location', geo_radius: { center: { lon: 20.423, lat: 52.511 }, radius: 1000 } }] };
    expect(check(near, { location: berlin })).toBe(true);
    expect(check(far, { location: berlin })).toBe(false);
    // Berlin to Paris is 877.5 km on the mean-radius sphere
    const paris = { lon: 2.3522, lat: 48.8566 };
    expect(haversineMeters(berlin, paris) / 1000).toBeCloseTo(877.5, 0);
    const d = haversineMeters(berlin, paris);
    const at = (radius: number): Filter => ({ must: [{ key: 'p', geo_radius: { center: berlin, radius } }] });
    expect(matchesFilter(at(d + 1), 1, { p: paris })).toBe(true);
    expect(matchesFilter(at(d), 1, { p: paris })).toBe(false);
  });

  it('takes any element of an array of points; other values never match', () => {
    const f = { must: [{ key: 'p', geo_radius: { center: berlin, radius: 10 } }] };
    expect(check(f, { p: [{ lon: 0, lat: 0 }, berlin] })).toBe(true);
    expect(check(f, { p: 'Berlin' })).toBe(false);
    expect(check(f, { p: { lon: '13.4', lat: 52.52 } })).toBe(false);
    expect(check(f, {})).toBe(false);
  });

  it('geo_bounding_box: strictly inside, wrapping across the antimeridian when top_left.lon > bottom_right.lon', () => {
    const box = (tl: [number, number], br: [number, number]) => ({
      must: [
        {
          key: 'p',
          geo_bounding_box: { top_left: { lon: tl[0], lat: tl[1] }, bottom_right: { lon: br[0], lat: br[1] } },
        },
      ],
    });
    expect(check(box([13, 53], [14, 52]), { p: berlin })).toBe(true);
    expect(check(box([14, 53], [15, 52]), { p: berlin })).toBe(false);
    expect(check(box([13.404954, 53], [14, 52]), { p: berlin })).toBe(false); // on the edge
    expect(check(box([170, 10], [-170, -10]), { p: { lon: 179, lat: 0 } })).toBe(true);
    expect(check(box([170, 10], [-170, -10]), { p: { lon: -175, lat: 0 } })).toBe(true);
    expect(check(box([170, 10], [-170, -10]), { p: { lon: 0, lat: 0 } })).toBe(false);
  });

  it('geo_polygon: inside the exterior, outside the holes, never on a boundary', () => {
    const ring = (pts: [number, number][]) => ({ points: pts.map(([lon, lat]) => ({ lon, lat })) });
    const square = ring([
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ]);
    const hole = ring([
      [4, 4],
      [6, 4],
      [6, 6],
      [4, 6],
      [4, 4],
    ]);
    const f = { must: [{ key: 'p', geo_polygon: { exterior: square, interiors: [hole] } }] };
    const at = (lon: number, lat: number) => check(f, { p: { lon, lat } });
    expect(at(2, 2)).toBe(true);
    expect(at(5, 5)).toBe(false); // in the hole
    expect(at(4, 5)).toBe(false); // on the hole's edge
    expect(at(0, 5)).toBe(false); // on the exterior's edge
    expect(at(11, 5)).toBe(false);
    expect(check({ must: [{ key: 'p', geo_polygon: { exterior: square } }] }, { p: { lon: 5, lat: 5 } })).toBe(true);
  });

  it("refuses bad geo input with Qdrant's messages", () => {
    expect(parseError({ must: [{ key: 'p', geo_radius: { center: { lon: 200, lat: 1 }, radius: 5 } }] })).toContain(
      'Wrong format of GeoPoint payload: expected `lat` = 1 within [-90;90] and `lon` = 200 within [-180;180]',
    );
    const open = [
      { lon: 0, lat: 0 },
      { lon: 1, lat: 0 },
      { lon: 1, lat: 1 },
      { lon: 0, lat: 1 },
    ];
    expect(parseError({ must: [{ key: 'p', geo_polygon: { exterior: { points: open } } }] })).toContain(
      'polygon invalid, the first and the last points should be the same to form a closed line',
    );
    expect(parseError({ must: [{ key: 'p', geo_polygon: { exterior: { points: open.slice(0, 3) } } }] })).toContain(
      'polygon invalid, the size must be at least 4, got 3',
    );
    expect(parseError({ must: [{ key: 'p', geo_radius: { center: berlin } }] })).toContain('radius');
  });
});

describe('text conditions', () => {
  const doc = { t: 'The Quick brown fox jumps over the lazy dog' };

  it('without a text index: substrings, as Qdrant', () => {
    expect(check({ must: [{ key: 't', match: { text: 'Quick bro' } }] }, doc)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text: 'quick' } }] }, doc)).toBe(false);
    expect(check({ must: [{ key: 't', match: { text_any: 'cat zy d' } }] }, doc)).toBe(true);
  });

  it('with a text index: every query token among the document tokens, lowercased by default', () => {
    const schema: PayloadSchema = { t: 'text' };
    expect(check({ must: [{ key: 't', match: { text: 'quick DOG' } }] }, doc, schema)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text: 'quick cat' } }] }, doc, schema)).toBe(false);
    expect(check({ must: [{ key: 't', match: { text: 'Quick bro' } }] }, doc, schema)).toBe(false);
    expect(check({ must: [{ key: 't', match: { text_any: 'cat dog' } }] }, doc, schema)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text_any: 'cat mouse' } }] }, doc, schema)).toBe(false);
    expect(check({ must: [{ key: 't', match: { text: '  ,; ' } }] }, doc, schema)).toBe(false);
  });

  it('stopwords are dropped from documents and queries (languages and custom words)', () => {
    const schema: PayloadSchema = { t: { type: 'text', stopwords: { languages: ['english'], custom: ['fox'] } } };
    expect(check({ must: [{ key: 't', match: { text: 'the lazy' } }] }, doc, schema)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text: 'the' } }] }, doc, schema)).toBe(false);
    expect(check({ must: [{ key: 't', match: { text: 'fox' } }] }, doc, schema)).toBe(false);
    expect(new Tokenizer(textIndexOf({ t: { type: 'text', stopwords: 'en' } }, 't')!).document('I am happy')).toEqual([
      'happy',
    ]);
  });

  it('phrases match consecutive tokens of one value, only with phrase_matching', () => {
    const on: PayloadSchema = { t: { type: 'text', phrase_matching: true, stopwords: 'english' } };
    const phrase = (p: string, payload = doc, schema = on) =>
      check({ must: [{ key: 't', match: { phrase: p } }] }, payload, schema);
    expect(phrase('quick brown')).toBe(true);
    expect(phrase('brown quick')).toBe(false);
    expect(phrase('fox lazy')).toBe(false); // "jumps" sits between them
    expect(phrase('jumps over the lazy')).toBe(true); // "over" and "the" are stopwords on both sides
    expect(phrase('jumps lazy')).toBe(true);
    expect(phrase('quick brown', doc, { t: 'text' })).toBe(false);
    expect(phrase('fox jumps', { t: ['a quick fox', 'jumps high'] } as never)).toBe(false);
    expect(
      check({ must: [{ key: 't', match: { text: 'fox jumps' } }] }, { t: ['a quick fox', 'jumps high'] }, on),
    ).toBe(true);
  });

  it('prefix tokenizer: query words match document prefixes', () => {
    const schema: PayloadSchema = { t: { type: 'text', tokenizer: 'prefix', min_token_len: 2, max_token_len: 5 } };
    expect(check({ must: [{ key: 't', match: { text: 'qui' } }] }, doc, schema)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text: 'quickly' } }] }, doc, schema)).toBe(true); // cut to `quick`
    expect(check({ must: [{ key: 't', match: { text: 'q' } }] }, doc, schema)).toBe(false); // below min_token_len
    expect(new Tokenizer(textIndexOf(schema, 't')!).document('Hello')).toEqual(['he', 'hel', 'hell', 'hello']);
  });

  it('stemming, ASCII folding, token lengths and the whitespace and multilingual tokenizers', () => {
    const stem: PayloadSchema = { t: { type: 'text', stemmer: { type: 'snowball', language: 'en' } } };
    expect(check({ must: [{ key: 't', match: { text: 'jumping' } }] }, doc, stem)).toBe(true);
    expect(foldToAscii('Crème Brûlée Æsir straße')).toBe('Creme Brulee AEsir strasse');
    const fold: PayloadSchema = { t: { type: 'text', ascii_folding: true } };
    expect(check({ must: [{ key: 't', match: { text: 'cafe' } }] }, { t: 'Un café' }, fold)).toBe(true);
    expect(check({ must: [{ key: 't', match: { text: 'cafe' } }] }, { t: 'Un café' }, { t: 'text' })).toBe(false);
    const lens: PayloadSchema = { t: { type: 'text', min_token_len: 4, max_token_len: 5 } };
    expect(new Tokenizer(textIndexOf(lens, 't')!).document(doc.t)).toEqual(['quick', 'brown', 'jumps', 'over', 'lazy']);
    const ws = new Tokenizer(textIndexOf({ t: { type: 'text', tokenizer: 'whitespace' } }, 't')!);
    expect(ws.document('e-mail me,  now')).toEqual(['e-mail', 'me,', 'now']);
    const ml = new Tokenizer(textIndexOf({ t: { type: 'text', tokenizer: 'multilingual' } }, 't')!);
    expect(ml.document('Hello, Мир! 123')).toEqual(['hello', 'мир', '123']);
  });

  it('a text index on a nested key applies inside nested filters', () => {
    const schema: PayloadSchema = { 'items[].title': 'text' };
    const payload = { items: [{ title: 'Red Shoes' }, { title: 'blue hat' }] };
    const f = {
      must: [{ nested: { key: 'items', filter: { must: [{ key: 'title', match: { text: 'shoes red' } }] } } }],
    };
    expect(check(f, payload, schema)).toBe(true);
    expect(check(f, payload)).toBe(false);
  });
});
