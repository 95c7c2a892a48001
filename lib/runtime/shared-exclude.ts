/**
 * How a task's `exclude` list reaches a local worker thread: once per list, not once per task.
 *
 * Why: under a writer every query's tasks carry the WAL tail winners' ids (thousands), the same list with each query
 * until the next WAL object lands. Posting it inside every task made the main thread structured-clone it per task
 * (postMessage was the largest single cost the writer added to a query), and check it per task. A keyed list
 * (`excludeKey`, task-contract.ts: same key, same ids) is written once as JSON into shared memory, and each task posts
 * only a reference to it; a thread parses a key's list once and hands every later task with that key the very same
 * array (so what the worker derives per array, excluded offsets per segment, is reused too).
 *
 * Invariants:
 * - The ids a thread uses are exactly the task's: the shared bytes are the list's own JSON, written once and never
 *   changed; a cached list is used only under its key and its length.
 * - Nothing here trusts a message: the thread checks the reference's shape, and a key's list goes through
 *   parseSegmentTask like any task's `exclude` (which checks each array once).
 * - Unkeyed or short lists travel in the task as before. The Lambda path (JSON payloads) does not use this.
 */
import { LRUCache } from 'lru-cache';
import type { PointId } from '../model/point-id.js';
import type { SegmentSearchTask } from '../segment/task-contract.js';

/** below this many ids a list is posted inside the task: cloning it costs less than a lookup's bookkeeping */
const SHARE_MIN = 64;

/** what a task posts instead of its `exclude`: the list's JSON in shared memory, under its key */
export interface SharedExcludeRef {
  key: string;
  length: number;
  json: SharedArrayBuffer;
}

/** the message a thread receives for a task whose list is shared */
export type PostedTask = Omit<SegmentSearchTask, 'exclude'> & { sharedExclude?: SharedExcludeRef };

const posted = new WeakMap<readonly PointId[], SharedExcludeRef>();

/** The shared reference already made for this task's list under its key, if any (coordinator side). */
export function knownExclude(task: SegmentSearchTask): SharedExcludeRef | undefined {
  const { exclude, excludeKey } = task;
  if (exclude == null || excludeKey === undefined) return undefined;
  const ref = posted.get(exclude);
  return ref !== undefined && ref.key === excludeKey && ref.length === exclude.length ? ref : undefined;
}

/**
 * The message to post for `task` (coordinator side; the task already checked): its list replaced by a shared
 * reference when the list is keyed and long enough, made on the list's first task and reused after.
 */
export function postedTask(task: SegmentSearchTask): PostedTask | SegmentSearchTask {
  const { exclude, excludeKey, ...rest } = task;
  if (exclude == null || excludeKey === undefined || exclude.length < SHARE_MIN) return task;
  let ref = knownExclude(task);
  if (ref === undefined) {
    const bytes = Buffer.from(JSON.stringify(exclude));
    const json = new SharedArrayBuffer(bytes.byteLength);
    bytes.copy(new Uint8Array(json));
    ref = { key: excludeKey, length: exclude.length, json };
    posted.set(exclude, ref);
  }
  return { ...rest, excludeKey, sharedExclude: ref };
}

/** lists parsed (and checked) on this thread, by key: the coordinator's recent tail generations (one per WAL object) */
const received = new LRUCache<string, readonly PointId[]>({ max: 8 });

/**
 * A posted message as the task it stands for, checked by `parse` (thread side). A shared reference becomes the list
 * it names: parsed with the first task that brings its key, then handed as that very array to every later task with
 * the key (which the task schema checks once per array). A malformed reference or list fails `parse` like any
 * malformed task.
 */
export function receivedTask(message: unknown, parse: (task: unknown) => SegmentSearchTask): SegmentSearchTask {
  if (typeof message !== 'object' || message === null || !('sharedExclude' in message)) return parse(message);
  const { sharedExclude: ref, ...task } = message as { sharedExclude: unknown } & Record<string, unknown>;
  if (!isRef(ref)) return parse({ ...task, exclude: ref });
  const known = received.get(ref.key);
  const list = known !== undefined && known.length === ref.length ? known : parseList(ref.json);
  // shared bytes that are not the list their reference describes: the reference itself is what `parse` rejects
  const checked = parse({ ...task, excludeKey: ref.key, exclude: list?.length === ref.length ? list : ref });
  if (checked.exclude !== undefined) received.set(ref.key, checked.exclude);
  return checked;
}

function parseList(json: SharedArrayBuffer): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(json).toString('utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isRef(v: unknown): v is SharedExcludeRef {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<SharedExcludeRef>;
  return (
    typeof r.key === 'string' &&
    Number.isSafeInteger(r.length) &&
    (r.length as number) >= 0 &&
    r.json instanceof SharedArrayBuffer
  );
}
