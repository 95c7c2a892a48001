/**
 * Lower layers throw StrataError with a kind, a code and a structured path/detail; lib/api/errors.ts alone words
 * them in Qdrant's messages. These pin the wording of each code of the catalogue.
 */
import { describe, expect, it } from 'vitest';
import { toHttpError } from '../../lib/api/errors.js';
import { prepareUpserts } from '../../lib/collection/wal.js';
import { config } from '../support/collection-harness.js';
import { validateCollectionName } from '../../lib/model/collection-name.js';
import {
  collectionExists,
  collectionNotFound,
  dimensionMismatch,
  invalid,
  malformed,
  outOfRange,
  pointNotFound,
  StrataError,
  unavailable,
} from '../../lib/model/errors.js';

const http = (e: unknown) => {
  const h = toHttpError(e);
  return [h.status, h.message];
};
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe("Qdrant's wording of the error catalogue", () => {
  it('a system error (it names a file) answers what failed, not where', () => {
    const e = Object.assign(new Error("EEXIST: file already exists, mkdir '/srv/data/collections/c'"), {
      code: 'EEXIST',
      syscall: 'mkdir',
      path: '/srv/data/collections/c',
    });
    expect(http(e)).toEqual([500, 'Service internal error: EEXIST (mkdir)']);
  });

  it('words each code as Qdrant does', () => {
    expect(http(collectionNotFound('docs'))).toEqual([404, "Not found: Collection `docs` doesn't exist!"]);
    expect(http(collectionExists('docs'))).toEqual([409, 'Wrong input: Collection `docs` already exists!']);
    expect(http(pointNotFound(7))).toEqual([404, 'Not found: No point with id 7 found']);
    expect(http(dimensionMismatch(4, 3, 'points[3].vector'))).toEqual([
      400,
      'Wrong input: Vector dimension error: expected dim: 4, got 3',
    ]);
    expect(http(malformed('points[0].id', 'expected an id'))).toEqual([
      400,
      'Format error in JSON body: points[0].id: expected an id',
    ]);
    expect(http(outOfRange('vectors.size', 'must be a positive integer'))).toEqual([
      422,
      'Validation error in JSON body: [vectors.size: must be a positive integer]',
    ]);
  });

  it('words errors without a code by kind, after their neutral `path: detail` message', () => {
    expect(http(invalid({ path: 'points[0].vector[1]', detail: '1e39 overflows float32' }))).toEqual([
      400,
      'Wrong input: points[0].vector[1]: 1e39 overflows float32',
    ]);
    expect(http(unavailable('S3 timed out'))).toEqual([503, 'Service unavailable: S3 timed out']);
    expect(http(new StrataError('internal', 'corrupt page'))).toEqual([500, 'Service internal error: corrupt page']);
  });

  it('a collection name refused by the key builder gets the same answer as one refused at the path', () => {
    expect(http(thrown(() => validateCollectionName('😀'.repeat(64))))).toEqual([
      422,
      'Validation error in path parameters: [name: must be at most 255 bytes in UTF-8, got 256]',
    ]);
    expect(http(thrown(() => validateCollectionName('a/b')))).toEqual([
      400,
      "Wrong input: Collection name `a/b` contains invalid characters like '/' or '\\0' !",
    ]);
  });

  it('the collection layer carries no Qdrant prefixes of its own (they used to be doubled by the API)', () => {
    const e = thrown(() => prepareUpserts([{ id: 1, vector: [1, 2, 3] }], config(4, 'Dot')));
    expect(e).toMatchObject({ code: 'vector_dimension', path: 'points[0].vector', detail: 'expected dim: 4, got 3' });
    expect(http(e)).toEqual([400, 'Wrong input: Vector dimension error: expected dim: 4, got 3']);
    expect(http(thrown(() => prepareUpserts([{ id: -1, vector: [1, 2, 3, 4] }], config(4, 'Dot'))))).toEqual([
      400,
      'Format error in JSON body: points[0].id: value -1 is not a valid point ID, valid values are either an unsigned integer or a UUID',
    ]);
  });
});
