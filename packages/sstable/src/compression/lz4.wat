;; The LZ4 block codec in WebAssembly (text format): the same encoder as lz4-js.ts, byte for
;; byte, and a decoder that accepts exactly what lz4-js.ts accepts. Assembled by
;; scripts/assemble-lz4-wasm.mjs (the `wabt` package) into lz4-wasm-bytes.ts; lz4-wasm.ts
;; instantiates it and copies blocks in and out of its memory.
;;
;; Memory is one region owned by the caller (lz4-wasm.ts), which grows it before a call so that
;; every address below lies inside it:
;; - the encoder's hash table (4096 × i32) at `table`;
;; - the input at `input`, followed by at least 32 bytes the caller does not care about;
;; - the output at `output`, followed by at least 32 bytes the caller does not care about.
;; Both directions copy short literal runs 16 bytes at a time, and the decoder copies matches 8
;; bytes at a time when that is safe, so they may write up to 15 bytes past the end of the output
;; and read up to 15 bytes past the end of the input: those are the 32 spare bytes. Every count and offset is checked against
;; the input's and the output's lengths before anything is copied.
(module
  (memory (export "memory") 1)

  ;; Position of a 4-byte sequence in the encoder's 4096-slot table: the top 12 bits of the
  ;; sequence times 2654435761.
  (func $hash (param $sequence i32) (result i32)
    (i32.shr_u (i32.mul (local.get $sequence) (i32.const 0x9e3779b1)) (i32.const 20)))

  ;; Writes `count - 15` as 255-bytes and a last byte below 255 at `pos`; returns the end.
  (func $writeCountExtension (param $pos i32) (param $count i32) (result i32)
    (local $rest i32)
    (local.set $rest (i32.sub (local.get $count) (i32.const 15)))
    (block $done
      (loop $more
        (br_if $done (i32.lt_u (local.get $rest) (i32.const 255)))
        (i32.store8 (local.get $pos) (i32.const 255))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (local.set $rest (i32.sub (local.get $rest) (i32.const 255)))
        (br $more)))
    (i32.store8 (local.get $pos) (local.get $rest))
    (i32.add (local.get $pos) (i32.const 1)))

  ;; Writes one sequence at `pos`: its token, the literals at [from, to) and, when `matchLength`
  ;; is not 0, the match's offset and length extension. Returns the end.
  (func $writeSequence
    (param $from i32) (param $to i32) (param $pos i32) (param $offset i32) (param $matchLength i32)
    (result i32)
    (local $literalCount i32) (local $matchCode i32)
    (local.set $literalCount (i32.sub (local.get $to) (local.get $from)))
    (local.set $matchCode
      (select (i32.const 0) (i32.sub (local.get $matchLength) (i32.const 4))
        (i32.eqz (local.get $matchLength))))
    (i32.store8 (local.get $pos)
      (i32.or
        (i32.shl
          (select (i32.const 15) (local.get $literalCount)
            (i32.ge_u (local.get $literalCount) (i32.const 15)))
          (i32.const 4))
        (select (i32.const 15) (local.get $matchCode)
          (i32.ge_u (local.get $matchCode) (i32.const 15)))))
    (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
    (if (i32.ge_u (local.get $literalCount) (i32.const 15))
      (then (local.set $pos (call $writeCountExtension (local.get $pos) (local.get $literalCount)))))
    (if (i32.le_u (local.get $literalCount) (i32.const 16))
      (then
        ;; 16 bytes whatever the count: the spare bytes after input and output absorb it.
        (i64.store (local.get $pos) (i64.load (local.get $from)))
        (i64.store offset=8 (local.get $pos) (i64.load offset=8 (local.get $from))))
      (else (memory.copy (local.get $pos) (local.get $from) (local.get $literalCount))))
    (local.set $pos (i32.add (local.get $pos) (local.get $literalCount)))
    (if (i32.eqz (local.get $matchLength)) (then (return (local.get $pos))))
    (i32.store16 (local.get $pos) (local.get $offset))
    (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
    (if (i32.ge_u (local.get $matchCode) (i32.const 15))
      (then (local.set $pos (call $writeCountExtension (local.get $pos) (local.get $matchCode)))))
    (local.get $pos))

  ;; Compresses the `length` bytes at `input` into `output` (room for length + length / 255 + 16
  ;; bytes); returns the compressed length. `table` holds 4096 slots; a slot below `base` is
  ;; empty, so the caller clears the table only when `base + length` approaches 2^30.
  (func (export "compress")
    (param $input i32) (param $length i32) (param $output i32) (param $table i32) (param $base i32)
    (result i32)
    (local $pos i32) (local $anchor i32) (local $at i32) (local $misses i32)
    (local $lastMatchStart i32) (local $matchLimit i32)
    (local $sequence i32) (local $slot i32) (local $stored i32) (local $candidate i32)
    (local $start i32) (local $back i32) (local $end i32) (local $from i32)
    (local $difference i64)
    (local.set $pos (local.get $output))
    (if (i32.gt_u (local.get $length) (i32.const 12))
      (then
        (local.set $lastMatchStart (i32.sub (local.get $length) (i32.const 12)))
        (local.set $matchLimit (i32.sub (local.get $length) (i32.const 5)))
        (block $done
          (loop $probe
            (br_if $done (i32.gt_s (local.get $at) (local.get $lastMatchStart)))
            (local.set $sequence (i32.load (i32.add (local.get $input) (local.get $at))))
            (local.set $slot
              (i32.add (local.get $table)
                (i32.shl
                  (i32.shr_u (i32.mul (local.get $sequence) (i32.const 0x9e3779b1)) (i32.const 20))
                  (i32.const 2))))
            (local.set $stored (i32.load (local.get $slot)))
            (i32.store (local.get $slot) (i32.add (local.get $base) (local.get $at)))
            (local.set $candidate (i32.sub (local.get $stored) (local.get $base)))
            (if
              (if (result i32) (i32.lt_s (local.get $stored) (local.get $base))
                (then (i32.const 1))
                (else
                  (if (result i32)
                    (i32.gt_s (i32.sub (local.get $at) (local.get $candidate)) (i32.const 0xffff))
                    (then (i32.const 1))
                    (else
                      (i32.ne
                        (i32.load (i32.add (local.get $input) (local.get $candidate)))
                        (local.get $sequence))))))
              (then
                ;; No match: step on, faster after every 32 misses in a row.
                (local.set $at
                  (i32.add (local.get $at)
                    (i32.add (i32.const 1) (i32.shr_u (local.get $misses) (i32.const 5)))))
                (local.set $misses (i32.add (local.get $misses) (i32.const 1)))
                (br $probe)))
            (local.set $misses (i32.const 0))
            ;; Extend the match backwards over the pending literals, then forwards.
            (local.set $start (local.get $at))
            (local.set $back (local.get $candidate))
            (block $stop
              (loop $backwards
                (br_if $stop (i32.le_s (local.get $start) (local.get $anchor)))
                (br_if $stop (i32.le_s (local.get $back) (i32.const 0)))
                (br_if $stop
                  (i32.ne
                    (i32.load8_u (i32.add (local.get $input) (i32.sub (local.get $start) (i32.const 1))))
                    (i32.load8_u (i32.add (local.get $input) (i32.sub (local.get $back) (i32.const 1))))))
                (local.set $start (i32.sub (local.get $start) (i32.const 1)))
                (local.set $back (i32.sub (local.get $back) (i32.const 1)))
                (br $backwards)))
            (local.set $end (i32.add (local.get $at) (i32.const 4)))
            (local.set $from (i32.add (local.get $candidate) (i32.const 4)))
            ;; 8 bytes at a time; at the first difference, its lowest differing byte ends the
            ;; match (little-endian: the count of trailing zero bits / 8 equal bytes).
            (block $extended
              (block $stop
                (loop $words
                  (br_if $stop
                    (i32.gt_s (i32.add (local.get $end) (i32.const 8)) (local.get $matchLimit)))
                  (local.set $difference
                    (i64.xor
                      (i64.load (i32.add (local.get $input) (local.get $end)))
                      (i64.load (i32.add (local.get $input) (local.get $from)))))
                  (if (i64.ne (local.get $difference) (i64.const 0))
                    (then
                      (local.set $end
                        (i32.add (local.get $end)
                          (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $difference)) (i64.const 3)))))
                      (br $extended)))
                  (local.set $end (i32.add (local.get $end) (i32.const 8)))
                  (local.set $from (i32.add (local.get $from) (i32.const 8)))
                  (br $words)))
              (block $stop
                (loop $bytes
                  (br_if $stop (i32.ge_s (local.get $end) (local.get $matchLimit)))
                  (br_if $stop
                    (i32.ne
                      (i32.load8_u (i32.add (local.get $input) (local.get $end)))
                      (i32.load8_u (i32.add (local.get $input) (local.get $from)))))
                  (local.set $end (i32.add (local.get $end) (i32.const 1)))
                  (local.set $from (i32.add (local.get $from) (i32.const 1)))
                  (br $bytes))))
            (local.set $pos
              (call $writeSequence
                (i32.add (local.get $input) (local.get $anchor))
                (i32.add (local.get $input) (local.get $start))
                (local.get $pos)
                (i32.sub (local.get $start) (local.get $back))
                (i32.sub (local.get $end) (local.get $start))))
            (local.set $anchor (local.get $end))
            ;; Remember a position inside the match, so the next one can start there.
            (if (i32.le_s (i32.sub (local.get $end) (i32.const 2)) (local.get $lastMatchStart))
              (then
                (i32.store
                  (i32.add (local.get $table)
                    (i32.shl
                      (call $hash
                        (i32.load (i32.add (local.get $input) (i32.sub (local.get $end) (i32.const 2)))))
                      (i32.const 2)))
                  (i32.sub (i32.add (local.get $base) (local.get $end)) (i32.const 2)))))
            (local.set $at (local.get $end))
            (br $probe)))))
    (local.set $pos
      (call $writeSequence
        (i32.add (local.get $input) (local.get $anchor))
        (i32.add (local.get $input) (local.get $length))
        (local.get $pos)
        (i32.const 0)
        (i32.const 0)))
    (i32.sub (local.get $pos) (local.get $output)))

  ;; Decodes the `inputLength` bytes at `input` into exactly `outputLength` bytes at `output`.
  ;; Returns `outputLength`, or -1 when the input is damaged: a count, offset or length extension
  ;; that runs past the input, a literal run or match that would pass the output's end, an offset
  ;; of 0 or before the output's start, or a block that ends early or decodes to another length.
  (func (export "decompress")
    (param $input i32) (param $inputLength i32) (param $output i32) (param $outputLength i32)
    (result i32)
    (local $at i32) (local $end i32) (local $pos i32) (local $outputEnd i32)
    (local $token i32) (local $count i32) (local $byte i32) (local $offset i32)
    (local $from i32) (local $stop i32)
    (local.set $at (local.get $input))
    (local.set $end (i32.add (local.get $input) (local.get $inputLength)))
    (local.set $pos (local.get $output))
    (local.set $outputEnd (i32.add (local.get $output) (local.get $outputLength)))
    (block $damaged
      (loop $sequence
        (br_if $damaged (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $token (i32.load8_u (local.get $at)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        ;; Literal count: the token's high 4 bits, 15 meaning "plus extension bytes".
        (local.set $count (i32.shr_u (local.get $token) (i32.const 4)))
        (if (i32.eq (local.get $count) (i32.const 15))
          (then
            (loop $extension
              (br_if $damaged (i32.ge_u (local.get $at) (local.get $end)))
              (local.set $byte (i32.load8_u (local.get $at)))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))
              (local.set $count (i32.add (local.get $count) (local.get $byte)))
              ;; Checked per byte, so the count stays far below 2^32.
              (br_if $damaged
                (i32.gt_u (local.get $count) (i32.sub (local.get $end) (local.get $at))))
              (br_if $extension (i32.eq (local.get $byte) (i32.const 255))))))
        (br_if $damaged (i32.gt_u (local.get $count) (i32.sub (local.get $end) (local.get $at))))
        (br_if $damaged (i32.gt_u (local.get $count) (i32.sub (local.get $outputEnd) (local.get $pos))))
        (if (i32.le_u (local.get $count) (i32.const 16))
          (then
            ;; 16 bytes whatever the count: the spare bytes after input and output absorb it.
            (i64.store (local.get $pos) (i64.load (local.get $at)))
            (i64.store offset=8 (local.get $pos) (i64.load offset=8 (local.get $at))))
          (else
            (if (i32.le_u (local.get $count) (i32.const 64))
              (then
                ;; 16 bytes at a time, up to 15 past the end, as above.
                (local.set $from (local.get $at))
                (local.set $stop (i32.add (local.get $pos) (local.get $count)))
                (loop $wide
                  (i64.store (local.get $pos) (i64.load (local.get $from)))
                  (i64.store offset=8 (local.get $pos) (i64.load offset=8 (local.get $from)))
                  (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
                  (local.set $from (i32.add (local.get $from) (i32.const 16)))
                  (br_if $wide (i32.lt_u (local.get $pos) (local.get $stop))))
                (local.set $pos (i32.sub (local.get $stop) (local.get $count))))
              (else (memory.copy (local.get $pos) (local.get $at) (local.get $count))))))
        (local.set $pos (i32.add (local.get $pos) (local.get $count)))
        (local.set $at (i32.add (local.get $at) (local.get $count)))
        ;; The last sequence has literals only.
        (if (i32.eq (local.get $at) (local.get $end))
          (then
            (br_if $damaged (i32.ne (local.get $pos) (local.get $outputEnd)))
            (return (local.get $outputLength))))
        (br_if $damaged (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (i32.const 2)))
        (local.set $offset (i32.load16_u (local.get $at)))
        (local.set $at (i32.add (local.get $at) (i32.const 2)))
        (br_if $damaged (i32.eqz (local.get $offset)))
        (br_if $damaged
          (i32.gt_u (local.get $offset) (i32.sub (local.get $pos) (local.get $output))))
        ;; Match length: the token's low 4 bits + 4, 15 meaning "plus extension bytes".
        (local.set $count (i32.add (i32.and (local.get $token) (i32.const 15)) (i32.const 4)))
        (if (i32.eq (local.get $count) (i32.const 19))
          (then
            (loop $extension
              (br_if $damaged (i32.ge_u (local.get $at) (local.get $end)))
              (local.set $byte (i32.load8_u (local.get $at)))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))
              (local.set $count (i32.add (local.get $count) (local.get $byte)))
              (br_if $damaged
                (i32.gt_u (local.get $count) (i32.sub (local.get $outputEnd) (local.get $pos))))
              (br_if $extension (i32.eq (local.get $byte) (i32.const 255))))))
        (br_if $damaged (i32.gt_u (local.get $count) (i32.sub (local.get $outputEnd) (local.get $pos))))
        (local.set $from (i32.sub (local.get $pos) (local.get $offset)))
        (local.set $stop (i32.add (local.get $pos) (local.get $count)))
        (if (i32.ge_u (local.get $offset) (i32.const 8))
          (then
            (if (i32.and
                  (i32.ge_u (local.get $offset) (local.get $count))
                  (i32.gt_u (local.get $count) (i32.const 64)))
              (then (memory.copy (local.get $pos) (local.get $from) (local.get $count)))
              (else
                ;; 8 bytes at a time, each read wholly before the write position (offset >= 8);
                ;; the last may pass `stop` by up to 7 bytes, into the spare bytes or into
                ;; output the next sequence writes.
                (loop $words
                  (i64.store (local.get $pos) (i64.load (local.get $from)))
                  (local.set $pos (i32.add (local.get $pos) (i32.const 8)))
                  (local.set $from (i32.add (local.get $from) (i32.const 8)))
                  (br_if $words (i32.lt_u (local.get $pos) (local.get $stop)))))))
          (else
            ;; Offsets 1..7 repeat the last `offset` bytes: byte by byte.
            (loop $bytes
              (i32.store8 (local.get $pos) (i32.load8_u (local.get $from)))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
              (local.set $from (i32.add (local.get $from) (i32.const 1)))
              (br_if $bytes (i32.lt_u (local.get $pos) (local.get $stop))))))
        (local.set $pos (local.get $stop))
        (br $sequence)))
    (i32.const -1)))
