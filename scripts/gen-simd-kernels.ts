/**
 * Generates the WebAssembly SIMD kernels of lib/distance (run: `npx tsx scripts/gen-simd-kernels.ts`).
 *
 * Why a hand-written assembler and not a .wat compiler: the module is ~40 instructions per function, wabt would be a
 * new dependency (package.json change) and a pip-installed compiler a second toolchain. Here each instruction is
 * written ONCE as a WAT mnemonic with its immediates; this script encodes it to bytes and also prints it as WAT, so
 * the committed listing (lib/distance/simd-kernels.wat) and the embedded bytes (lib/distance/simd-kernels-wasm.ts)
 * come from the same source and cannot drift. Only the opcodes listed in OPCODES can be used.
 *
 * Every function scores a batch: for i < count, row = rows + ids[i]·rowBytes, out[i] = kernel(row, query). Batching a
 * whole neighbour list into one call amortises the JS↔wasm boundary. Memory is imported (the caller sizes it once
 * and never grows it, so JS views over it stay valid).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Insn = [string, ...number[]];

/** mnemonic → [prefix, opcode]; prefix 0xfd = SIMD (opcode then LEB128), 0 = single-byte opcode. */
const OPCODES: Record<string, [number, number]> = {
  block: [0, 0x02],
  loop: [0, 0x03],
  br: [0, 0x0c],
  br_if: [0, 0x0d],
  end: [0, 0x0b],
  'local.get': [0, 0x20],
  'local.set': [0, 0x21],
  'local.tee': [0, 0x22],
  'i32.load': [0, 0x28],
  'i32.store': [0, 0x36],
  'f32.store': [0, 0x38],
  'i32.const': [0, 0x41],
  'i32.ge_u': [0, 0x4f],
  'i32.add': [0, 0x6a],
  'i32.mul': [0, 0x6c],
  'i32.and': [0, 0x71],
  'i32.shl': [0, 0x74],
  'f32.add': [0, 0x92],
  'v128.load': [0xfd, 0x00],
  'i32x4.splat': [0xfd, 0x11],
  'i32x4.extract_lane': [0xfd, 0x1b],
  'f32x4.extract_lane': [0xfd, 0x1f],
  'v128.load32_zero': [0xfd, 0x5c],
  'i32x4.extadd_pairwise_i16x8_s': [0xfd, 0x7e],
  'i16x8.add': [0xfd, 0x8e],
  'i16x8.extmul_low_i8x16_s': [0xfd, 0x9c],
  'i16x8.extmul_high_i8x16_s': [0xfd, 0x9d],
  'i32x4.add': [0xfd, 0xae],
  'f32x4.add': [0xfd, 0xe4],
  'f32x4.sub': [0xfd, 0xe5],
  'f32x4.mul': [0xfd, 0xe6],
  'f64.add': [0, 0xa0],
  'f64.store': [0, 0x39],
  'v128.load64_zero': [0xfd, 0x5d],
  'f64x2.extract_lane': [0xfd, 0x21],
  'f64x2.promote_low_f32x4': [0xfd, 0x5f],
  'f64x2.add': [0xfd, 0xf0],
  'f64x2.sub': [0xfd, 0xf1],
  'f64x2.mul': [0xfd, 0xf2],
};

/** instructions whose immediates are a memarg (align log2, offset) */
const MEMARG = new Set([
  'i32.load',
  'i32.store',
  'f32.store',
  'f64.store',
  'v128.load',
  'v128.load32_zero',
  'v128.load64_zero',
]);
/** instructions whose immediate is a lane index byte */
const LANE = new Set(['i32x4.extract_lane', 'f32x4.extract_lane', 'f64x2.extract_lane']);
const BLOCKS = new Set(['block', 'loop']);

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function encodeInsn([op, ...imm]: Insn): number[] {
  const code = OPCODES[op];
  if (!code) throw new Error(`unknown instruction ${op}`);
  const out = code[0] === 0xfd ? [0xfd, ...uleb(code[1])] : [code[1]];
  if (BLOCKS.has(op)) out.push(0x40);
  else if (MEMARG.has(op)) out.push(...uleb(imm[0] ?? 0), ...uleb(imm[1] ?? 0));
  else if (LANE.has(op)) out.push(imm[0]);
  else if (op === 'i32.const') out.push(...sleb(imm[0]));
  else for (const v of imm) out.push(...uleb(v));
  return out;
}

interface Func {
  name: string;
  doc: string;
  params: string[];
  /** [name, type] with type 'i32' | 'v128' */
  locals: [string, 'i32' | 'v128'][];
  body: Insn[];
}

