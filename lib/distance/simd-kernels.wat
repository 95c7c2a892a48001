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
  ;; Those sums are serial chains (each add waits for the one before: several cycles), so one row alone is bound by
  ;; add latency; four rows are therefore summed side by side (eight independent chains, each row's still in the JS
  ;; order, so no value changes), sharing the query's promoted lanes, and the last 1-3 rows one at a time.
  ;; out[i] (f64) = Σ q · row(ids[i]), float64 sums bit-identical to the JS dot; rowBytes a multiple of 16
  (func $dot_f64 (export "dot_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $k i32)
    (local $p0 i32)
    (local $p1 i32)
    (local $p2 i32)
    (local $p3 i32)
    (local $q01 v128)
    (local $q23 v128)
    (local $a0 v128)
    (local $a1 v128)
    (local $a2 v128)
    (local $a3 v128)
    (local $a4 v128)
    (local $a5 v128)
    (local $a6 v128)
    (local $a7 v128)
    (local $d v128)
    (call $touch (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p1 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=4 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p2 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=8 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p3 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=12 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $a0 (f64x2.splat (f64.const 0)))
        (local.set $a1 (f64x2.splat (f64.const 0)))
        (local.set $a2 (f64x2.splat (f64.const 0)))
        (local.set $a3 (f64x2.splat (f64.const 0)))
        (local.set $a4 (f64x2.splat (f64.const 0)))
        (local.set $a5 (f64x2.splat (f64.const 0)))
        (local.set $a6 (f64x2.splat (f64.const 0)))
        (local.set $a7 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $q01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $q23
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p0) (local.get $k)))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p0) (local.get $k)))))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p1) (local.get $k)))))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p1) (local.get $k)))))))
            (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p2) (local.get $k)))))))
            (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p2) (local.get $k)))))))
            (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p3) (local.get $k)))))))
            (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p3) (local.get $k)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
            (f64x2.extract_lane 0 (local.get $a1))) (f64x2.extract_lane 1 (local.get $a1))))
        (f64.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2)))
            (f64x2.extract_lane 0 (local.get $a3))) (f64x2.extract_lane 1 (local.get $a3))))
        (f64.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a4)) (f64x2.extract_lane 1 (local.get $a4)))
            (f64x2.extract_lane 0 (local.get $a5))) (f64x2.extract_lane 1 (local.get $a5))))
        (f64.store offset=24 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a6)) (f64x2.extract_lane 1 (local.get $a6)))
            (f64x2.extract_lane 0 (local.get $a7))) (f64x2.extract_lane 1 (local.get $a7))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quad)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $a0 (f64x2.splat (f64.const 0)))
        (local.set $a1 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $q01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $q23
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p0) (local.get $k)))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p0) (local.get $k)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
            (f64x2.extract_lane 0 (local.get $a1))) (f64x2.extract_lane 1 (local.get $a1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; out[i] (f64) = Σ (q − row(ids[i]))², float64 sums bit-identical to the JS l2sq; rowBytes a multiple of 16
  (func $l2_f64 (export "l2_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $k i32)
    (local $p0 i32)
    (local $p1 i32)
    (local $p2 i32)
    (local $p3 i32)
    (local $q01 v128)
    (local $q23 v128)
    (local $a0 v128)
    (local $a1 v128)
    (local $a2 v128)
    (local $a3 v128)
    (local $a4 v128)
    (local $a5 v128)
    (local $a6 v128)
    (local $a7 v128)
    (local $d v128)
    (call $touch (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p1 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=4 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p2 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=8 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p3 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=12 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $a0 (f64x2.splat (f64.const 0)))
        (local.set $a1 (f64x2.splat (f64.const 0)))
        (local.set $a2 (f64x2.splat (f64.const 0)))
        (local.set $a3 (f64x2.splat (f64.const 0)))
        (local.set $a4 (f64x2.splat (f64.const 0)))
        (local.set $a5 (f64x2.splat (f64.const 0)))
        (local.set $a6 (f64x2.splat (f64.const 0)))
        (local.set $a7 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $q01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $q23
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $d (f64x2.sub (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p0) (local.get $k))))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p0) (local.get $k))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p1) (local.get $k))))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p1) (local.get $k))))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p2) (local.get $k))))))
            (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p2) (local.get $k))))))
            (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p3) (local.get $k))))))
            (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p3) (local.get $k))))))
            (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
            (f64x2.extract_lane 0 (local.get $a1))) (f64x2.extract_lane 1 (local.get $a1))))
        (f64.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2)))
            (f64x2.extract_lane 0 (local.get $a3))) (f64x2.extract_lane 1 (local.get $a3))))
        (f64.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a4)) (f64x2.extract_lane 1 (local.get $a4)))
            (f64x2.extract_lane 0 (local.get $a5))) (f64x2.extract_lane 1 (local.get $a5))))
        (f64.store offset=24 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a6)) (f64x2.extract_lane 1 (local.get $a6)))
            (f64x2.extract_lane 0 (local.get $a7))) (f64x2.extract_lane 1 (local.get $a7))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quad)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $a0 (f64x2.splat (f64.const 0)))
        (local.set $a1 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $q01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $q23
              (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $q) (local.get $k)))))
            (local.set $d (f64x2.sub (local.get $q01) (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (i32.add (local.get $p0) (local.get $k))))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $d (f64x2.sub (local.get $q23) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (i32.add (local.get $p0) (local.get $k))))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
            (f64x2.extract_lane 0 (local.get $a1))) (f64x2.extract_lane 1 (local.get $a1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; Binary codes (lib/quantization/binary.ts): XOR + popcount of a row against B query bit planes, plane b weighing
  ;; 2^b (B = 1: the query is a code like the rows; B = 4 or 8: a scalar query stored transposed, plane-major, each
  ;; plane rowBytes long at q + b·rowBytes). Per 16 bytes i8x16.popcnt counts the bits of each byte (≤ 8), and the
  ;; counts are added pairwise into i16 lanes (≤ 16 per lane per block, so a row of < 65,536 bytes cannot overflow);
  ;; the tail is taken 4 bytes at a time with i32.popcnt, so nothing past the row is read. Exact integers, equal to
  ;; the JS SWAR popcount's sum.
  ;; out[i] (i32) = Σ_b 2^b · popcount(row(ids[i]) XOR plane_b), rowBytes a multiple of 4 and < 65,536
  (func $xor_popcnt (export "xor_popcnt") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $planes i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $b i32)
    (local $qb i32)
    (local $sum i32)
    (local $plane i32)
    (local $end16 i32)
    (local $acc v128)
    (local.set $end16 (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p
          (i32.add (local.get $rows)
            (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $sum (i32.const 0))
        (local.set $b (i32.const 0))
        (block $planesDone
          (loop $planeLoop
            (br_if $planesDone (i32.ge_u (local.get $b) (local.get $planes)))
            (local.set $qb (i32.add (local.get $q) (i32.mul (local.get $b) (local.get $rowBytes))))
            (local.set $acc (i16x8.splat (i32.const 0)))
            (local.set $plane (i32.const 0))
            (local.set $k (i32.const 0))
            (block $blocksDone
              (loop $block
                (br_if $blocksDone (i32.ge_u (local.get $k) (local.get $end16)))
                (local.set $acc
                  (i16x8.add (local.get $acc)
                    (i16x8.extadd_pairwise_i8x16_u
                      (i8x16.popcnt
                        (v128.xor
                          (v128.load align=1 (i32.add (local.get $p) (local.get $k)))
                          (v128.load align=1 (i32.add (local.get $qb) (local.get $k))))))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $block)))
            (block $wordsDone
              (loop $word
                (br_if $wordsDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
                (local.set $plane
                  (i32.add (local.get $plane)
                    (i32.popcnt
                      (i32.xor
                        (i32.load align=1 (i32.add (local.get $p) (local.get $k)))
                        (i32.load align=1 (i32.add (local.get $qb) (local.get $k)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $word)))
            (local.set $acc (i32x4.extadd_pairwise_i16x8_u (local.get $acc)))
            (local.set $plane
              (i32.add (local.get $plane)
                (i32.add
                  (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                  (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
            (local.set $sum (i32.add (local.get $sum) (i32.shl (local.get $plane) (local.get $b))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $planeLoop)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $sum))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; TurboQuant codes (lib/quantization/turbo.ts): the integer dot Σ_i qInt_i · book[code_i] of packed `bits`-bit codes
  ;; (1, 2 or 4) against an i16 query, i.e. what the per-query byte table sums, without the table: per 16 code bytes
  ;; and per lane group g < 8/bits, the g-th code of each byte is shifted out and masked (i8x16.shr_u, and), mapped to
  ;; its i8 codebook value by one i8x16.swizzle of the 16-byte codebook at `book`, widened to i16 and multiplied-added
  ;; with 16 query values (i32x4.dot_i16x8_s). The query is laid out in that order: block j, group g, byte t holds
  ;; coordinate (16·j + t)·(8/bits) + g, zero past the padded dimension. The last block may read up to 15 bytes past
  ;; the row (the next row or the arena's query slot: always inside the memory); their query values are 0, so they add
  ;; nothing. Exact while Σ|qInt_i|·max|book| < 2^31 (the caller checks it).
  ;; out[i] (i32) = Σ_i q_i · book[code_i(row ids[i])]
  (func $tq_dot (export "tq_dot") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $bits i32) (param $book i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $g i32)
    (local $lanes i32)
    (local $qp i32)
    (local $acc v128)
    (local $bytes v128)
    (local $vals v128)
    (local $codebook v128)
    (local $mask v128)
    (local.set $lanes (i32.div_u (i32.const 8) (local.get $bits)))
    (local.set $codebook (v128.load align=1 (local.get $book)))
    (local.set $mask (i8x16.splat (i32.sub (i32.shl (i32.const 1) (local.get $bits)) (i32.const 1))))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p
          (i32.add (local.get $rows)
            (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $acc (i32x4.splat (i32.const 0)))
        (local.set $qp (local.get $q))
        (local.set $k (i32.const 0))
        (block $blocksDone
          (loop $block
            (br_if $blocksDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $bytes (v128.load align=1 (i32.add (local.get $p) (local.get $k))))
            (local.set $g (i32.const 0))
            (block $groupsDone
              (loop $group
                (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $lanes)))
                (local.set $vals
                  (i8x16.swizzle (local.get $codebook)
                    (v128.and (i8x16.shr_u (local.get $bytes) (i32.mul (local.get $g) (local.get $bits))) (local.get $mask))))
                (local.set $acc
                  (i32x4.add (local.get $acc)
                    (i32x4.add
                      (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $vals)) (v128.load align=1 (local.get $qp)))
                      (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $vals)) (v128.load offset=16 align=1 (local.get $qp))))))
                (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
                (local.set $g (i32.add (local.get $g) (i32.const 1)))
                (br $group)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $block)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; Product codes (lib/quantization/product.ts): Σ_j lut[j·256 + code_j] over a row of rowBytes one-byte codes, the
  ;; per-query float32 table at q. A gather has no SIMD form here, so this is scalar; what it saves is the per-row
  ;; JS call and bounds checks, and four rows are summed side by side (independent add chains, each in the JS order
  ;; j = 0, 1, …, in float64), so every sum is bit-identical to the JS loop's.
  ;; out[i] (f64) = Σ_j lut[j·256 + row(ids[i])[j]]
  (func $lut_f32 (export "lut_f32") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $j i32)
    (local $t i32)
    (local $p0 i32)
    (local $p1 i32)
    (local $p2 i32)
    (local $p3 i32)
    (local $s0 f64)
    (local $s1 f64)
    (local $s2 f64)
    (local $s3 f64)
    (block $quadsDone
      (loop $quad
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p1 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=4 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p2 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=8 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $p3 (i32.add (local.get $rows)
          (i32.mul (i32.load offset=12 (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $s0 (f64.const 0))
        (local.set $s1 (f64.const 0))
        (local.set $s2 (f64.const 0))
        (local.set $s3 (f64.const 0))
        (local.set $t (local.get $q))
        (local.set $j (i32.const 0))
        (block $done
          (loop $chunk
            (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $s0 (f64.add (local.get $s0) (f64.promote_f32 (f32.load
              (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $p0) (local.get $j))) (i32.const 2)))))))
            (local.set $s1 (f64.add (local.get $s1) (f64.promote_f32 (f32.load
              (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $p1) (local.get $j))) (i32.const 2)))))))
            (local.set $s2 (f64.add (local.get $s2) (f64.promote_f32 (f32.load
              (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $p2) (local.get $j))) (i32.const 2)))))))
            (local.set $s3 (f64.add (local.get $s3) (f64.promote_f32 (f32.load
              (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $p3) (local.get $j))) (i32.const 2)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1024)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $chunk)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s0))
        (f64.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s1))
        (f64.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s2))
        (f64.store offset=24 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s3))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quad)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p0 (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $s0 (f64.const 0))
        (local.set $t (local.get $q))
        (local.set $j (i32.const 0))
        (block $done
          (loop $chunk
            (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $s0 (f64.add (local.get $s0) (f64.promote_f32 (f32.load
              (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $p0) (local.get $j))) (i32.const 2)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1024)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $chunk)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; Software prefetch by plain loads (wasm has no prefetch instruction): before a batch is scored, one i32 load per
  ;; 64-byte line of every row it names, all independent of each other, so the CPU keeps many cache misses in flight at
  ;; once instead of stalling on each row's first line as the scoring loop reaches it (neighbour rows are scattered,
  ;; so nearly every one misses the caches on a large set). The XOR of the loaded words is stored at out, which the
  ;; kernel overwrites afterwards: a store keeps the loads from being optimised away and changes no result. Only a row's
  ;; first 1,024 bytes (16 lines) are touched: a load that misses holds its place in the reorder window until the line
  ;; arrives, so touching all 49 lines of a 784-d float32 row stalled the touch loop itself, while past its first
  ;; lines the hardware's stream prefetcher fetches a row read front to back (measured on Fashion-MNIST 20k, ef 128:
  ;; float32 walk +50%, int8 rows of 784 bytes, touched whole as before, unchanged).
  (func $touch (param $rows i32) (param $rowBytes i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $t i32)
    (local $lim i32)
    (local.set $lim (select (local.get $rowBytes) (i32.const 1024) (i32.lt_u (local.get $rowBytes) (i32.const 1024))))
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
            local.get $lim
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
  ;; Originals stored as float16 or uint8 (Qdrant's `datatype`, lib/distance/stored-kernels.ts): the float32 query
  ;; against stored rows, with float64 sums bit-identical to the JS kernels dotF16/l2sqF16/l1F16 and dotU8/l2sqU8/l1U8
  ;; (`op` 0 dot, 1 squared L2, 2 L1; dims a multiple of 4): as in dot_f64, lanes (s0, s1) and (s2, s3) are two f64x2
  ;; accumulators fed with dims 0–1 and 2–3 of each group of four, and the result is ((s0 + s1) + s2) + s3. A float16
  ;; is decoded exactly to float32 in SIMD: its magnitude bits shifted into float32 position (exponent still biased
  ;; by 15) times 2^112 rebias normal and subnormal values alike (a subnormal times a power of two is exact here:
  ;; wasm arithmetic never flushes subnormals); exponent 31 (infinity, NaN) is set to float32's 255 by a select; the
  ;; sign is ORed back. A byte converts to f64 exactly. `op` is tested per group of four values, a branch every
  ;; iteration takes the same way.
  ;; out[i] (f64) = Σ q ⊙ f16(row(ids[i])) for ⊙ of `op`, rowBytes = 2·dim, dim a multiple of 4
  (func $f16_f64 (export "f16_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $op i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $qk i32)
    (local $h v128)
    (local $m v128)
    (local $f v128)
    (local $r01 v128)
    (local $r23 v128)
    (local $d01 v128)
    (local $d23 v128)
    (local $acc01 v128)
    (local $acc23 v128)
    (call $touch (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $acc01 (f64x2.splat (f64.const 0)))
        (local.set $acc23 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (local.set $qk (local.get $q))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $h (i32x4.extend_low_i16x8_u (v128.load64_zero align=1 (i32.add (local.get $p) (local.get $k)))))
            (local.set $m (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)))
            (local.set $f
              (v128.or
                (v128.bitselect
                  (v128.or (i32x4.shl (local.get $m) (i32.const 13))
                    (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
                  (f32x4.mul (i32x4.shl (local.get $m) (i32.const 13))
                    (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                  (i32x4.gt_s (local.get $m) (v128.const i32x4 0x7bff 0x7bff 0x7bff 0x7bff)))
                (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
            (local.set $r01 (f64x2.promote_low_f32x4 (local.get $f)))
            (local.set $r23
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $f) (local.get $f))))
            (local.set $d01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (local.get $qk))))
            (local.set $d23 (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (local.get $qk))))
            (if (i32.eqz (local.get $op))
              (then
                (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $d01) (local.get $r01))))
                (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $d23) (local.get $r23)))))
              (else
                (local.set $d01 (f64x2.sub (local.get $d01) (local.get $r01)))
                (local.set $d23 (f64x2.sub (local.get $d23) (local.get $r23)))
                (if (i32.eq (local.get $op) (i32.const 1))
                  (then
                    (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $d01) (local.get $d01))))
                    (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $d23) (local.get $d23)))))
                  (else
                    (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.abs (local.get $d01))))
                    (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.abs (local.get $d23))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (local.set $qk (i32.add (local.get $qk) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $acc01)) (f64x2.extract_lane 1 (local.get $acc01)))
              (f64x2.extract_lane 0 (local.get $acc23)))
            (f64x2.extract_lane 1 (local.get $acc23))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; out[i] (f64) = Σ q ⊙ row(ids[i]) over uint8 rows for ⊙ of `op` (as f16_f64), rowBytes = dim, a multiple of 4
  (func $u8_f64 (export "u8_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $op i32)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $qk i32)
    (local $w v128)
    (local $r01 v128)
    (local $r23 v128)
    (local $d01 v128)
    (local $d23 v128)
    (local $acc01 v128)
    (local $acc23 v128)
    (call $touch (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $acc01 (f64x2.splat (f64.const 0)))
        (local.set $acc23 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (local.set $qk (local.get $q))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $w (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
              (v128.load32_zero align=1 (i32.add (local.get $p) (local.get $k))))))
            (local.set $r01 (f64x2.convert_low_i32x4_u (local.get $w)))
            (local.set $r23
              (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w))))
            (local.set $d01 (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (local.get $qk))))
            (local.set $d23 (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (local.get $qk))))
            (if (i32.eqz (local.get $op))
              (then
                (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $d01) (local.get $r01))))
                (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $d23) (local.get $r23)))))
              (else
                (local.set $d01 (f64x2.sub (local.get $d01) (local.get $r01)))
                (local.set $d23 (f64x2.sub (local.get $d23) (local.get $r23)))
                (if (i32.eq (local.get $op) (i32.const 1))
                  (then
                    (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $d01) (local.get $d01))))
                    (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $d23) (local.get $d23)))))
                  (else
                    (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.abs (local.get $d01))))
                    (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.abs (local.get $d23))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (local.set $qk (i32.add (local.get $qk) (i32.const 16)))
            (br $step)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $acc01)) (f64x2.extract_lane 1 (local.get $acc01)))
              (f64x2.extract_lane 0 (local.get $acc23)))
            (f64x2.extract_lane 1 (local.get $acc23))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; Qdrant's uint8 cosine (cosineU8): the dot and the row's squared norm in one pass, each in u8_f64's lane order,
  ;; then dot / sqrt(aa · bb) with aa = Σq² given, 0 when either is 0: the JS expression, operation for operation.
  ;; out[i] (f64) = cosine(q, row(ids[i])) over uint8 rows, rowBytes = dim, a multiple of 4
  (func $cos_u8_f64 (export "cos_u8_f64") (param $rows i32) (param $rowBytes i32) (param $q i32) (param $ids i32) (param $count i32) (param $out i32) (param $aa f64)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $qk i32)
    (local $w v128)
    (local $r01 v128)
    (local $r23 v128)
    (local $acc01 v128)
    (local $acc23 v128)
    (local $nn01 v128)
    (local $nn23 v128)
    (local $s f64)
    (local $bb f64)
    (call $touch (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $acc01 (f64x2.splat (f64.const 0)))
        (local.set $acc23 (f64x2.splat (f64.const 0)))
        (local.set $nn01 (f64x2.splat (f64.const 0)))
        (local.set $nn23 (f64x2.splat (f64.const 0)))
        (local.set $k (i32.const 0))
        (local.set $qk (local.get $q))
        (block $done
          (loop $step
            (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $w (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
              (v128.load32_zero align=1 (i32.add (local.get $p) (local.get $k))))))
            (local.set $r01 (f64x2.convert_low_i32x4_u (local.get $w)))
            (local.set $r23
              (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w))))
            (local.set $acc01 (f64x2.add (local.get $acc01)
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero align=1 (local.get $qk))) (local.get $r01))))
            (local.set $acc23 (f64x2.add (local.get $acc23)
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=1 (local.get $qk))) (local.get $r23))))
            (local.set $nn01 (f64x2.add (local.get $nn01) (f64x2.mul (local.get $r01) (local.get $r01))))
            (local.set $nn23 (f64x2.add (local.get $nn23) (f64x2.mul (local.get $r23) (local.get $r23))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (local.set $qk (i32.add (local.get $qk) (i32.const 16)))
            (br $step)))
        (local.set $s
          (f64.add
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $acc01)) (f64x2.extract_lane 1 (local.get $acc01)))
              (f64x2.extract_lane 0 (local.get $acc23)))
            (f64x2.extract_lane 1 (local.get $acc23))))
        (local.set $bb
          (f64.add
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $nn01)) (f64x2.extract_lane 1 (local.get $nn01)))
              (f64x2.extract_lane 0 (local.get $nn23)))
            (f64x2.extract_lane 1 (local.get $nn23))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (if (result f64) (i32.or (f64.eq (local.get $aa) (f64.const 0)) (f64.eq (local.get $bb) (f64.const 0)))
            (then (f64.const 0))
            (else (f64.div (local.get $s) (f64.sqrt (f64.mul (local.get $aa) (local.get $bb)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; ---- The layer-0 HNSW walk (lib/index/wasm-walk.ts), one call per query ----
  ;; The whole layer-0 walk of lib/index/search.ts (searchHnsw's loop and expand's batched path) for a graph and rows
  ;; in this memory, so a query crosses the JS↔wasm boundary once instead of once per neighbour list. It makes the
  ;; same decisions in the same order: the same heaps (sift rules copied from lib/index/heap.ts, so ties land where
  ;; the JS heaps put them), the same stop rule, each neighbour list's unvisited ids scored as one batch by the same
  ;; kernel the JS scorer calls (`kind` 1 dot_f64; 2 l2_f64 negated, as SimdFloatScorer negates; 3 and 0 est_u8_wide:
  ;; the int8 estimate), so ids and scores come out identical. Layout (byte addresses, from the caller):
  ;;   adj: layer-0 records of recBytes = 4·(1 + m0) each, [count, neighbours…] (lib/index/graph.ts)
  ;;   vis: one byte a node, = tag when visited this query (the caller bumps the tag, clears on wrap)
  ;;   reject: 0, or a bitmap (bit i & 7 of byte i >> 3 set = node i must not enter the results; it is still walked)
  ;;   heaps: candidate scores (f64 × cap), candidate ids (u32 × cap), result scores (f64 × cap), result ids (u32 ×
  ;;          cap); cap even and > every size a heap reaches (each node is pushed at most once: n + 2 suffices)
  ;;   ids, out: a neighbour list's batch (u32 ids, f64 scores), room for m0
  ;;   stats: three i32 written at the end: hops (nodes expanded), distances (scores computed), a prefetch sink
  ;;   kind 3: est_u8_wide, int8 rows whose last 4 bytes are their correction (the walk arena's own layout), the
  ;;           query at q as i16 (see est_u8_wide at the end of this file); corr unused
  ;;   kind 0: est_u8_wide over rows of rowBytes codes with their f32 corrections apart, at corr (4 bytes a row): the
  ;;           int8 build's layout (lib/index/build-walk.ts), whose query is a stored row's codes widened to i16
  ;; Returns the result heap's size; the caller reads that heap (a MinHeap's arrays, unsorted) and drains it.
  (func $max_push (param $ids i32) (param $sc i32) (param $c i32) (param $id i32) (param $s f64)
    (local $p i32)
    (block $done
      (loop $up
        (br_if $done (i32.le_s (local.get $c) (i32.const 0)))
        (local.set $p (i32.shr_s (i32.sub (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (f64.ge (f64.load (i32.add (local.get $sc) (i32.shl (local.get $p) (i32.const 3)))) (local.get $s)))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $p) (i32.const 2)))))
        (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3)))
          (f64.load (i32.add (local.get $sc) (i32.shl (local.get $p) (i32.const 3)))))
        (local.set $c (local.get $p))
        (br $up)))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2))) (local.get $id))
    (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))
  )
  ;; removes the top of a max-heap whose size is now $n (the element at $n moves down)
  (func $max_pop (param $ids i32) (param $sc i32) (param $n i32)
    (local $id i32)
    (local $s f64)
    (local $c i32)
    (local $l i32)
    (local $r i32)
    (local $b i32)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return)))
    (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2)))))
    (local.set $s (f64.load (i32.add (local.get $sc) (i32.shl (local.get $n) (i32.const 3)))))
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_s (local.get $l) (local.get $n)))
        (local.set $r (i32.add (local.get $l) (i32.const 1)))
        (local.set $b (local.get $l))
        (if (i32.lt_s (local.get $r) (local.get $n))
          (then
            (if (f64.gt (f64.load (i32.add (local.get $sc) (i32.shl (local.get $r) (i32.const 3))))
                        (f64.load (i32.add (local.get $sc) (i32.shl (local.get $l) (i32.const 3)))))
              (then (local.set $b (local.get $r))))))
        (br_if $done (f64.le (f64.load (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 3)))) (local.get $s)))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $b) (i32.const 2)))))
        (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3)))
          (f64.load (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $c (local.get $b))
        (br $down)))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2))) (local.get $id))
    (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))
  )
  (func $min_push (param $ids i32) (param $sc i32) (param $c i32) (param $id i32) (param $s f64)
    (local $p i32)
    (block $done
      (loop $up
        (br_if $done (i32.le_s (local.get $c) (i32.const 0)))
        (local.set $p (i32.shr_s (i32.sub (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (f64.le (f64.load (i32.add (local.get $sc) (i32.shl (local.get $p) (i32.const 3)))) (local.get $s)))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $p) (i32.const 2)))))
        (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3)))
          (f64.load (i32.add (local.get $sc) (i32.shl (local.get $p) (i32.const 3)))))
        (local.set $c (local.get $p))
        (br $up)))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2))) (local.get $id))
    (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))
  )
  (func $min_pop (param $ids i32) (param $sc i32) (param $n i32)
    (local $id i32)
    (local $s f64)
    (local $c i32)
    (local $l i32)
    (local $r i32)
    (local $b i32)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return)))
    (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2)))))
    (local.set $s (f64.load (i32.add (local.get $sc) (i32.shl (local.get $n) (i32.const 3)))))
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_s (local.get $l) (local.get $n)))
        (local.set $r (i32.add (local.get $l) (i32.const 1)))
        (local.set $b (local.get $l))
        (if (i32.lt_s (local.get $r) (local.get $n))
          (then
            (if (f64.lt (f64.load (i32.add (local.get $sc) (i32.shl (local.get $r) (i32.const 3))))
                        (f64.load (i32.add (local.get $sc) (i32.shl (local.get $l) (i32.const 3)))))
              (then (local.set $b (local.get $r))))))
        (br_if $done (f64.ge (f64.load (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 3)))) (local.get $s)))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $b) (i32.const 2)))))
        (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3)))
          (f64.load (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $c (local.get $b))
        (br $down)))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2))) (local.get $id))
    (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))
  )
  (func $walk (export "walk")
    (param $kind i32) (param $rows i32) (param $rowBytes i32) (param $q i32) (param $corr i32) (param $mult f64)
    (param $kq f64) (param $adj i32) (param $recBytes i32) (param $vis i32) (param $tag i32) (param $reject i32)
    (param $heaps i32) (param $cap i32) (param $ids i32) (param $out i32) (param $stats i32) (param $ep i32)
    (param $epScore f64) (param $ef i32) (result i32)
    (local $cSc i32)
    (local $cIds i32)
    (local $rSc i32)
    (local $rIds i32)
    (local $cs i32)
    (local $rs i32)
    (local $c i32)
    (local $p i32)
    (local $j i32)
    (local $k i32)
    (local $count i32)
    (local $nb i32)
    (local $hops i32)
    (local $dist i32)
    (local $full i32)
    (local $bar f64)
    (local $s f64)
    (local $sink i32)
    (local.set $cSc (local.get $heaps))
    (local.set $cIds (i32.add (local.get $heaps) (i32.shl (local.get $cap) (i32.const 3))))
    (local.set $rSc (i32.add (local.get $cIds) (i32.shl (local.get $cap) (i32.const 2))))
    (local.set $rIds (i32.add (local.get $rSc) (i32.shl (local.get $cap) (i32.const 3))))
    ;; the seed (search.ts seedLayer0)
    (i32.store8 (i32.add (local.get $vis) (local.get $ep)) (local.get $tag))
    (call $max_push (local.get $cIds) (local.get $cSc) (i32.const 0) (local.get $ep) (local.get $epScore))
    (local.set $cs (i32.const 1))
    (if (call $accepted (local.get $reject) (local.get $ep))
      (then
        (call $min_push (local.get $rIds) (local.get $rSc) (i32.const 0) (local.get $ep) (local.get $epScore))
        (local.set $rs (i32.const 1))))
    (block $stop
      (loop $hop
        (br_if $stop (i32.eqz (local.get $cs)))
        (local.set $c (i32.load (local.get $cIds)))
        (br_if $stop
          (i32.and (i32.ge_s (local.get $rs) (local.get $ef))
                   (f64.lt (f64.load (local.get $cSc)) (f64.load (local.get $rSc)))))
        (local.set $cs (i32.sub (local.get $cs) (i32.const 1)))
        (call $max_pop (local.get $cIds) (local.get $cSc) (local.get $cs))
        (local.set $hops (i32.add (local.get $hops) (i32.const 1)))
        ;; search.ts touchNext: load the record of the best remaining candidate (likely the next hop) now, so its
        ;; cache miss overlaps this expansion; the value only feeds a sink
        (if (local.get $cs)
          (then
            (local.set $sink (i32.xor (local.get $sink)
              (i32.load (i32.add (local.get $adj) (i32.mul (i32.load (local.get $cIds)) (local.get $recBytes))))))))
        ;; expand: the unvisited neighbours, in record order, into the batch
        (local.set $p (i32.add (local.get $adj) (i32.mul (local.get $c) (local.get $recBytes))))
        (local.set $count (i32.load (local.get $p)))
        (local.set $k (i32.const 0))
        (local.set $j (i32.const 0))
        (block $listed
          (loop $list
            (br_if $listed (i32.ge_u (local.get $j) (local.get $count)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $nb (i32.load (local.get $p)))
            (if (i32.ne (i32.load8_u (i32.add (local.get $vis) (local.get $nb))) (local.get $tag))
              (then
                (i32.store8 (i32.add (local.get $vis) (local.get $nb)) (local.get $tag))
                (i32.store (i32.add (local.get $ids) (i32.shl (local.get $k) (i32.const 2))) (local.get $nb))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $list)))
        (if (local.get $k)
          (then
            (if (i32.eq (local.get $kind) (i32.const 3))
              (then
                (call $est_u8_wide (local.get $rows) (local.get $rowBytes) (i32.sub (local.get $rowBytes) (i32.const 4))
                  (local.get $q) (local.get $ids) (local.get $k) (local.get $out)
                  (i32.sub (i32.add (local.get $rows) (local.get $rowBytes)) (i32.const 4)) (local.get $rowBytes)
                  (local.get $mult) (local.get $kq)))
              (else (if (i32.eqz (local.get $kind))
              (then
                (call $est_u8_wide (local.get $rows) (local.get $rowBytes) (local.get $rowBytes) (local.get $q)
                  (local.get $ids) (local.get $k) (local.get $out) (local.get $corr) (i32.const 4)
                  (local.get $mult) (local.get $kq)))
              (else
                (if (i32.eq (local.get $kind) (i32.const 1))
                  (then
                    (call $dot_f64 (local.get $rows) (local.get $rowBytes) (local.get $q) (local.get $ids) (local.get $k)
                      (local.get $out)))
                  (else
                    (call $l2_f64 (local.get $rows) (local.get $rowBytes) (local.get $q) (local.get $ids) (local.get $k)
                      (local.get $out))
                    (local.set $j (i32.const 0))
                    (block $negated
                      (loop $neg
                        (br_if $negated (i32.ge_u (local.get $j) (local.get $k)))
                        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
                        (f64.store (local.get $p) (f64.neg (f64.load (local.get $p))))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $neg)))))))))
            (local.set $dist (i32.add (local.get $dist) (local.get $k)))
            (local.set $full (i32.ge_s (local.get $rs) (local.get $ef)))
            (local.set $bar (f64.load (local.get $rSc)))
            (local.set $j (i32.const 0))
            (block $kept
              (loop $keep
                (br_if $kept (i32.ge_u (local.get $j) (local.get $k)))
                (local.set $s (f64.load (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))))
                (if (i32.eqz (i32.and (local.get $full) (i32.eqz (f64.gt (local.get $s) (local.get $bar)))))
                  (then
                    (local.set $nb (i32.load (i32.add (local.get $ids) (i32.shl (local.get $j) (i32.const 2)))))
                    (call $max_push (local.get $cIds) (local.get $cSc) (local.get $cs) (local.get $nb) (local.get $s))
                    (local.set $cs (i32.add (local.get $cs) (i32.const 1)))
                    (if (call $accepted (local.get $reject) (local.get $nb))
                      (then
                        (call $min_push (local.get $rIds) (local.get $rSc) (local.get $rs) (local.get $nb) (local.get $s))
                        (local.set $rs (i32.add (local.get $rs) (i32.const 1)))
                        (if (i32.gt_s (local.get $rs) (local.get $ef))
                          (then
                            (local.set $rs (i32.sub (local.get $rs) (i32.const 1)))
                            (call $min_pop (local.get $rIds) (local.get $rSc) (local.get $rs))))
                        (local.set $full (i32.ge_s (local.get $rs) (local.get $ef)))
                        (local.set $bar (f64.load (local.get $rSc)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $keep)))))
        (br $hop)))
    (i32.store (local.get $stats) (local.get $hops))
    (i32.store offset=4 (local.get $stats) (local.get $dist))
    (i32.store offset=8 (local.get $stats) (local.get $sink))
    (local.get $rs)
  )
  ;; 1 when node $id may enter the results: no reject bitmap, or its bit is clear
  (func $accepted (param $reject i32) (param $id i32) (result i32)
    (if (result i32) (i32.eqz (local.get $reject))
      (then (i32.const 1))
      (else
        (i32.eqz
          (i32.and
            (i32.load8_u (i32.add (local.get $reject) (i32.shr_u (local.get $id) (i32.const 3))))
            (i32.shl (i32.const 1) (i32.and (local.get $id) (i32.const 7)))))))
  )
  ;; k-means assignment (lib/quantization/kmeans-nearest.ts): for each row named by ids, its nearest and second
  ;; nearest of k centroids by squared Euclidean distance. The centroids come transposed and widened to f64 (coordinate
  ;; d of centroid c is the f64 at cents + 8·(d·k + c)), so one load reads two centroids' coordinate d; eight centroids
  ;; are summed side by side in four f64x2 accumulators, each in the JS order d = 0, 1, … (x_d − c_d in double,
  ;; squared, added to a sum that starts at 0), so every distance is bit-identical to the JS loop's.
  ;; The JS loop's choice (strictly smaller replaces: the first index wins a tie; the second best is the second
  ;; smallest value, equal to the best on a tie) is kept without a branch per centroid: four lanes (centroids c ≡ 0,
  ;; 1 mod 2 of blocks' first and second halves) each track their best b, first index i of it, and second s, taking
  ;; their centroids in index order (s = min(s, max(d, b)), b = min(b, d), i moves only when d < b); at the end the
  ;; lanes merge: the best is the smallest b, the smallest i among equal b's, and the second the smallest of that
  ;; lane's s and the other lanes' b. Distances are never NaN or −0 (sums of squares from +0), so pmin/pmax are min/max.
  ;; out[3i], out[3i + 1], out[3i + 2] (f64) = best squared distance, second best, index of the best; k a multiple of 8
  (func $km_nearest (export "km_nearest") (param $rows i32) (param $rowBytes i32) (param $cents i32) (param $ids i32) (param $count i32) (param $out i32) (param $k i32)
    (local $i i32)
    (local $p i32)
    (local $c i32)
    (local $t i32)
    (local $d i32)
    (local $kb i32)
    (local $x v128)
    (local $v v128)
    (local $m v128)
    (local $cv v128)
    (local $a0 v128)
    (local $a1 v128)
    (local $a2 v128)
    (local $a3 v128)
    (local $b0 v128)
    (local $b1 v128)
    (local $s0 v128)
    (local $s1 v128)
    (local $i0 v128)
    (local $i1 v128)
    (local $best f64)
    (local $second f64)
    (local $bi i64)
    (local $bo f64)
    (local $so f64)
    (local $io i64)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $b0 (f64x2.splat (f64.const inf)))
        (local.set $b1 (f64x2.splat (f64.const inf)))
        (local.set $s0 (f64x2.splat (f64.const inf)))
        (local.set $s1 (f64x2.splat (f64.const inf)))
        (local.set $i0 (v128.const i64x2 0 0))
        (local.set $i1 (v128.const i64x2 0 0))
        (local.set $cv (v128.const i64x2 0 1))
        (local.set $c (i32.const 0))
        (block $blocksDone
          (loop $block
            (br_if $blocksDone (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $a0 (f64x2.splat (f64.const 0)))
            (local.set $a1 (f64x2.splat (f64.const 0)))
            (local.set $a2 (f64x2.splat (f64.const 0)))
            (local.set $a3 (f64x2.splat (f64.const 0)))
            (local.set $t (i32.add (local.get $cents) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $d (i32.const 0))
            (block $dimsDone
              (loop $dim
                (br_if $dimsDone (i32.ge_u (local.get $d) (local.get $rowBytes)))
                (local.set $x (f64x2.splat (f64.promote_f32 (f32.load align=1 (i32.add (local.get $p) (local.get $d))))))
                (local.set $v (f64x2.sub (local.get $x) (v128.load align=8 (local.get $t))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $v) (local.get $v))))
                (local.set $v (f64x2.sub (local.get $x) (v128.load offset=16 align=8 (local.get $t))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (local.get $v))))
                (local.set $v (f64x2.sub (local.get $x) (v128.load offset=32 align=8 (local.get $t))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $v) (local.get $v))))
                (local.set $v (f64x2.sub (local.get $x) (v128.load offset=48 align=8 (local.get $t))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $v) (local.get $v))))
                (local.set $t (i32.add (local.get $t) (local.get $kb)))
                (local.set $d (i32.add (local.get $d) (i32.const 4)))
                (br $dim)))
            (local.set $m (f64x2.lt (local.get $a0) (local.get $b0)))
            (local.set $s0 (f64x2.pmin (local.get $s0) (f64x2.pmax (local.get $a0) (local.get $b0))))
            (local.set $b0 (f64x2.pmin (local.get $b0) (local.get $a0)))
            (local.set $i0 (v128.bitselect
              (i64x2.add (local.get $cv) (v128.const i64x2 0 0)) (local.get $i0) (local.get $m)))
            (local.set $m (f64x2.lt (local.get $a1) (local.get $b0)))
            (local.set $s0 (f64x2.pmin (local.get $s0) (f64x2.pmax (local.get $a1) (local.get $b0))))
            (local.set $b0 (f64x2.pmin (local.get $b0) (local.get $a1)))
            (local.set $i0 (v128.bitselect
              (i64x2.add (local.get $cv) (v128.const i64x2 2 2)) (local.get $i0) (local.get $m)))
            (local.set $m (f64x2.lt (local.get $a2) (local.get $b1)))
            (local.set $s1 (f64x2.pmin (local.get $s1) (f64x2.pmax (local.get $a2) (local.get $b1))))
            (local.set $b1 (f64x2.pmin (local.get $b1) (local.get $a2)))
            (local.set $i1 (v128.bitselect
              (i64x2.add (local.get $cv) (v128.const i64x2 4 4)) (local.get $i1) (local.get $m)))
            (local.set $m (f64x2.lt (local.get $a3) (local.get $b1)))
            (local.set $s1 (f64x2.pmin (local.get $s1) (f64x2.pmax (local.get $a3) (local.get $b1))))
            (local.set $b1 (f64x2.pmin (local.get $b1) (local.get $a3)))
            (local.set $i1 (v128.bitselect
              (i64x2.add (local.get $cv) (v128.const i64x2 6 6)) (local.get $i1) (local.get $m)))
            (local.set $cv (i64x2.add (local.get $cv) (v128.const i64x2 8 8)))
            (local.set $c (i32.add (local.get $c) (i32.const 8)))
            (br $block)))
        ;; lane-wise merge of the two states (the second's lanes hold the larger indexes of each block, so on equal b
        ;; the first state's index is the smaller one unless it is a later block's: compare indexes)
        (local.set $m (v128.or (f64x2.lt (local.get $b1) (local.get $b0))
          (v128.and (f64x2.eq (local.get $b1) (local.get $b0)) (i64x2.lt_s (local.get $i1) (local.get $i0)))))
        (local.set $s0 (f64x2.pmin (v128.bitselect (local.get $s1) (local.get $s0) (local.get $m))
          (v128.bitselect (local.get $b0) (local.get $b1) (local.get $m))))
        (local.set $b0 (v128.bitselect (local.get $b1) (local.get $b0) (local.get $m)))
        (local.set $i0 (v128.bitselect (local.get $i1) (local.get $i0) (local.get $m)))
        ;; then its two lanes
        (local.set $best (f64x2.extract_lane 0 (local.get $b0)))
        (local.set $second (f64x2.extract_lane 0 (local.get $s0)))
        (local.set $bi (i64x2.extract_lane 0 (local.get $i0)))
        (local.set $bo (f64x2.extract_lane 1 (local.get $b0)))
        (local.set $so (f64x2.extract_lane 1 (local.get $s0)))
        (local.set $io (i64x2.extract_lane 1 (local.get $i0)))
        (if (i32.or (f64.lt (local.get $bo) (local.get $best))
              (i32.and (f64.eq (local.get $bo) (local.get $best)) (i64.lt_s (local.get $io) (local.get $bi))))
          (then
            (local.set $second (f64.min (local.get $so) (local.get $best)))
            (local.set $best (local.get $bo))
            (local.set $bi (local.get $io)))
          (else (local.set $second (f64.min (local.get $second) (local.get $bo)))))
        (local.set $p (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 24))))
        (f64.store (local.get $p) (local.get $best))
        (f64.store offset=8 (local.get $p) (local.get $second))
        (f64.store offset=16 (local.get $p) (f64.convert_i64_s (local.get $bi)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; Product codes' per-query table (lib/quantization/product.ts productLookupTable): lut[j·256 + c] = Σ over chunk
  ;; j's dimensions i of q_i·x (op 0: Dot, Cosine), −(q_i − x)² (op 1: Euclid) or −|q_i − x| (op 2: Manhattan), x =
  ;; coordinate i of centroid c, the centroids transposed at t (f32, coordinate i of centroid c at t + 4·(i·256 + c)).
  ;; Eight centroids side by side in four f64x2 sums, each from 0 over i in order in double (the JS loop's operations:
  ;; s += q·x, s −= d·d, s −= |d|), then rounded to f32 as a Float32Array store rounds: the JS table, bit for bit.
  ;; q is dim f32, lut chunks·256 f32; chunkSize ≥ 1 (the last chunk may be shorter)
  (func $pq_lut (export "pq_lut") (param $t i32) (param $q i32) (param $dim i32) (param $chunkSize i32) (param $op i32) (param $lut i32)
    (local $start i32)
    (local $end i32)
    (local $c i32)
    (local $i i32)
    (local $o i32)
    (local $tc i32)
    (local $x v128)
    (local $v v128)
    (local $a0 v128)
    (local $a1 v128)
    (local $a2 v128)
    (local $a3 v128)
    (local.set $o (local.get $lut))
    (block $chunksDone
      (loop $chunk
        (br_if $chunksDone (i32.ge_u (local.get $start) (local.get $dim)))
        (local.set $end (i32.add (local.get $start) (local.get $chunkSize)))
        (if (i32.gt_u (local.get $end) (local.get $dim)) (then (local.set $end (local.get $dim))))
        (local.set $c (i32.const 0))
        (block $centroidsDone
          (loop $centroids
            (br_if $centroidsDone (i32.ge_u (local.get $c) (i32.const 256)))
            (local.set $a0 (f64x2.splat (f64.const 0)))
            (local.set $a1 (f64x2.splat (f64.const 0)))
            (local.set $a2 (f64x2.splat (f64.const 0)))
            (local.set $a3 (f64x2.splat (f64.const 0)))
            (local.set $i (local.get $start))
            (block $dimsDone
              (loop $dims
                (br_if $dimsDone (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $x (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2)))))))
                (local.set $tc (i32.add (local.get $t) (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 8)) (local.get $c)) (i32.const 2))))
                (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $tc))))
                (local.set $a0 (if (result v128) (i32.eqz (local.get $op))
                  (then (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (local.get $v))))
                  (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
                    (then (local.set $v (f64x2.sub (local.get $x) (local.get $v)))
                      (f64x2.sub (local.get $a0) (f64x2.mul (local.get $v) (local.get $v))))
                    (else (f64x2.sub (local.get $a0) (f64x2.abs (f64x2.sub (local.get $x) (local.get $v)))))))))
                (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 align=4 (local.get $tc))))
                (local.set $a1 (if (result v128) (i32.eqz (local.get $op))
                  (then (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (local.get $v))))
                  (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
                    (then (local.set $v (f64x2.sub (local.get $x) (local.get $v)))
                      (f64x2.sub (local.get $a1) (f64x2.mul (local.get $v) (local.get $v))))
                    (else (f64x2.sub (local.get $a1) (f64x2.abs (f64x2.sub (local.get $x) (local.get $v)))))))))
                (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 align=4 (local.get $tc))))
                (local.set $a2 (if (result v128) (i32.eqz (local.get $op))
                  (then (f64x2.add (local.get $a2) (f64x2.mul (local.get $x) (local.get $v))))
                  (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
                    (then (local.set $v (f64x2.sub (local.get $x) (local.get $v)))
                      (f64x2.sub (local.get $a2) (f64x2.mul (local.get $v) (local.get $v))))
                    (else (f64x2.sub (local.get $a2) (f64x2.abs (f64x2.sub (local.get $x) (local.get $v)))))))))
                (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 align=4 (local.get $tc))))
                (local.set $a3 (if (result v128) (i32.eqz (local.get $op))
                  (then (f64x2.add (local.get $a3) (f64x2.mul (local.get $x) (local.get $v))))
                  (else (if (result v128) (i32.eq (local.get $op) (i32.const 1))
                    (then (local.set $v (f64x2.sub (local.get $x) (local.get $v)))
                      (f64x2.sub (local.get $a3) (f64x2.mul (local.get $v) (local.get $v))))
                    (else (f64x2.sub (local.get $a3) (f64x2.abs (f64x2.sub (local.get $x) (local.get $v)))))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $dims)))
            (v128.store64_lane align=4 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $a0)))
            (v128.store64_lane offset=8 align=4 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $a1)))
            (v128.store64_lane offset=16 align=4 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $a2)))
            (v128.store64_lane offset=24 align=4 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $a3)))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (local.set $c (i32.add (local.get $c) (i32.const 8)))
            (br $centroids)))
        (local.set $start (local.get $end))
        (br $chunk)))
  )
  ;; ---- The HNSW build's neighbour selection over int8 codes (lib/index/build.ts), one call per selection ----
  ;; Σ c_a·c_b of two code rows of rowBytes (a multiple of 4): exact integers, equal to dot_u8's, whatever the order
  ;; of the terms. Codes are 0..127, so each u16 lane of a 16-byte block read as i16x8 is two codes, the even byte
  ;; (and 0x00ff) and the odd byte (shr_u 8), each a valid non-negative i16; i32x4.dot_i16x8_s (x86 pmaddwd) multiplies
  ;; and pairs them straight into i32 lanes: no sign-extending shuffles, which dot_u8's extmul_low/high need (measured
  ;; on Fashion-MNIST codes, 784 bytes: ~0.8x dot_u8's time a pair). Two accumulators over 32-byte steps keep two
  ;; add chains in flight. No touch: the rows a selection compares are the base's nearest candidates and its kept
  ;; neighbours, scored moments before, so they are in cache.
  (func $dot_pair_u8 (param $a i32) (param $b i32) (param $rowBytes i32) (result i32)
    (local $k i32)
    (local $end i32)
    (local $acc v128)
    (local $acc2 v128)
    (local $x v128)
    (local $y v128)
    (local $x2 v128)
    (local $y2 v128)
    (local $mask v128)
    (local.set $mask (i16x8.splat (i32.const 255)))
    (local.set $acc (i32x4.splat (i32.const 0)))
    (local.set $acc2 (i32x4.splat (i32.const 0)))
    (local.set $end (i32.and (local.get $rowBytes) (i32.const -32)))
    (block $done32
      (loop $blocks32
        (br_if $done32 (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $x (v128.load align=1 (i32.add (local.get $a) (local.get $k))))
        (local.set $y (v128.load align=1 (i32.add (local.get $b) (local.get $k))))
        (local.set $x2 (v128.load offset=16 align=1 (i32.add (local.get $a) (local.get $k))))
        (local.set $y2 (v128.load offset=16 align=1 (i32.add (local.get $b) (local.get $k))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
          (i32x4.dot_i16x8_s (v128.and (local.get $x) (local.get $mask)) (v128.and (local.get $y) (local.get $mask)))
          (i32x4.dot_i16x8_s (i16x8.shr_u (local.get $x) (i32.const 8)) (i16x8.shr_u (local.get $y) (i32.const 8))))))
        (local.set $acc2 (i32x4.add (local.get $acc2) (i32x4.add
          (i32x4.dot_i16x8_s (v128.and (local.get $x2) (local.get $mask)) (v128.and (local.get $y2) (local.get $mask)))
          (i32x4.dot_i16x8_s (i16x8.shr_u (local.get $x2) (i32.const 8)) (i16x8.shr_u (local.get $y2) (i32.const 8))))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (br $blocks32)))
    (local.set $acc (i32x4.add (local.get $acc) (local.get $acc2)))
    (block $done4
      (loop $blocks4
        (br_if $done4 (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $x (v128.load32_zero align=1 (i32.add (local.get $a) (local.get $k))))
        (local.set $y (v128.load32_zero align=1 (i32.add (local.get $b) (local.get $k))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
          (i32x4.dot_i16x8_s (v128.and (local.get $x) (local.get $mask)) (v128.and (local.get $y) (local.get $mask)))
          (i32x4.dot_i16x8_s (i16x8.shr_u (local.get $x) (i32.const 8)) (i16x8.shr_u (local.get $y) (i32.const 8))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $blocks4)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))
  )
  ;; The neighbour-selection heuristic (hnswlib's getNeighborsByHeuristic2, Qdrant's fill_from_sorted_with_heuristic)
  ;; over `count` candidates sorted closest first: u32 ids at $ids, their f64 similarities to the base at $sims.
  ;; Candidate c is kept unless some already kept r has est(c, r) > sim(c) — est the int8 estimate with c as the query
  ;; side, (mult·Σ c_c·c_r + corr[c]) + corr[r] in double, the operations and order of the JS loop in build.ts — and
  ;; the scan stops once maxLinks are kept. The kept r are tried in the order they were kept and the first that wins
  ;; rejects c (Qdrant's early exit): the decision "some r wins" is the same as scoring all of them first. The kept
  ;; ids and similarities are compacted in place to the front of $ids / $sims (write index ≤ read index); returns
  ;; how many. One call replaces a kernel call per candidate, whose crossing cost more than its few rows of work.
  (func $heur_u8 (export "heur_u8") (param $rows i32) (param $rowBytes i32) (param $corr i32) (param $ids i32) (param $sims i32) (param $count i32) (param $maxLinks i32) (param $mult f64) (result i32)
    (local $i i32)
    (local $kept i32)
    (local $r i32)
    (local $c i32)
    (local $pc i32)
    (local $id i32)
    (local $sc f64)
    (local $kc f64)
    (block $scan
      (loop $candidates
        (br_if $scan (i32.ge_u (local.get $i) (local.get $count)))
        (br_if $scan (i32.ge_u (local.get $kept) (local.get $maxLinks)))
        (local.set $c (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $sc (f64.load (i32.add (local.get $sims) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $pc (i32.add (local.get $rows) (i32.mul (local.get $c) (local.get $rowBytes))))
        (local.set $kc (f64.promote_f32 (f32.load (i32.add (local.get $corr) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $r (i32.const 0))
        (block $rejected
          (block $good
            (loop $against
              (br_if $good (i32.ge_u (local.get $r) (local.get $kept)))
              (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
              (br_if $rejected (f64.gt
                (f64.add
                  (f64.add
                    (f64.mul (local.get $mult) (f64.convert_i32_s (call $dot_pair_u8 (local.get $pc)
                      (i32.add (local.get $rows) (i32.mul (local.get $id) (local.get $rowBytes))) (local.get $rowBytes))))
                    (local.get $kc))
                  (f64.promote_f32 (f32.load (i32.add (local.get $corr) (i32.shl (local.get $id) (i32.const 2))))))
                (local.get $sc)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $against)))
          (i32.store (i32.add (local.get $ids) (i32.shl (local.get $kept) (i32.const 2))) (local.get $c))
          (f64.store (i32.add (local.get $sims) (i32.shl (local.get $kept) (i32.const 3))) (local.get $sc))
          (local.set $kept (i32.add (local.get $kept) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $candidates)))
    (local.get $kept)
  )
  ;; ---- int8 encoding (lib/quantization/scalar-int8.ts: a Euclid / Manhattan query, every stored row) ----
  ;; code_i = clamp(round((x_i − offset)/alpha), 0, 127) of `dim` float32 values at q (NaN → 0), written as u8 codes at
  ;; codes and, unless wide is 0, as i16 at wide, both zero from dim up to `stride` (the padded row); returns Σ code_i²
  ;; and, unless sums is 0, stores Σ code_i (i32) at sums (a stored row's correction needs both). The operations are
  ;; the JS loop's, in double: x promoted exactly, the IEEE subtraction and division, and JS Math.round (ties toward
  ;; +∞) as floor(u) + (u − floor(u) ≥ 0.5), where u − floor(u) is exact; so the codes are the JS codes. Branch-free
  ;; (pmax / pmin clamps, NaN failing both): the JS loop's clamp branches mispredicted on real queries (~13 µs of a
  ;; 784-d query vs ~1 µs here).
  (func $enc_u8 (export "enc_u8") (param $q i32) (param $dim i32) (param $stride i32) (param $offset f64)
    (param $alpha f64) (param $codes i32) (param $wide i32) (param $sums i32) (result i32)
    (local $i i32)
    (local $end i32)
    (local $x v128)
    (local $lo v128)
    (local $hi v128)
    (local $c v128)
    (local $sq v128)
    (local $u f64)
    (local $r f64)
    (local $ci i32)
    (local $sum i32)
    (local $lin v128)
    (local $total i32)
    (local $fl v128)
    (local $fh v128)
    (local $vo v128)
    (local $va v128)
    (local $v0 v128)
    (local $v1 v128)
    (local $vhalf v128)
    (local $v127 v128)
    (local.set $vo (f64x2.splat (local.get $offset)))
    (local.set $va (f64x2.splat (local.get $alpha)))
    (local.set $v0 (f64x2.splat (f64.const 0)))
    (local.set $v1 (f64x2.splat (f64.const 1)))
    (local.set $vhalf (f64x2.splat (f64.const 0.5)))
    (local.set $v127 (f64x2.splat (f64.const 127)))
    (local.set $end (i32.and (local.get $dim) (i32.const -4)))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (v128.load align=1 (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2)))))
        ;; round_code inlined (V8 does not inline the call; ~2x the time a value)
        (local.set $lo (f64x2.div (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x)) (local.get $vo)) (local.get $va)))
        (local.set $hi (f64x2.div (f64x2.sub (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))) (local.get $vo)) (local.get $va)))
        (local.set $fl (f64x2.floor (local.get $lo)))
        (local.set $fh (f64x2.floor (local.get $hi)))
        (local.set $lo (f64x2.pmin (local.get $v127) (f64x2.pmax (local.get $v0) (f64x2.add (local.get $fl)
          (v128.and (f64x2.ge (f64x2.sub (local.get $lo) (local.get $fl)) (local.get $vhalf)) (local.get $v1))))))
        (local.set $hi (f64x2.pmin (local.get $v127) (f64x2.pmax (local.get $v0) (f64x2.add (local.get $fh)
          (v128.and (f64x2.ge (f64x2.sub (local.get $hi) (local.get $fh)) (local.get $vhalf)) (local.get $v1))))))
        ;; two i32 lanes each, then 4 × i32 → i16 → u8 (values 0..127: no saturation)
        (local.set $c (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (i32x4.trunc_sat_f64x2_s_zero (local.get $lo)) (i32x4.trunc_sat_f64x2_s_zero (local.get $hi))))
        (local.set $sq (i32x4.add (local.get $sq) (i32x4.mul (local.get $c) (local.get $c))))
        (local.set $lin (i32x4.add (local.get $lin) (local.get $c)))
        (local.set $c (i16x8.narrow_i32x4_s (local.get $c) (local.get $c)))
        (if (local.get $wide)
          (then (v128.store64_lane align=1 0 (i32.add (local.get $wide) (i32.shl (local.get $i) (i32.const 1))) (local.get $c))))
        (v128.store32_lane align=1 0 (i32.add (local.get $codes) (local.get $i))
          (i8x16.narrow_i16x8_u (local.get $c) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    (local.set $sum
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $sq)) (i32x4.extract_lane 1 (local.get $sq)))
        (i32.add (i32x4.extract_lane 2 (local.get $sq)) (i32x4.extract_lane 3 (local.get $sq)))))
    (local.set $total
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $lin)) (i32x4.extract_lane 1 (local.get $lin)))
        (i32.add (i32x4.extract_lane 2 (local.get $lin)) (i32x4.extract_lane 3 (local.get $lin)))))
    (block $tailed
      (loop $tail
        (br_if $tailed (i32.ge_u (local.get $i) (local.get $stride)))
        (local.set $ci (i32.const 0))
        (if (i32.lt_u (local.get $i) (local.get $dim))
          (then
            (local.set $ci (i32x4.extract_lane 0 (i32x4.trunc_sat_f64x2_s_zero (call $round_code
              (f64x2.splat (f64.promote_f32 (f32.load align=1 (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2))))))
              (local.get $offset) (local.get $alpha)))))))
        (if (local.get $wide)
          (then (i32.store16 (i32.add (local.get $wide) (i32.shl (local.get $i) (i32.const 1))) (local.get $ci))))
        (i32.store8 (i32.add (local.get $codes) (local.get $i)) (local.get $ci))
        (local.set $sum (i32.add (local.get $sum) (i32.mul (local.get $ci) (local.get $ci))))
        (local.set $total (i32.add (local.get $total) (local.get $ci)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (if (local.get $sums) (then (i32.store align=1 (local.get $sums) (local.get $total))))
    (local.get $sum)
  )
  ;; clamp(Math.round((x − offset)/alpha), 0, 127) per f64 lane, NaN → 0 (see enc_u8)
  (func $round_code (param $x v128) (param $offset f64) (param $alpha f64) (result v128)
    (local $u v128)
    (local $f v128)
    (local.set $u (f64x2.div (f64x2.sub (local.get $x) (f64x2.splat (local.get $offset))) (f64x2.splat (local.get $alpha))))
    (local.set $f (f64x2.floor (local.get $u)))
    (local.set $f (f64x2.add (local.get $f)
      (v128.and (f64x2.ge (f64x2.sub (local.get $u) (local.get $f)) (f64x2.splat (f64.const 0.5)))
        (f64x2.splat (f64.const 1)))))
    ;; pmax(0, f) = 0 < f ? f : 0 (NaN → 0); pmin(127, f) = f < 127 ? f : 127
    (f64x2.pmin (f64x2.splat (f64.const 127)) (f64x2.pmax (f64x2.splat (f64.const 0)) (local.get $f)))
  )
  ;; ---- int8 scoring with an i16 query (lib/quantization's Int8Scorer, and lib/index/wasm-walk.ts, walk kind 3) ----
  ;; The query is i16 (Int8Scorer writes it once per query at q: value i as the i16 at q + 2i): a Dot / Cosine query
  ;; in code units with fractional bits, or the codes themselves (Euclid). A row's 16 code bytes are zero-extended in
  ;; two halves and multiplied-added with i32x4.dot_i16x8_s (pmaddwd) against the query's i16 lanes, into two
  ;; accumulators (independent add chains): exact integers while Σ|q_i|·127 < 2^31, which the query's encoder
  ;; guarantees, so the sum is the JS loop's whatever the order.
  ;; touch_rows: touch's loads without its per-line loop overhead: four lines per step (load offsets), so the loop
  ;; issues a row's misses back to back and more of them fit the reorder window at once; plus the row's last word,
  ;; whose line the 64-byte steps miss when the row does not start on a line.
  (func $touch_rows (param $rows i32) (param $rowBytes i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $i i32)
    (local $p i32)
    (local $e i32)
    (local $t i32)
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $e (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $t (i32.xor (local.get $t) (i32.load align=1 (i32.sub (local.get $e) (i32.const 4)))))
        (block $quads
          (loop $quad
            (br_if $quads (i32.gt_u (i32.add (local.get $p) (i32.const 256)) (local.get $e)))
            (local.set $t (i32.xor (local.get $t)
              (i32.xor
                (i32.xor (i32.load align=1 (local.get $p)) (i32.load offset=64 align=1 (local.get $p)))
                (i32.xor (i32.load offset=128 align=1 (local.get $p)) (i32.load offset=192 align=1 (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (i32.const 256)))
            (br $quad)))
        (block $lines
          (loop $line
            (br_if $lines (i32.ge_u (local.get $p) (local.get $e)))
            (local.set $t (i32.xor (local.get $t) (i32.load align=1 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (br $line)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
    (i32.store align=1 (local.get $out) (local.get $t))
  )
  ;; out[i] (f64) = (mult·Σ q·c_v + kq) + corr(ids[i]) over `codes` bytes (a multiple of 4) at the start of each row
  ;; of rowBytes, the f32 correction of row r at corr + r·corrStride: Int8Scorer.score's IEEE double operations in
  ;; its order, so the values are the JS scorer's. Two layouts: a code set's arena (rowBytes = codes, corrections
  ;; apart: corrStride 4, their lines touched too, as scattered as the rows) and the walk arena's rows, which carry
  ;; their correction in their last 4 bytes (corr = rows + codes, corrStride = rowBytes: a neighbour costs one row's
  ;; cache lines, not those plus a corrections-array line).
  (func $est_u8_wide (export "est_u8_wide") (param $rows i32) (param $rowBytes i32) (param $codes i32) (param $q i32)
    (param $ids i32) (param $count i32) (param $out i32) (param $corr i32) (param $corrStride i32) (param $mult f64)
    (param $kq f64)
    (local $i i32)
    (local $p i32)
    (local $k i32)
    (local $pairs i32)
    (local $blocks i32)
    (local $a v128)
    (local $b v128)
    (local $acc0 v128)
    (local $acc1 v128)
    (local $acc2 v128)
    (local $acc3 v128)
    (if (i32.ne (local.get $corrStride) (local.get $rowBytes))
      (then (call $touch (local.get $corr) (local.get $corrStride) (local.get $ids) (local.get $count) (local.get $out))))
    (call $touch_rows (local.get $rows) (local.get $rowBytes) (local.get $ids) (local.get $count) (local.get $out))
    ;; 32 bytes a step into four accumulators (four independent add chains, two row loads in flight a step: ~10% less
    ;; time a row than 16 bytes into two, measured on 784-byte rows), then one 16-byte block, then 4-byte words
    (local.set $pairs (i32.and (local.get $codes) (i32.const -32)))
    (local.set $blocks (i32.and (local.get $codes) (i32.const -16)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.add (local.get $rows)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $wide
          (loop $pair
            (br_if $wide (i32.ge_u (local.get $k) (local.get $pairs)))
            (local.set $a (v128.load align=1 (i32.add (local.get $p) (local.get $k))))
            (local.set $b (v128.load offset=16 align=1 (i32.add (local.get $p) (local.get $k))))
            (local.set $acc0 (i32x4.add (local.get $acc0)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $a))
                (v128.load align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $acc1 (i32x4.add (local.get $acc1)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $a))
                (v128.load offset=16 align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $acc2 (i32x4.add (local.get $acc2)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $b))
                (v128.load offset=32 align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $acc3 (i32x4.add (local.get $acc3)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $b))
                (v128.load offset=48 align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br $pair)))
        (if (i32.lt_u (local.get $k) (local.get $blocks))
          (then
            (local.set $a (v128.load align=1 (i32.add (local.get $p) (local.get $k))))
            (local.set $acc0 (i32x4.add (local.get $acc0)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $a))
                (v128.load align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $acc1 (i32x4.add (local.get $acc1)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $a))
                (v128.load offset=16 align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))))
        (block $tail
          (loop $word
            (br_if $tail (i32.ge_u (local.get $k) (local.get $codes)))
            (local.set $acc0 (i32x4.add (local.get $acc0)
              (i32x4.dot_i16x8_s
                (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (i32.add (local.get $p) (local.get $k))))
                (v128.load64_zero align=1 (i32.add (local.get $q) (i32.shl (local.get $k) (i32.const 1)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $word)))
        (local.set $acc0 (i32x4.add (i32x4.add (local.get $acc0) (local.get $acc1))
          (i32x4.add (local.get $acc2) (local.get $acc3))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add
            (f64.add
              (f64.mul (local.get $mult)
                (f64.convert_i32_s
                  (i32.add
                    (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
                    (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0))))))
              (local.get $kq))
            (f64.promote_f32 (f32.load align=1 (i32.add (local.get $corr)
              (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))))
                (local.get $corrStride)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )
  ;; The walk's result heap (ids u32 at ids, scores f64 at sc, size n) sorted in place, closest first, by popping it
  ;; whole with min_pop: each popped top (the farthest left) goes to the slot the pop frees, so the order, ties
  ;; included, is the one the JS MinHeap pops give. Why: the int8 build (lib/index/build.ts) runs its layer-0
  ;; insertion search as a walk and takes the results closest first; sorting them here spares a pop per result in JS.
  (func $heap_drain (export "heap_drain") (param $ids i32) (param $sc i32) (param $n i32)
    (local $id i32)
    (local $s f64)
    (block $done
      (loop $pop
        (br_if $done (i32.le_s (local.get $n) (i32.const 1)))
        (local.set $id (i32.load (local.get $ids)))
        (local.set $s (f64.load (local.get $sc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (call $min_pop (local.get $ids) (local.get $sc) (local.get $n))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2))) (local.get $id))
        (f64.store (i32.add (local.get $sc) (i32.shl (local.get $n) (i32.const 3))) (local.get $s))
        (br $pop)))
  )
  ;; The walk's result heap (a min-heap: ids u32 at ids, scores f64 at sc, size n) popped down to its best k with
  ;; min_pop, the JS MinHeap.pop's sift rules, so the k left sit exactly where the JS pops would leave them; returns
  ;; the new size. Why: the walk ends with up to ef results and a query wants k; popping ef − k of them here costs
  ;; less than the JS pops after the walk and leaves only k to copy out of the arena.
  (func $heap_trim (export "heap_trim") (param $ids i32) (param $sc i32) (param $n i32) (param $k i32) (result i32)
    (block $done
      (loop $pop
        (br_if $done (i32.le_s (local.get $n) (local.get $k)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (call $min_pop (local.get $ids) (local.get $sc) (local.get $n))
        (br $pop)))
    (local.get $n)
  )
)
