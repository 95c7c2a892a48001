/**
 * `npm run build:kernels`: compiles lib/distance/simd-kernels.wat with wabt and rewrites the embedded module
 * lib/distance/simd-kernels-wasm.ts (see scripts/kernels-artifact.ts). Run it after editing the .wat and commit both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compileKernels, KERNELS_ARTIFACT, KERNELS_WAT, kernelsArtifact } from './kernels-artifact.js';

/** The slice of the WebAssembly JS API used here (the project's TS lib has no DOM typings for it). */
const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

const bytes = await compileKernels(readFileSync(KERNELS_WAT, 'utf8'));
// The runtime only uses kernels that validate here; a module that V8 rejects would silently fall back to JS.
if (!wasm.validate(bytes)) throw new Error('wabt produced a module that this Node does not validate');
writeFileSync(KERNELS_ARTIFACT, kernelsArtifact(bytes));
process.stdout.write(`build:kernels: wrote ${bytes.length} bytes to lib/distance/simd-kernels-wasm.ts\n`);