const VALTYPE = { i32: 0x7f, v128: 0x7b } as const;

// ---------------------------------------------------------------------------------------------------------------
// Kernels. Parameters of every function: rows, rowBytes, q, ids, count, out (all byte addresses / counts, i32).

const P = { rows: 0, rowBytes: 1, q: 2, ids: 3, count: 4, out: 5 } as const;
const PARAMS = ['rows', 'rowBytes', 'q', 'ids', 'count', 'out'];

/** Shared loop over the batch: sets local `p` to the row address, runs `row`, then stores with `store`. */
function batch(
  locals: Record<string, number>,
  row: Insn[],
  result: Insn[],
  store: 'i32.store' | 'f32.store' | 'f64.store',
): Insn[] {
  const outShift = store === 'f64.store' ? 3 : 2;
  const { i, p } = locals;
  return [
    ['i32.const', 0],
    ['local.set', i],
    ['block'],
    ['loop'],
    ['local.get', i],
    ['local.get', P.count],
    ['i32.ge_u'],
    ['br_if', 1],
    // p = rows + ids[i] · rowBytes
    ['local.get', P.rows],
    ['local.get', P.ids],
    ['local.get', i],
    ['i32.const', 2],
    ['i32.shl'],
    ['i32.add'],
    ['i32.load', 2, 0],
    ['local.get', P.rowBytes],
    ['i32.mul'],
    ['i32.add'],
    ['local.set', p],
    ...row,
    // out[i] = result
    ['local.get', P.out],
    ['local.get', i],
    ['i32.const', outShift],
    ['i32.shl'],
    ['i32.add'],
    ...result,
    [store, outShift, 0],
    ['local.get', i],
    ['i32.const', 1],
    ['i32.add'],
    ['local.set', i],
    ['br', 0],
    ['end'],
    ['end'],
  ];
}

/** while (k < limit) { body; k += step } */
function whileBelow(k: number, limit: Insn[], step: number, body: Insn[]): Insn[] {
  return [
    ['block'],
    ['loop'],
    ['local.get', k],
    ...limit,
    ['i32.ge_u'],
    ['br_if', 1],
    ...body,
    ['local.get', k],
    ['i32.const', step],
    ['i32.add'],
    ['local.set', k],
    ['br', 0],
    ['end'],
    ['end'],
  ];
}

function hsum(acc: number, lane: 'i32x4.extract_lane' | 'f32x4.extract_lane', add: 'i32.add' | 'f32.add'): Insn[] {
  return [
    ['local.get', acc],
    [lane, 0],
    ['local.get', acc],
    [lane, 1],
    [add],
    ['local.get', acc],
    [lane, 2],
    [add],
    ['local.get', acc],
    [lane, 3],
    [add],
  ];
}

/**
 * Σ c_q·c_v over u8 codes in 0..127 (so they are also valid i8): per 16 bytes, the low and high halves' i8 products
 * (each ≤ 127² = 16129) are widened to i16 and added (≤ 32258 < 2^15, no overflow), then summed pairwise into i32
 * lanes. rowBytes is a multiple of 4; the tail is taken 4 bytes at a time (load32_zero), so nothing past the row is
 * read. Exact integer result, identical to the JS packed kernel.
 */
function dotU8(): Func {
  const L = { i: 6, p: 7, k: 8, acc: 9, a: 10, b: 11 };
  const accumulate = (load: 'v128.load' | 'v128.load32_zero'): Insn[] => [
    ['local.get', L.p],
    ['local.get', L.k],
    ['i32.add'],
    [load, 0, 0],
    ['local.set', L.a],
    ['local.get', P.q],
    ['local.get', L.k],
    ['i32.add'],
    [load, 0, 0],
    ['local.set', L.b],
    ['local.get', L.acc],
    ['local.get', L.a],
    ['local.get', L.b],
    ['i16x8.extmul_low_i8x16_s'],
    ['local.get', L.a],
    ['local.get', L.b],
    ['i16x8.extmul_high_i8x16_s'],
    ['i16x8.add'],
    ['i32x4.extadd_pairwise_i16x8_s'],
    ['i32x4.add'],
    ['local.set', L.acc],
  ];
  const row: Insn[] = [
    ['i32.const', 0],
    ['i32x4.splat'],
    ['local.set', L.acc],
    ['i32.const', 0],
    ['local.set', L.k],
    ...whileBelow(L.k, [['local.get', P.rowBytes], ['i32.const', -16], ['i32.and']], 16, accumulate('v128.load')),
    ...whileBelow(L.k, [['local.get', P.rowBytes]], 4, accumulate('v128.load32_zero')),
  ];
  return {
    name: 'dot_u8',
    doc: 'out[i] (i32) = Σ codes(row ids[i]) · codes(q), codes u8 in 0..127, rowBytes a multiple of 4',
    params: PARAMS,
    locals: [
      ['i', 'i32'],
      ['p', 'i32'],
      ['k', 'i32'],
      ['acc', 'v128'],
      ['a', 'v128'],
      ['b', 'v128'],
    ],
    body: batch(L, row, hsum(L.acc, 'i32x4.extract_lane', 'i32.add'), 'i32.store'),
  };
}

