import { describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { collectionNameProblem, validateCollectionName } from '../../../lib/model/collection-name.js';

describe('the collection-name rule', () => {
  it('accepts ordinary names up to 255 UTF-8 bytes', () => {
    for (const name of ['docs', 'a', 'x'.repeat(255), 'my-coll_1.v2', 'café', '😀'.repeat(63)]) {
      expect(collectionNameProblem(name), name).toBeNull();
    }
  });

  it('counts bytes, not characters: 64 four-byte emoji are 256 bytes', () => {
    expect(collectionNameProblem('😀'.repeat(64))).toEqual({
      rule: 'length',
      detail: 'must be at most 255 bytes in UTF-8, got 256',
    });
    expect(collectionNameProblem('é'.repeat(128))?.rule).toBe('length');
    expect(collectionNameProblem('x'.repeat(256))).toEqual({
      rule: 'length',
      detail: 'must be from 1 to 255 characters',
    });
    expect(collectionNameProblem('')?.rule).toBe('length');
  });

  it('names the rule each bad name breaks', () => {
    expect(collectionNameProblem('a/b')?.rule).toBe('path_separator');
    expect(collectionNameProblem('a\0b')?.rule).toBe('path_separator');
    for (const name of ['.', '..', 'a:b', 'a|b', 'a\\b', 'a\nb', ' a', 'a ']) {
      expect(collectionNameProblem(name)?.rule, JSON.stringify(name)).toBe('forbidden');
    }
  });

  it('the key builder applies the same rule, so a bad name never reaches the store', () => {
    for (const name of ['😀'.repeat(64), 'a/b', '..', 'a:b']) {
      expect(() => validateCollectionName(name)).toThrow(
        expect.objectContaining({ kind: 'invalid', code: 'collection_name' }),
      );
      expect(() => collectionPrefix('p', name)).toThrow(
        expect.objectContaining({ code: 'collection_name', subject: name }),
      );
    }
    expect(collectionPrefix('p', '😀'.repeat(63))).toBe(`p/collections/${'😀'.repeat(63)}`);
  });
});
