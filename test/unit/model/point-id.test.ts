import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import {
  canonicalPointId,
  formatUuid,
  isCanonicalPointId,
  parseUuid,
  requirePointId,
} from '../../../lib/model/point-id.js';

const CANON = '936da01f-9abd-4d9d-80c7-02af85c822a8';

describe('point ids: one grammar', () => {
  it('isCanonicalPointId(v) says whether v is a point id in canonical form (canonicalPointId(v) === v), on any value', () => {
    const uuidForms = fc
      .uuid()
      .chain((u) => fc.constantFrom(u, u.toUpperCase(), u.replace(/-/g, ''), `{${u}}`, `urn:uuid:${u}`, ` ${u}`));
    fc.assert(
      fc.property(
        fc.oneof(uuidForms, fc.string(), fc.integer(), fc.double(), fc.constant(-0), fc.maxSafeNat(), fc.anything()),
        (v) => {
          expect(isCanonicalPointId(v)).toBe(v !== null && canonicalPointId(v) === v);
        },
      ),
      { seed: 3, numRuns: 2000 },
    );
    expect(isCanonicalPointId(CANON)).toBe(true);
    expect(isCanonicalPointId(2 ** 53)).toBe(false);
  });

  it('accepts the forms Qdrant accepts and canonicalizes them', () => {
    for (const form of [
      CANON,
      CANON.toUpperCase(),
      CANON.replace(/-/g, ''),
      `{${CANON}}`,
      `urn:uuid:${CANON}`,
      `URN:UUID:${CANON.replace(/-/g, '')}`,
    ]) {
      expect(canonicalPointId(form), form).toBe(CANON);
    }
    expect(canonicalPointId(0)).toBe(0);
    expect(canonicalPointId(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses everything else, including hyphens in the wrong places and integers that do not round-trip', () => {
    for (const bad of [
      -1,
      1.5,
      2 ** 53,
      Number.NaN,
      '7',
      '',
      'not-a-uuid',
      '936da01f9abd-4d9d-80c7-02af85c822a8',
      '936d-a01f-9abd-4d9d-80c7-02af85c822a8',
      `${CANON}0`,
      `{${CANON}`,
      null,
      {},
    ]) {
      expect(canonicalPointId(bad), JSON.stringify(bad)).toBeNull();
      expect(parseUuid(String(bad)), JSON.stringify(bad)).toBeNull();
    }
  });

  it('the 16-byte form round-trips to the canonical string', () => {
    const bytes = parseUuid(`{${CANON.toUpperCase()}}`);
    expect(bytes).not.toBeNull();
    expect(bytes![0]).toBe(0x93);
    expect(formatUuid(bytes!)).toBe(CANON);
    const padded = new Uint8Array(20);
    padded.set(bytes!, 4);
    expect(formatUuid(padded, 4)).toBe(CANON);
  });

  it('requirePointId throws a format error that names where the id was', () => {
    expect(requirePointId(`urn:uuid:${CANON}`)).toBe(CANON);
    try {
      requirePointId('abc', 'points[2].id');
      expect.unreachable();
    } catch (e) {
      expect(isStrataError(e, 'invalid')).toBe(true);
      expect(e).toMatchObject({
        code: 'format',
        path: 'points[2].id',
        detail: 'value "abc" is not a valid point ID, valid values are either an unsigned integer or a UUID',
        message:
          'points[2].id: value "abc" is not a valid point ID, valid values are either an unsigned integer or a UUID',
      });
    }
  });
});
