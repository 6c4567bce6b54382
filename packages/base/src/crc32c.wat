;; CRC32C slicing-by-8 in WebAssembly, the same algorithm as crc32c-portable.ts: memory
;; bytes [0, 8192) hold the 8 × 256 table (written by the caller), the input sits at `ptr`.
(module
  (memory (export "memory") 3)
  (func (export "update") (param $crc i32) (param $ptr i32) (param $end i32) (result i32)
    (local $low i32) (local $high i32)
    (local.set $crc (i32.xor (local.get $crc) (i32.const -1)))
    (block $done8
      (loop $loop8
        (br_if $done8 (i32.gt_u (i32.add (local.get $ptr) (i32.const 8)) (local.get $end)))
        (local.set $low (i32.xor (local.get $crc) (i32.load (local.get $ptr))))
        (local.set $high (i32.load offset=4 (local.get $ptr)))
        (local.set $crc
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=7168 (i32.shl (i32.and (local.get $low) (i32.const 255)) (i32.const 2)))
                (i32.load offset=6144 (i32.shl (i32.and (i32.shr_u (local.get $low) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=5120 (i32.shl (i32.and (i32.shr_u (local.get $low) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load offset=4096 (i32.shl (i32.shr_u (local.get $low) (i32.const 24)) (i32.const 2)))))
            (i32.xor
              (i32.xor
                (i32.load offset=3072 (i32.shl (i32.and (local.get $high) (i32.const 255)) (i32.const 2)))
                (i32.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $high) (i32.const 8)) (i32.const 255)) (i32.const 2))))
              (i32.xor
                (i32.load offset=1024 (i32.shl (i32.and (i32.shr_u (local.get $high) (i32.const 16)) (i32.const 255)) (i32.const 2)))
                (i32.load (i32.shl (i32.shr_u (local.get $high) (i32.const 24)) (i32.const 2)))))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (br $loop8)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $crc
          (i32.xor
            (i32.load (i32.shl (i32.and (i32.xor (local.get $crc) (i32.load8_u (local.get $ptr))) (i32.const 255)) (i32.const 2)))
            (i32.shr_u (local.get $crc) (i32.const 8))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $loop)))
    (i32.xor (local.get $crc) (i32.const -1))))
