import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIMD_KERNELS_WASM } from '../../lib/distance/simd-kernels-wasm.js';
import { compileKernels, KERNELS_ARTIFACT, KERNELS_WAT, kernelsArtifact } from '../../scripts/kernels-artifact.js';

const wat = readFileSync(KERNELS_WAT, 'utf8');

interface Descriptor {
  module?: string;
  name: string;
  kind: string;
}
/** The slice of the WebAssembly JS API used here (the project's TS lib has no DOM typings for it). */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      validate(bytes: Uint8Array): boolean;
      Module: { new (bytes: Uint8Array): object; exports(m: object): Descriptor[]; imports(m: object): Descriptor[] };
    };
  }
).WebAssembly;

describe('SIMD kernels build (wabt from simd-kernels.wat)', () => {
  it('the committed artifact is exactly what `npm run build:kernels` makes from the committed .wat', async () => {
    const rebuilt = kernelsArtifact(await compileKernels(wat));
    // on failure: edit lib/distance/simd-kernels.wat, then run `npm run build:kernels` and commit both files
    expect(readFileSync(KERNELS_ARTIFACT, 'utf8')).toBe(rebuilt);
  });

  it('the module the runtime loads exports the batch kernels and validates in this Node', async () => {
    const bytes = Buffer.from(SIMD_KERNELS_WASM, 'base64');
    expect(wasm.validate(bytes)).toBe(true);
    const module = new wasm.Module(bytes);
    const exports = wasm.Module.exports(module);
    expect(exports.map((e) => `${e.kind}:${e.name}`)).toEqual([
      'function:dot_u8',
      'function:dot_f32',
      'function:l2_f32',
      'function:dot_f64',
      'function:l2_f64',
      'function:xor_popcnt',
      'function:tq_dot',
      'function:lut_f32',
      'function:f16_f64',
      'function:u8_f64',
      'function:cos_u8_f64',
      'function:walk',
      'function:km_nearest',
      'function:pq_lut',
      'function:heur_u8',
      'function:enc_u8',
      'function:est_u8_wide',
      'function:heap_drain',
      'function:heap_trim',
    ]);
    expect(wasm.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('an edit to one instruction of the .wat changes the bytes, so the artifact check would catch it', async () => {
    const edited = wat.replace('f32x4.mul', 'f32x4.sub');
    expect(edited).not.toBe(wat);
    const a = await compileKernels(wat);
    const b = await compileKernels(edited);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(false);
  });

  it('a .wat that does not parse or validate is refused with its position, never turned into bytes', async () => {
    await expect(compileKernels(wat.replace('i16x8.extmul_low_i8x16_s', 'i16x8.no_such_op'))).rejects.toThrow(
      /simd-kernels\.wat:\d+:\d+/,
    );
    // type error (an f32 kernel result stored where an i32 is expected): parses, fails validation
    await expect(compileKernels(wat.replace('f32.store', 'i32.store'))).rejects.toThrow(/type mismatch in i32\.store/);
  });
});
