;; WebAssembly SIMD (128-bit) kernels of lib/distance: the SOURCE. `npm run build:kernels` compiles this file with
;; wabt (scripts/build-kernels.ts) into simd-kernels-wasm.ts, the bytes the runtime loads; a unit test rebuilds them and
;; fails when the two differ, so edit this file, then rebuild.
;;
;; Every function scores a batch: for i < count, row = rows + ids[i]·rowBytes, out[i] = kernel(row, q). Batching a
;; whole neighbour list into one call amortises the JS↔wasm boundary. Parameters of every function: rows, rowBytes, q,
;; ids, count, out (byte addresses and counts, i32). Memory is imported: the caller sizes it once and never grows it,
;; so JS views over it stay valid. Rows need not be 16-byte aligned (code rows are a multiple of 4 bytes), hence
;; `align=1` on the vector loads. Only fixed-width SIMD is used (V8 runs it on x86_64 SSE4.1 and arm64 NEON).
(module
  (import "env" "memory" (memory 0))
  ;; Σ c_q·c_v over u8 codes in 0..127 (so they are also valid i8): per 16 bytes, the low and high halves' i8 products
  ;; (each ≤ 127² = 16129) are widened to i16 and added (≤ 32258 < 2^15, no overflow), then summed pairwise into i32
  ;; lanes. rowBytes is a multiple of 4; the tail is taken 4 bytes at a time (load32_zero), so nothing past the row is
  ;; read. Exact integer result, identical to the JS packed kernel.
  ;; out[i] (i32) = Σ codes(row ids[i]) · codes(q), codes u8 in 0..127, rowBytes a multiple of 4
  (func $dot_u8 (export "dot_u8") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $acc v128)
    (local $a v128)
    (local $b v128)
    local.get $rows
    local.get $rowBytes
    local.get $ids
    local.get $count
    local.get $out
    call $touch
    i32.const 0
    local.set $i
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        i32x4.splat
        local.set $acc
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.const -16
            i32.and
            i32.ge_u
            br_if 1
            local.get $p
            local.get $k
            i32.add
            v128.load align=1
            local.set $a
            local.get $q
            local.get $k
            i32.add
            v128.load align=1
            local.set $b
            local.get $acc
            local.get $a
            local.get $b
            i16x8.extmul_low_i8x16_s
            local.get $a
            local.get $b
            i16x8.extmul_high_i8x16_s
            i16x8.add
            i32x4.extadd_pairwise_i16x8_s
            i32x4.add
            local.set $acc
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br 0
          end
        end
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.ge_u
            br_if 1
            local.get $p
            local.get $k
            i32.add
            v128.load32_zero align=1
            local.set $a
            local.get $q
            local.get $k
            i32.add
            v128.load32_zero align=1
            local.set $b
            local.get $acc
            local.get $a
            local.get $b
            i16x8.extmul_low_i8x16_s
            local.get $a
            local.get $b
            i16x8.extmul_high_i8x16_s
            i16x8.add
            i32x4.extadd_pairwise_i16x8_s
            i32x4.add
            local.set $acc
            local.get $k
            i32.const 4
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $out
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        local.get $acc
        i32x4.extract_lane 0
        local.get $acc
        i32x4.extract_lane 1
        i32.add
        local.get $acc
        i32x4.extract_lane 2
        i32.add
        local.get $acc
        i32x4.extract_lane 3
        i32.add
        i32.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
  )
  ;; Float32 dot (and l2_f32 below: squared L2) over rows of rowBytes/4 floats, rowBytes a multiple of 16 (callers fall
  ;; back to JS for other dims): two f32x4 accumulators over 32-byte blocks (independent add chains), then one 16-byte
  ;; block if left. Summation is in float32 (like hnswlib's SIMD kernels), so values differ from the float64 JS kernels
  ;; by rounding only.
  ;; out[i] (f32) = Σ row(ids[i]) · q over rowBytes/4 floats, rowBytes a multiple of 16
  (func $dot_f32 (export "dot_f32") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $acc0 v128)
    (local $acc1 v128)
    (local $s v128)
    local.get $rows
    local.get $rowBytes
    local.get $ids
    local.get $count
    local.get $out
    call $touch
    i32.const 0
    local.set $i
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        i32x4.splat
        local.tee $acc0
        local.set $acc1
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.const -32
            i32.and
            i32.ge_u
            br_if 1
            local.get $acc0
            local.get $p
            local.get $k
            i32.add
            v128.load align=1
            local.get $q
            local.get $k
            i32.add
            v128.load align=1
            f32x4.mul
            f32x4.add
            local.set $acc0
            local.get $acc1
            local.get $p
            local.get $k
            i32.add
            v128.load offset=16 align=1
            local.get $q
            local.get $k
            i32.add
            v128.load offset=16 align=1
            f32x4.mul
            f32x4.add
            local.set $acc1
            local.get $k
            i32.const 32
            i32.add
            local.set $k
            br 0
          end
        end
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.const -16
            i32.and
            i32.ge_u
            br_if 1
            local.get $acc0
            local.get $p
            local.get $k
            i32.add
            v128.load align=1
            local.get $q
            local.get $k
            i32.add
            v128.load align=1
            f32x4.mul
            f32x4.add
            local.set $acc0
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $acc0
        local.get $acc1
        f32x4.add
        local.set $acc0
        local.get $out
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        local.get $acc0
        f32x4.extract_lane 0
        local.get $acc0
        f32x4.extract_lane 1
        f32.add
        local.get $acc0
        f32x4.extract_lane 2
        f32.add
        local.get $acc0
        f32x4.extract_lane 3
        f32.add
        f32.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
  )
  ;; out[i] (f32) = Σ (row(ids[i]) − q)² over rowBytes/4 floats, rowBytes a multiple of 16
  (func $l2_f32 (export "l2_f32") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $acc0 v128)
    (local $acc1 v128)
    (local $s v128)
    local.get $rows
    local.get $rowBytes
    local.get $ids
    local.get $count
    local.get $out
    call $touch
    i32.const 0
    local.set $i
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        i32x4.splat
        local.tee $acc0
        local.set $acc1
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.const -32
            i32.and
            i32.ge_u
            br_if 1
            local.get $acc0
            local.get $p
            local.get $k
            i32.add
            v128.load align=1
            local.get $q
            local.get $k
            i32.add
            v128.load align=1
            f32x4.sub
            local.tee $s
            local.get $s
            f32x4.mul
            f32x4.add
            local.set $acc0
            local.get $acc1
            local.get $p
            local.get $k
            i32.add
            v128.load offset=16 align=1
            local.get $q
            local.get $k
            i32.add
            v128.load offset=16 align=1
            f32x4.sub
            local.tee $s
            local.get $s
            f32x4.mul
            f32x4.add
            local.set $acc1
            local.get $k
            i32.const 32
            i32.add
            local.set $k
            br 0
          end
        end
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.const -16
            i32.and
            i32.ge_u
            br_if 1
            local.get $acc0
            local.get $p
            local.get $k
            i32.add
            v128.load align=1
            local.get $q
            local.get $k
            i32.add
            v128.load align=1
            f32x4.sub
            local.tee $s
            local.get $s
            f32x4.mul
            f32x4.add
            local.set $acc0
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $acc0
        local.get $acc1
        f32x4.add
        local.set $acc0
        local.get $out
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        local.get $acc0
        f32x4.extract_lane 0
        local.get $acc0
        f32x4.extract_lane 1
        f32.add
        local.get $acc0
        f32x4.extract_lane 2
        f32.add
        local.get $acc0
        f32x4.extract_lane 3
        f32.add
        f32.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
  )
  ;; Float32 rows, float64 sums, bit-identical to lib/distance's JS dot (and l2_f64 below: l2sq), rowBytes a multiple
  ;; of 16: those keep four float64 accumulators s0..s3 for dims ≡ 0..3 (mod 4) and return ((s0 + s1) + s2) + s3. Here
  ;; lanes (s0, s1) and (s2, s3) are two f64x2 accumulators fed by promoting dims 0–1 and 2–3 of each 16-byte block; a
  ;; product or difference of promoted float32 values is the same IEEE double operation JS performs, in the same order.
  ;; out[i] (f64) = Σ q · row(ids[i]), float64 sums bit-identical to the JS dot; rowBytes a multiple of 16
  (func $dot_f64 (export "dot_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $acc01 v128)
    (local $acc23 v128)
    (local $d v128)
    local.get $rows
    local.get $rowBytes
    local.get $ids
    local.get $count
    local.get $out
    call $touch
    i32.const 0
    local.set $i
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        i32x4.splat
        local.tee $acc01
        local.set $acc23
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.ge_u
            br_if 1
            local.get $acc01
            local.get $q
            local.get $k
            i32.add
            v128.load64_zero align=1
            f64x2.promote_low_f32x4
            local.get $p
            local.get $k
            i32.add
            v128.load64_zero align=1
            f64x2.promote_low_f32x4
            f64x2.mul
            f64x2.add
            local.set $acc01
            local.get $acc23
            local.get $q
            local.get $k
            i32.add
            v128.load64_zero offset=8 align=1
            f64x2.promote_low_f32x4
            local.get $p
            local.get $k
            i32.add
            v128.load64_zero offset=8 align=1
            f64x2.promote_low_f32x4
            f64x2.mul
            f64x2.add
            local.set $acc23
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $out
        local.get $i
        i32.const 3
        i32.shl
        i32.add
        local.get $acc01
        f64x2.extract_lane 0
        local.get $acc01
        f64x2.extract_lane 1
        f64.add
        local.get $acc23
        f64x2.extract_lane 0
        f64.add
        local.get $acc23
        f64x2.extract_lane 1
        f64.add
        f64.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
  )
  ;; out[i] (f64) = Σ (q − row(ids[i]))², float64 sums bit-identical to the JS l2sq; rowBytes a multiple of 16
  (func $l2_f64 (export "l2_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $acc01 v128)
    (local $acc23 v128)
    (local $d v128)
    local.get $rows
    local.get $rowBytes
    local.get $ids
    local.get $count
    local.get $out
    call $touch
    i32.const 0
    local.set $i
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        i32x4.splat
        local.tee $acc01
        local.set $acc23
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.ge_u
            br_if 1
            local.get $acc01
            local.get $q
            local.get $k
            i32.add
            v128.load64_zero align=1
            f64x2.promote_low_f32x4
            local.get $p
            local.get $k
            i32.add
            v128.load64_zero align=1
            f64x2.promote_low_f32x4
            f64x2.sub
            local.tee $d
            local.get $d
            f64x2.mul
            f64x2.add
            local.set $acc01
            local.get $acc23
            local.get $q
            local.get $k
            i32.add
            v128.load64_zero offset=8 align=1
            f64x2.promote_low_f32x4
            local.get $p
            local.get $k
            i32.add
            v128.load64_zero offset=8 align=1
            f64x2.promote_low_f32x4
            f64x2.sub
            local.tee $d
            local.get $d
            f64x2.mul
            f64x2.add
            local.set $acc23
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $out
        local.get $i
        i32.const 3
        i32.shl
        i32.add
        local.get $acc01
        f64x2.extract_lane 0
        local.get $acc01
        f64x2.extract_lane 1
        f64.add
        local.get $acc23
        f64x2.extract_lane 0
        f64.add
        local.get $acc23
        f64x2.extract_lane 1
        f64.add
        f64.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
  )
  ;; Software prefetch by plain loads (wasm has no prefetch instruction): before a batch is scored, one i32 load per
  ;; 64-byte line of every row it names, all independent of each other, so the CPU keeps many cache misses in flight at
  ;; once instead of stalling on each row's first line as the scoring loop reaches it (neighbour rows are scattered,
  ;; so nearly every one misses the caches on a large set). The XOR of the loaded words is stored at out, which the
  ;; kernel overwrites afterwards: a store keeps the loads from being optimised away and changes no result.
  (func $touch (param $rows i32) (param $rowBytes i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $t i32)
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $rows
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $rowBytes
        i32.mul
        i32.add
        local.set $p
        i32.const 0
        local.set $k
        block
          loop
            local.get $k
            local.get $rowBytes
            i32.ge_u
            br_if 1
            local.get $t
            local.get $p
            local.get $k
            i32.add
            i32.load align=1
            i32.xor
            local.set $t
            local.get $k
            i32.const 64
            i32.add
            local.set $k
            br 0
          end
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
    local.get $out
    local.get $t
    i32.store align=1
  )
  ;; The int8 estimate of a batch, whole, in one call: out[i] (f64) = mult · Σ c_q·c_v + kq + corr[ids[i]] with the code
  ;; sums of dot_u8 and the per-vector corrections (f32 at byte address corr, one per row) in the same memory, so the
  ;; caller reads finished scores. The expression is lib/quantization's Int8Scorer.score in the same IEEE double
  ;; operations and order ((mult·sum + kq) + corr), so the values are identical. The corrections' lines are touched
  ;; before the code rows (they are as scattered as the rows). dot_u8 writes the i32 sums at out; they are widened to
  ;; f64 in place from the last to the first (the f64 of row i covers i32 slots 2i and 2i + 1, both ≥ i: read already).
  (func $est_u8 (export "est_u8") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $corr i32) (param $mult f64) (param $kq f64)
    (local $i i32)
    (local $t i32)
    block
      loop
        local.get $i
        local.get $count
        i32.ge_u
        br_if 1
        local.get $t
        local.get $corr
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        i32.const 2
        i32.shl
        i32.add
        i32.load
        i32.xor
        local.set $t
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
    local.get $out
    local.get $t
    i32.store
    local.get $rows
    local.get $rowBytes
    local.get $q
    local.get $ids
    local.get $count
    local.get $out
    call $dot_u8
    local.get $count
    local.set $i
    block
      loop
        local.get $i
        i32.eqz
        br_if 1
        local.get $i
        i32.const 1
        i32.sub
        local.set $i
        local.get $out
        local.get $i
        i32.const 3
        i32.shl
        i32.add
        local.get $mult
        local.get $out
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        f64.convert_i32_s
        f64.mul
        local.get $kq
        f64.add
        local.get $corr
        local.get $ids
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        i32.const 2
        i32.shl
        i32.add
        f32.load
        f64.promote_f32
        f64.add
        f64.store
        br 0
      end
    end
  )
)