/**
 * Float32 dot or squared L2 over rows of rowBytes/4 floats, rowBytes a multiple of 16 (callers fall back to JS for
 * other dims): two f32x4 accumulators over 32-byte blocks (independent add chains), then one 16-byte block if left. Summation is in float32 (like hnswlib's SIMD kernels),
 * so values differ from the float64 JS kernels by rounding only.
 */
function f32Kernel(kind: 'dot' | 'l2'): Func {
  const L = { i: 6, p: 7, k: 8, acc0: 9, acc1: 10, s: 11 };
  const term = (acc: number, offset: number): Insn[] =>
    kind === 'dot'
      ? [
          ['local.get', acc],
          ['local.get', L.p],
          ['local.get', L.k],
          ['i32.add'],
          ['v128.load', 0, offset],
          ['local.get', P.q],
          ['local.get', L.k],
          ['i32.add'],
          ['v128.load', 0, offset],
          ['f32x4.mul'],
          ['f32x4.add'],
          ['local.set', acc],
        ]
      : [
          ['local.get', acc],
          ['local.get', L.p],
          ['local.get', L.k],
          ['i32.add'],
          ['v128.load', 0, offset],
          ['local.get', P.q],
          ['local.get', L.k],
          ['i32.add'],
          ['v128.load', 0, offset],
          ['f32x4.sub'],
          ['local.tee', L.s],
          ['local.get', L.s],
          ['f32x4.mul'],
          ['f32x4.add'],
          ['local.set', acc],
        ];
  const row: Insn[] = [
    ['i32.const', 0],
    ['i32x4.splat'],
    ['local.tee', L.acc0],
    ['local.set', L.acc1],
    ['i32.const', 0],
    ['local.set', L.k],
    ...whileBelow(L.k, [['local.get', P.rowBytes], ['i32.const', -32], ['i32.and']], 32, [
      ...term(L.acc0, 0),
      ...term(L.acc1, 16),
    ]),
    ...whileBelow(L.k, [['local.get', P.rowBytes], ['i32.const', -16], ['i32.and']], 16, term(L.acc0, 0)),
    ['local.get', L.acc0],
    ['local.get', L.acc1],
    ['f32x4.add'],
    ['local.set', L.acc0],
  ];
  const result: Insn[] = hsum(L.acc0, 'f32x4.extract_lane', 'f32.add');
  return {
    name: kind === 'dot' ? 'dot_f32' : 'l2_f32',
    doc:
      kind === 'dot'
        ? 'out[i] (f32) = Σ row(ids[i]) · q over rowBytes/4 floats, rowBytes a multiple of 16'
        : 'out[i] (f32) = Σ (row(ids[i]) − q)² over rowBytes/4 floats, rowBytes a multiple of 16',
    params: PARAMS,
    locals: [
      ['i', 'i32'],
      ['p', 'i32'],
      ['k', 'i32'],
      ['acc0', 'v128'],
      ['acc1', 'v128'],
      ['s', 'v128'],
    ],
    body: batch(L, row, result, 'f32.store'),
  };
}

/**
 * Float32 rows, float64 sums, bit-identical to lib/distance's JS dot and l2sq (rowBytes a multiple of 16): those keep
 * four float64 accumulators s0..s3 for dims ≡ 0..3 (mod 4) and return ((s0 + s1) + s2) + s3. Here lanes (s0, s1) and
 * (s2, s3) are two f64x2 accumulators fed by promoting dims 0–1 and 2–3 of each 16-byte block; a product or
 * difference of promoted float32 values is the same IEEE double operation JS performs, in the same order.
 */
