/**
 * Child process of the crash test (test/unit/collection/crash.test.ts): writes batches of points to the collection
 * `c` in a filesystem store and runs the optimizer continuously beside them, printing `ACK <first> <count>` on stdout
 * after each acknowledged batch and `OPT` when an optimizer run starts, until the parent kills it with SIGKILL.
 *
 * argv: <store root> <round> [datatype]: the collection's vector datatype, only to label the run (the parent
 * creates the collection)
 */
import { collectionPrefix } from '../../lib/collection/keys.js';
import { optimize } from '../../lib/collection/optimizer.js';
import { StrataCollectionService } from '../../lib/collection/service.js';
import { FileSystemStore } from '../../lib/storage/fs-store.js';
import { DirectInvoker } from '../../lib/runtime/direct-invoker.js';
import { crashPointVector } from './crash-points.js';

const [root, roundArg] = process.argv.slice(2);
const round = Number(roundArg);
const store = new FileSystemStore({ root, fsync: false });
const invoker = new DirectInvoker({ run: () => Promise.reject(new Error('the crash child never queries')) });
const svc = new StrataCollectionService({ store, invoker, writerId: `r${round}` });
const BATCH = 5;

async function writeLoop(): Promise<void> {
  for (let b = 0; ; b++) {
    const first = round * 10_000 + b * BATCH;
    const points = Array.from({ length: BATCH }, (_, i) => ({
      id: first + i,
      vector: crashPointVector(first + i),
      payload: { round },
    }));
    await svc.upsertPoints('c', points, true);
    process.stdout.write(`ACK ${first} ${BATCH}\n`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

async function optimizeLoop(): Promise<void> {
  // a short grace period, so garbage collection (and its deletes) also runs under the knife; a run that outlives
  // half of it abandons its plan (optimizer.ts) and the loop simply starts another
  for (;;) {
    process.stdout.write('OPT\n');
    await optimize(store, collectionPrefix('', 'c'), { graceMs: 2000 }).catch((e: unknown) => {
      if (!(e instanceof Error && 'kind' in e && e.kind === 'conflict')) throw e;
    });
  }
}

process.stdout.write('READY\n');
Promise.all([writeLoop(), optimizeLoop()]).catch((e: unknown) => {
  process.stderr.write(`child failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
