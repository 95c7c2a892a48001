/**
 * The ObjectStore over S3 (or an S3-compatible server: LocalStack, moto), on @aws-sdk/client-s3. With
 * lib/runtime, the only module allowed to import the AWS SDK.
 *
 * - Clients are created once per store; create the store once per process (module scope in a Lambda) so warm
 *   invocations reuse connections. Both clients share one HTTP handler (one connection pool).
 * - Idempotent requests (GET, HEAD, LIST, DELETE, unconditional PUT) use the SDK's standard retry strategy
 *   (exponential backoff with jitter on throttling, 5xx and network errors) and per-request connection/socket
 *   timeouts; what still fails is StrataError 'unavailable'.
 * - Conditional PUTs (If-Match / If-None-Match, which S3 enforces on PutObject) go through a client with SDK
 *   retries OFF: if the first attempt landed but its answer was lost, an automatic retry would meet our own
 *   write, get 412 and report a lost race that we actually won. So they are retried here only when the failure
 *   proves nothing was written (connection refused, 503 SlowDown); any other failure after the request may have
 *   been sent is AmbiguousWriteError. 412 PreconditionFailed and 409 ConditionalRequestConflict (a concurrent
 *   conditional write on the key is in flight) are PreconditionFailedError: nothing of ours was written.
 * - Ranges are sent as `Range: bytes=a-b`; the whole object's size comes from Content-Range.
 * - Checksums are computed only when an operation requires them, so S3-compatible servers without the newer
 *   flexible-checksum support accept our PUTs.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput, S3ClientConfig } from '@aws-sdk/client-s3';
import { internal, invalid, StrataError, unavailable } from '../model/errors.js';
import { IoStats, track } from './io-stats.js';
import type { IoScope } from './io-stats.js';
import {
  AmbiguousWriteError,
  checkPutOptions,
  checkRange,
  isConditional,
  NOT_MODIFIED,
  PreconditionFailedError,
} from './object-store.js';
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
} from './object-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  /** key prefix inside the bucket, without a trailing slash @default '' */
  readonly prefix?: string;
  /** @default process.env.AWS_REGION ?? 'us-east-1' */
  readonly region?: string;
  /** custom endpoint (LocalStack, moto), e.g. http://127.0.0.1:4566 @default AWS */
  readonly endpoint?: string;
  /** path-style URLs (bucket in the path); needed by most S3-compatible servers @default true when endpoint set */
  readonly forcePathStyle?: boolean;
  /** @default the SDK's default provider chain (Lambda role, env, profile) */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** attempts per idempotent request, first included @default 4 */
  readonly maxAttempts?: number;
  /** attempts for a conditional PUT when the failure proves nothing was written @default 4 */
  readonly conditionalAttempts?: number;
  /** TCP connect timeout @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** whole-request deadline (send to last byte of the answer); raise it for very large objects @default 30000 */
  readonly requestTimeoutMs?: number;
  /** ListObjectsV2 MaxKeys; small values exercise paging in tests @default 1000 */
  readonly listPageSize?: number;
  /**
   * connections of the pool. A cold walk over a large on-disk segment reads its records in a few hundred ranged GETs
   * per round (lib/segment/cold-records.ts), which a pool of P issues in waves of P. S3 serves them in parallel: over
   * a model of it (every GET D ms, P at once; bench/cold-sockets.ts, 25k GloVe-100, ~2,670 GETs in 8.4 rounds) a
   * cold query took 1,533 / 716 / 446 / 350 ms at P = 50 / 128 / 256 / 512 for D = 20, 3,774 / 1,722 / 1,096 / 828
   * ms for D = 60, so AWS's S3 gets 256 (past it the gain halves; a Lambda has 1,024 descriptors). A custom endpoint
   * (moto, LocalStack) keeps the SDK's 50: moto serves GETs one at a time, so more sockets only queue there, and 512
   * made it (on a loaded machine) miss the 3 s connect timeout on cold rounds.
   * @default 256 against AWS, 50 with `endpoint`
   */
  readonly maxSockets?: number;
}

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(e: unknown): number | undefined {
  return (e as AwsError)?.$metadata?.httpStatusCode;
}

