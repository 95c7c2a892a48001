/**
 * An in-memory ObjectStore for unit tests: same contract as the real stores (it passes the conformance suite),
 * no disk, no network. Each call yields to the event loop once (`await` of a resolved promise, or `latencyMs`), so
 * concurrent callers interleave as they would against a real store; the check-and-write of a conditional PUT runs
 * without a yield, which makes it atomic.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../../lib/model/errors.js';
import { IoStats, track } from '../../lib/storage/io-stats.js';
import type { IoScope } from '../../lib/storage/io-stats.js';
import { NOT_MODIFIED, PreconditionFailedError, checkPutOptions, checkRange } from '../../lib/storage/object-store.js';
import type {
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  NotModified,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  ReadOptions,
} from '../../lib/storage/object-store.js';

/** How calls are delayed (see the constructor). */
export interface MemoryStoreTiming {
  latencyMs?: number | (() => number);
  serial?: boolean;
  /**
   * at most this many calls wait out their latency at once, the rest queue for a slot in arrival order: an HTTP
   * client's socket pool in front of a server that answers every request in parallel (S3) @default unlimited
   */
  sockets?: number;
}

interface Stored {
  body: Uint8Array;
  etag: string;
  lastModified: Date;
}

export class MemoryStore implements ObjectStore {
  readonly name = 'memory';
  readonly stats = new IoStats();
  private readonly objects = new Map<string, Stored>();

  private readonly latency: number | (() => number);
  private readonly serial: boolean;
  /** the last call served (serial mode): the next one starts after it */
  private turn: Promise<void> = Promise.resolve();
  private readonly sockets: number;
  private busy = 0;
  /** calls waiting for a socket, first come first served */
  private readonly queue: (() => void)[] = [];

  /**
   * `timing`: the ms each call waits (a number), or `latencyMs` drawn per call (seeded jitter: calls then complete
   * in an order of their own) and `serial` (calls served one at a time in arrival order, as moto serves GETs).
   */
  constructor(timing: number | MemoryStoreTiming = 0) {
    const t = typeof timing === 'number' ? { latencyMs: timing } : timing;
    this.latency = t.latencyMs ?? 0;
    this.serial = t.serial ?? false;
    this.sockets = t.sockets ?? Number.POSITIVE_INFINITY;
  }

  private wait(): Promise<void> {
    const pause = async (): Promise<void> => {
      const ms = typeof this.latency === 'number' ? this.latency : this.latency();
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      else await Promise.resolve();
    };
    if (this.sockets !== Number.POSITIVE_INFINITY) return this.pooled(pause);
    if (!this.serial) return pause();
    this.turn = this.turn.then(pause);
    return this.turn;
  }

  /** `pause` holding one of the pool's sockets: taken at once when one is free, else after the calls queued before. */
  private async pooled(pause: () => Promise<void>): Promise<void> {
    if (this.busy >= this.sockets) await new Promise<void>((r) => this.queue.push(r));
    else this.busy++;
    try {
      await pause();
    } finally {
      // the socket passes straight to the next queued call (busy unchanged), else it is freed
      const next = this.queue.shift();
      if (next !== undefined) next();
      else this.busy--;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult | null> {
    const range = options.range;
    if (range !== undefined) checkRange(key, range);
    return track(this.stats, options.io, async () => {
      await this.wait();
      const kind = range === undefined ? ('get' as const) : ('rangedGet' as const);
      const o = this.objects.get(key);
      if (o === undefined) return { result: null, kind };
      const size = o.body.byteLength;
      if (range !== undefined && range.offset >= size && size > 0) {
        throw invalid(`Range offset ${range.offset} is past the end of ${key} (${size} bytes)`);
      }
      const body = range === undefined ? o.body.slice() : o.body.slice(range.offset, range.offset + range.length);
      return { result: { body, etag: o.etag, size, lastModified: o.lastModified }, kind, bytesIn: body.byteLength };
    });
  }

  async getIfNoneMatch(key: string, etag: string, options: ReadOptions = {}): Promise<GetResult | NotModified | null> {
    return track<GetResult | NotModified | null>(this.stats, options.io, async () => {
      await this.wait();
      const o = this.objects.get(key);
      if (o === undefined) return { result: null, kind: 'conditionalGet' };
      if (o.etag === etag) return { result: NOT_MODIFIED, kind: 'conditionalGet', notModified: true };
      const body = o.body.slice();
      return {
        result: { body, etag: o.etag, size: body.byteLength, lastModified: o.lastModified },
        kind: 'conditionalGet',
        bytesIn: body.byteLength,
      };
    });
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    checkPutOptions(key, options);
    if (key.length === 0) throw invalid('Empty object key');
    return track(this.stats, options.io, async () => {
      await this.wait();
      const current = this.objects.get(key);
      if (options.ifNoneMatch === '*' && current !== undefined) {
        throw new PreconditionFailedError(`put ${key}: object already exists`);
      }
      if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
        throw new PreconditionFailedError(
          `put ${key}: ETag is ${current?.etag ?? 'absent'}, expected ${options.ifMatch}`,
        );
      }
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      this.objects.set(key, { body: body.slice(), etag, lastModified: new Date() });
      return { result: { etag }, kind: 'put', bytesOut: body.byteLength };
    });
  }

  async head(key: string, options: ReadOptions = {}): Promise<ObjectMeta | null> {
    return track(this.stats, options.io, async () => {
      await this.wait();
      const o = this.objects.get(key);
      const meta =
        o === undefined ? null : { key, size: o.body.byteLength, etag: o.etag, lastModified: o.lastModified };
      return { result: meta, kind: 'head' };
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListEntry[]> {
    return track(this.stats, options.io, async () => {
      await this.wait();
      const out: ListEntry[] = [];
      const after = options.startAfter;
      for (const [key, o] of this.objects) {
        if (key.startsWith(prefix) && (after === undefined || key > after))
          out.push({ key, size: o.body.byteLength, lastModified: o.lastModified, etag: o.etag });
      }
      out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return { result: options.limit === undefined ? out : out.slice(0, options.limit), kind: 'list' };
    });
  }

  async listPrefixes(prefix: string, options: ReadOptions = {}): Promise<string[]> {
    return track(this.stats, options.io, async () => {
      await this.wait();
      const found = new Set<string>();
      for (const key of this.objects.keys()) {
        if (!key.startsWith(prefix)) continue;
        const slash = key.indexOf('/', prefix.length);
        if (slash >= 0) found.add(key.slice(0, slash + 1));
      }
      return { result: [...found].sort(), kind: 'list' };
    });
  }

  async delete(key: string, options: { io?: IoScope } = {}): Promise<void> {
    return track(this.stats, options.io, async () => {
      await this.wait();
      this.objects.delete(key);
      return { result: undefined, kind: 'delete' };
    });
  }
}