function f64Kernel(kind: 'dot' | 'l2'): Func {
  const L = { i: 6, p: 7, k: 8, acc01: 9, acc23: 10, d: 11 };
  const term = (acc: number, offset: number): Insn[] => [
    ['local.get', acc],
    ['local.get', P.q],
    ['local.get', L.k],
    ['i32.add'],
    ['v128.load64_zero', 0, offset],
    ['f64x2.promote_low_f32x4'],
    ['local.get', L.p],
    ['local.get', L.k],
    ['i32.add'],
    ['v128.load64_zero', 0, offset],
    ['f64x2.promote_low_f32x4'],
    ...(kind === 'dot'
      ? ([['f64x2.mul']] as Insn[])
      : ([['f64x2.sub'], ['local.tee', L.d], ['local.get', L.d], ['f64x2.mul']] as Insn[])),
    ['f64x2.add'],
    ['local.set', acc],
  ];
  const row: Insn[] = [
    ['i32.const', 0],
    ['i32x4.splat'],
    ['local.tee', L.acc01],
    ['local.set', L.acc23],
    ['i32.const', 0],
    ['local.set', L.k],
    ...whileBelow(L.k, [['local.get', P.rowBytes]], 16, [...term(L.acc01, 0), ...term(L.acc23, 8)]),
  ];
  const result: Insn[] = [
    ['local.get', L.acc01],
    ['f64x2.extract_lane', 0],
    ['local.get', L.acc01],
    ['f64x2.extract_lane', 1],
    ['f64.add'],
    ['local.get', L.acc23],
    ['f64x2.extract_lane', 0],
    ['f64.add'],
    ['local.get', L.acc23],
    ['f64x2.extract_lane', 1],
    ['f64.add'],
  ];
  return {
    name: kind === 'dot' ? 'dot_f64' : 'l2_f64',
    doc:
      kind === 'dot'
        ? 'out[i] (f64) = Σ q · row(ids[i]), float64 sums bit-identical to the JS dot; rowBytes a multiple of 16'
        : 'out[i] (f64) = Σ (q − row(ids[i]))², float64 sums bit-identical to the JS l2sq; rowBytes a multiple of 16',
    params: PARAMS,
    locals: [
      ['i', 'i32'],
      ['p', 'i32'],
      ['k', 'i32'],
      ['acc01', 'v128'],
      ['acc23', 'v128'],
      ['d', 'v128'],
    ],
    body: batch(L, row, result, 'f64.store'),
  };
}

const FUNCS: Func[] = [dotU8(), f32Kernel('dot'), f32Kernel('l2'), f64Kernel('dot'), f64Kernel('l2')];

// ---------------------------------------------------------------------------------------------------------------
// Module encoding

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
}

function encodeModule(): Uint8Array {
  const type = [0x60, ...vec(PARAMS.map(() => [0x7f])), 0x00];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec(FUNCS.map(() => [0x00]))),
    ...section(7, vec(FUNCS.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(
      10,
      vec(
        FUNCS.map((f) => {
          const locals = vec(f.locals.map(([, t]) => [0x01, VALTYPE[t]]));
          const code = [...locals, ...f.body.flatMap(encodeInsn), 0x0b];
          return [...uleb(code.length), ...code];
        }),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}

function wat(): string {
  const lines = [
    ';; GENERATED by scripts/gen-simd-kernels.ts from the instruction lists there; do not edit.',
    '(module',
    '  (import "env" "memory" (memory 0))',
  ];
  for (const f of FUNCS) {
    const names = [...f.params, ...f.locals.map(([n]) => n)];
    lines.push(`  ;; ${f.doc}`);
    lines.push(`  (func $${f.name} (export "${f.name}") ${f.params.map((p) => `(param $${p} i32)`).join(' ')}`);
    for (const [n, t] of f.locals) lines.push(`    (local $${n} ${t})`);
    let depth = 2;
    for (const [op, ...imm] of f.body) {
      if (op === 'end') depth--;
      let args = '';
      if (op.startsWith('local.')) args = ` $${names[imm[0]]}`;
      else if (MEMARG.has(op)) args = `${imm[1] ? ` offset=${imm[1]}` : ''}`;
      else if (imm.length > 0) args = ` ${imm.join(' ')}`;
      lines.push(`${'  '.repeat(depth)}${op}${args}`);
      if (BLOCKS.has(op)) depth++;
    }
    lines.push('  )');
  }
  lines.push(')');
  return lines.join('\n') + '\n';
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const module = encodeModule();
if (!(globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(module))
  throw new Error('generated module does not validate');
writeFileSync(join(root, 'lib/distance/simd-kernels.wat'), wat());
const b64 = Buffer.from(module).toString('base64');
writeFileSync(
  join(root, 'lib/distance/simd-kernels-wasm.ts'),
  [
    '// GENERATED by scripts/gen-simd-kernels.ts (listing: simd-kernels.wat); do not edit.',
    `/** The kernels module (${module.length} bytes), base64. */`,
    `export const SIMD_KERNELS_WASM = '${b64}';`,
    '',
  ].join('\n'),
);
console.log(`wrote ${module.length} bytes`);
