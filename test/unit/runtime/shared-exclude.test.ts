import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../lib/model/errors.js';
import { knownExclude, postedTask, receivedTask } from '../../../lib/runtime/shared-exclude.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { parseSegmentTask } from '../../../lib/segment/task-schema.js';

const task = (exclude: (number | string)[] | undefined, excludeKey?: string): SegmentSearchTask => ({
  collectionPrefix: 'p/collections/c',
  segments: [{ id: 's1', deletedVersion: 0 }],
  vector: [1, 2],
  limit: 3,
  params: { exact: false },
  ...(exclude === undefined ? {} : { exclude }),
  ...(excludeKey === undefined ? {} : { excludeKey }),
});

// numeric ids and UUIDs, as a tail's winners mix them
const ids = Array.from({ length: 200 }, (_, i) =>
  i % 3 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i * 1_000_003,
);

describe('shared exclude lists (local worker threads)', () => {
  it('posts a long keyed list once, by reference, and a thread parses it once per key', () => {
    const t = task(ids, 'n.1');
    expect(knownExclude(t)).toBeUndefined();
    const posted = postedTask(t) as { sharedExclude?: { json: SharedArrayBuffer }; exclude?: unknown };
    expect(posted.exclude).toBeUndefined();
    expect(posted.sharedExclude?.json).toBeInstanceOf(SharedArrayBuffer);
    // the next task with the same list and key posts the same shared bytes: nothing encoded again
    const again = postedTask(t) as typeof posted;
    expect(again.sharedExclude).toBe(posted.sharedExclude);
    expect(knownExclude(t)).toBe(posted.sharedExclude);

    const first = receivedTask(structuredClone(posted), parseSegmentTask);
    expect(first.exclude).toEqual(ids);
    expect(first.excludeKey).toBe('n.1');
    // a later task under the key gets the very array back (what a worker derives per array is reused), and `parse`
    // is handed that array, which the task schema checks once per array (task-schema.test.ts)
    const seen: unknown[] = [];
    const second = receivedTask(structuredClone(again), (m) => {
      seen.push((m as { exclude?: unknown }).exclude);
      return parseSegmentTask(m);
    });
    expect(second.exclude).toBe(first.exclude);
    expect(second.excludeKey).toBe('n.1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(first.exclude);
  });

  it('posts short, unkeyed and absent lists inside the task, and passes such tasks through unchanged', () => {
    for (const t of [task(ids.slice(0, 10), 'n.2'), task(ids), task(undefined, 'n.3')]) {
      expect(postedTask(t)).toBe(t);
      expect(receivedTask(t, (m) => m as SegmentSearchTask)).toBe(t);
    }
  });

  it('never reuses a list under another key or of another length', () => {
    const a = ids.slice(0, 100);
    const b = ids.slice(50, 150);
    const fromA = receivedTask(structuredClone(postedTask(task(a, 'n.4'))), parseSegmentTask);
    const fromB = receivedTask(structuredClone(postedTask(task(b, 'n.5'))), parseSegmentTask);
    expect(fromA.exclude).toEqual(a);
    expect(fromB.exclude).toEqual(b);
    // the same key with a longer list (a coordinator that reused a key) is parsed again, not taken from the cache
    const longer = ids.slice(0, 120);
    expect(receivedTask(structuredClone(postedTask(task(longer, 'n.4'))), parseSegmentTask).exclude).toEqual(longer);
  });

  it('rejects a malformed reference or shared list as a malformed task, without touching anything else', () => {
    const base = postedTask(task(ids, 'n.6')) as Record<string, unknown> & {
      sharedExclude: { json: SharedArrayBuffer };
    };
    const bad = (message: unknown) => {
      try {
        receivedTask(message, parseSegmentTask);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const json = (text: string) => {
      const bytes = Buffer.from(text);
      const shared = new SharedArrayBuffer(bytes.byteLength);
      bytes.copy(new Uint8Array(shared));
      return shared;
    };
    for (const sharedExclude of [
      'not a reference',
      { key: 'n.7', length: 2, json: new ArrayBuffer(4) },
      { key: 'n.8', length: 2, json: json('[1,"x"]') },
      { key: 'n.9', length: 3, json: json('[1,2]') },
      { key: 'n.10', length: 1, json: json('{"a":1}') },
      { key: 'n.11', length: 1, json: json('[1') },
    ]) {
      const error = bad({ ...base, sharedExclude });
      expect(error).toBeInstanceOf(StrataError);
      expect((error as StrataError).kind).toBe('invalid');
      expect((error as StrataError).message).toMatch(/^malformed segment search task: exclude/);
    }
  });
});