function nameOf(e: unknown): string {
  const err = e as AwsError;
  return err?.name ?? err?.code ?? 'Error';
}

function isNotFound(e: unknown): boolean {
  const n = nameOf(e);
  return statusOf(e) === 404 || n === 'NoSuchKey' || n === 'NotFound';
}

/** The request provably never reached S3 (or S3 refused it before doing anything). */
function provablyNotApplied(e: unknown): boolean {
  const code = (e as AwsError)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || nameOf(e) === 'SlowDown';
}

function toStrataError(op: string, key: string, e: unknown): StrataError {
  if (e instanceof StrataError) return e;
  const status = statusOf(e);
  const msg = `S3 ${op} ${key} failed: ${nameOf(e)}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    // 403 AccessDenied, 400 on a well-formed call, 301 wrong region: configuration, not a transient failure
    return internal(msg, e);
  }
  return unavailable(msg, e);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class S3Store implements ObjectStore {
  readonly name: string;
  /** S3 stamps LastModified in whole seconds */
  readonly timestampResolutionMs = 1000;
  readonly stats = new IoStats();
  private readonly client: S3Client;
  /** same connection pool, SDK retries off: for conditional PUTs (see header) */
  private readonly casClient: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly listPageSize: number;
  private readonly conditionalAttempts: number;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/\/+$/, '');
    this.listPageSize = options.listPageSize ?? 1000;
    this.conditionalAttempts = options.conditionalAttempts ?? 4;
    this.name = `s3://${this.bucket}/${this.prefix}`;
    const base: S3ClientConfig = {
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: options.credentials,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    const maxSockets = options.maxSockets ?? (options.endpoint === undefined ? 256 : 50);
    this.client = new S3Client({
      ...base,
      maxAttempts: options.maxAttempts ?? 4,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        // without this the handler only logs a warning when requestTimeout passes and keeps waiting
        throwOnRequestTimeout: true,
        httpAgent: { maxSockets },
        httpsAgent: { maxSockets },
      },
    });
    this.casClient = new S3Client({ ...base, maxAttempts: 1, requestHandler: this.client.config.requestHandler });
  }

  private fullKey(key: string): string {
    if (key.length === 0) throw invalid('Empty object key');
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** Creates the bucket if it does not exist (tests, local setup; in AWS the stack owns the bucket). */
  async createBucket(): Promise<void> {
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const n = nameOf(e);
      if (n === 'BucketAlreadyOwnedByYou' || n === 'BucketAlreadyExists') return;
      throw toStrataError('CreateBucket', this.bucket, e);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult | null> {
    const Key = this.fullKey(key);
    const range = options.range;
    if (range !== undefined) checkRange(key, range);
    return track(this.stats, options.io, async () => {
      let out: GetObjectCommandOutput;
      try {
        out = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key,
            Range: range === undefined ? undefined : `bytes=${range.offset}-${range.offset + range.length - 1}`,
          }),
          { abortSignal: options.signal },
        );
      } catch (e) {
        if (isNotFound(e)) return { result: null, kind: range === undefined ? 'get' : 'rangedGet' };
        if (statusOf(e) === 416 && range !== undefined) {
          // S3 answers 416 for any range of an empty object; the contract makes offset 0 of it an empty read
          const meta = await this.head(key);
          if (meta === null) return { result: null, kind: 'rangedGet' };
          if (meta.size === 0 && range.offset === 0) {
            return {
              result: { body: new Uint8Array(0), etag: meta.etag, size: 0, lastModified: meta.lastModified },
              kind: 'rangedGet',
            };
          }
          throw invalid(`Range offset ${range.offset} is past the end of ${key} (${meta.size} bytes)`, e);
        }
        throw toStrataError('GetObject', key, e);
      }
      const result = await this.toResult(key, out);
      return { result, kind: range === undefined ? 'get' : 'rangedGet', bytesIn: result.body.byteLength };
    });
  }

  async getIfNoneMatch(key: string, etag: string, options: ReadOptions = {}): Promise<GetResult | NotModified | null> {
    const Key = this.fullKey(key);
    return track<GetResult | NotModified | null>(this.stats, options.io, async () => {
      let out: GetObjectCommandOutput;
      try {
        out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, IfNoneMatch: etag }), {
          abortSignal: options.signal,
        });
      } catch (e) {
        if (statusOf(e) === 304 || nameOf(e) === 'NotModified') {
          return { result: NOT_MODIFIED, kind: 'conditionalGet', notModified: true };
        }
        if (isNotFound(e)) return { result: null, kind: 'conditionalGet' };
        throw toStrataError('GetObject', key, e);
      }
      const result = await this.toResult(key, out);
      return { result, kind: 'conditionalGet', bytesIn: result.body.byteLength };
    });
  }

  async head(key: string, options: ReadOptions = {}): Promise<ObjectMeta | null> {
    const Key = this.fullKey(key);
    return track(this.stats, options.io, async () => {
      try {
        const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), {
          abortSignal: options.signal,
        });
        if (out.ETag === undefined) throw internal(`S3 HeadObject ${key}: no ETag in the answer`);
        const meta: ObjectMeta = {
          key,
          size: out.ContentLength ?? 0,
          etag: out.ETag,
          lastModified: out.LastModified ?? new Date(0),
        };
        return { result: meta, kind: 'head' };
      } catch (e) {
        if (isNotFound(e)) return { result: null, kind: 'head' };
        throw toStrataError('HeadObject', key, e);
      }
    });
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const Key = this.fullKey(key);
    checkPutOptions(key, options);
    const conditional = isConditional(options);
    const command = () =>
      new PutObjectCommand({
        Bucket: this.bucket,
        Key,
        Body: body,
        ContentLength: body.byteLength,
        ContentType: options.contentType ?? 'application/octet-stream',
        IfMatch: options.ifMatch,
        IfNoneMatch: options.ifNoneMatch,
      });
    return track(this.stats, options.io, async () => {
      if (!conditional) {
        try {
          const out = await this.client.send(command(), { abortSignal: options.signal });
          return { result: { etag: this.etagOf(key, out.ETag) }, kind: 'put', bytesOut: body.byteLength };
        } catch (e) {
          throw toStrataError('PutObject', key, e);
        }
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await this.casClient.send(command(), { abortSignal: options.signal });
          return { result: { etag: this.etagOf(key, out.ETag) }, kind: 'put', bytesOut: body.byteLength };
        } catch (e) {
          const status = statusOf(e);
          if (status === 412 || nameOf(e) === 'PreconditionFailed') {
            const what = options.ifNoneMatch === '*' ? 'object already exists' : `ETag is no longer ${options.ifMatch}`;
            throw new PreconditionFailedError(`put ${key}: ${what}`, { cause: e });
          }
          if (options.ifMatch !== undefined && isNotFound(e)) {
            // S3 answers If-Match on a missing key with 404 NoSuchKey: the precondition failed all the same
            throw new PreconditionFailedError(`put ${key}: object does not exist (If-Match ${options.ifMatch})`, {
              cause: e,
            });
          }
          if (status === 409 || nameOf(e) === 'ConditionalRequestConflict') {
            throw new PreconditionFailedError(`put ${key}: a concurrent conditional write is in progress`, {
              cause: e,
            });
          }
          if (provablyNotApplied(e) && attempt < this.conditionalAttempts) {
            await sleep(Math.random() * 50 * 2 ** attempt);
            continue;
          }
          if (provablyNotApplied(e)) throw toStrataError('PutObject', key, e);
          if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
            throw toStrataError('PutObject', key, e); // rejected outright: nothing written
          }
          throw new AmbiguousWriteError(
            `S3 conditional PutObject ${key}: outcome unknown (${nameOf(e)}${status !== undefined ? `, HTTP ${status}` : ''}); re-read to decide`,
            { cause: e },
          );
        }
      }
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListEntry[]> {
    const fullPrefix = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const startAfter =
      options.startAfter === undefined
        ? undefined
        : this.prefix === ''
          ? options.startAfter
          : `${this.prefix}/${options.startAfter}`;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    return (async () => {
      const out: ListEntry[] = [];
      let token: string | undefined;
      do {
        // one tracked request per page: a long listing is several sequential rounds
        token = await track(this.stats, options.io, async () => {
          try {
            const page = await this.client.send(
              new ListObjectsV2Command({
                Bucket: this.bucket,
                Prefix: fullPrefix,
                ContinuationToken: token,
                // S3 ignores StartAfter once a continuation token is given; the first page carries it
                ...(token === undefined && startAfter !== undefined ? { StartAfter: startAfter } : {}),
                MaxKeys: Math.min(this.listPageSize, limit - out.length),
              }),
              { abortSignal: options.signal },
            );
            for (const c of page.Contents ?? []) {
              if (c.Key === undefined) continue;
              out.push({
                key: c.Key.slice(strip),
                size: c.Size ?? 0,
                lastModified: c.LastModified ?? new Date(0),
                etag: c.ETag,
              });
            }
            return { result: page.IsTruncated === true ? page.NextContinuationToken : undefined, kind: 'list' };
          } catch (e) {
            throw toStrataError('ListObjectsV2', fullPrefix, e);
          }
        });
      } while (token !== undefined && out.length < limit);
      out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return out.length > limit ? out.slice(0, limit) : out;
    })();
  }

  async listPrefixes(prefix: string, options: ReadOptions = {}): Promise<string[]> {
    const fullPrefix = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const out: string[] = [];
    let token: string | undefined;
    do {
      token = await track(this.stats, options.io, async () => {
        try {
          const page = await this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: fullPrefix,
              Delimiter: '/',
              ContinuationToken: token,
              MaxKeys: this.listPageSize,
            }),
            { abortSignal: options.signal },
          );
          for (const c of page.CommonPrefixes ?? []) if (c.Prefix !== undefined) out.push(c.Prefix.slice(strip));
          return { result: page.IsTruncated === true ? page.NextContinuationToken : undefined, kind: 'list' };
        } catch (e) {
          throw toStrataError('ListObjectsV2', fullPrefix, e);
        }
      });
    } while (token !== undefined);
    return out.sort();
  }

  async delete(key: string, options: { io?: IoScope; signal?: AbortSignal } = {}): Promise<void> {
    const Key = this.fullKey(key);
    return track(this.stats, options.io, async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: options.signal });
      } catch (e) {
        if (!isNotFound(e)) throw toStrataError('DeleteObject', key, e);
      }
      return { result: undefined, kind: 'delete' };
    });
  }

  /** Closes the connection pool (tests; a Lambda keeps its store for the container's life). */
  destroy(): void {
    this.client.destroy();
    this.casClient.destroy();
  }

  private etagOf(key: string, etag: string | undefined): string {
    if (etag === undefined) throw internal(`S3 PutObject ${key}: no ETag in the answer`);
    return etag;
  }

  private async toResult(key: string, out: GetObjectCommandOutput): Promise<GetResult> {
    if (out.Body === undefined) throw internal(`S3 GetObject ${key}: no body`);
    if (out.ETag === undefined) throw internal(`S3 GetObject ${key}: no ETag in the answer`);
    let body: Uint8Array;
    try {
      body = await out.Body.transformToByteArray();
    } catch (e) {
      throw unavailable(`S3 GetObject ${key}: body stream failed`, e);
    }
    // Content-Range "bytes a-b/size" carries the whole object's size on ranged reads
    const total = out.ContentRange !== undefined ? Number(out.ContentRange.split('/')[1]) : body.byteLength;
    return {
      body,
      etag: out.ETag,
      size: Number.isFinite(total) ? total : body.byteLength,
      lastModified: out.LastModified ?? new Date(0),
    };
  }
}
