/**
 * A separate process acting on a FileSystemStore, for the cross-process tests (test/unit/storage/fs-store.test.ts).
 * argv: <root> <mode> [args]
 * - crash-before-rename <key> <text>: starts a PUT, prints "READY <tempPath>" once the temp file is synced, then
 *   hangs holding the key's lock until killed.
 * - increment <key> <times>: CAS-increments a decimal counter `times` times, prints "DONE".
 */
import { casUpdate } from '../../lib/storage/cas.js';
import { FileSystemStore } from '../../lib/storage/fs-store.js';

const [root, mode, key, arg] = process.argv.slice(2);
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

if (mode === 'crash-before-rename') {
  const store = new FileSystemStore({
    root,
    beforeRename: async (temp) => {
      process.stdout.write(`READY ${temp}\n`);
      await new Promise(() => undefined);
    },
  });
  await store.put(key, enc(arg));
} else if (mode === 'increment') {
  const store = new FileSystemStore({ root });
  for (let i = 0; i < Number(arg); i++) {
    await casUpdate<number>(store, key, {
      decode: (b) => Number(dec(b)),
      encode: (n) => enc(String(n)),
      change: (n) => (n ?? 0) + 1,
      maxAttempts: 1000,
      baseDelayMs: 1,
      maxDelayMs: 20,
    });
  }
  process.stdout.write('DONE\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
