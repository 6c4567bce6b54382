/**
 * The LZ4 block format (no frame, no header, no checksum: the table's block checksum covers the
 * bytes) in TypeScript, written here from the format's description: codec `lz4` (lz4.ts) where
 * WebAssembly is unavailable, and the reference that the WebAssembly codec (lz4.wat) matches
 * byte for byte.
 *
 * A block is a run of sequences. Each sequence is a token byte (high 4 bits: literal count,
 * low 4 bits: match length - 4; 15 in either means "add the following bytes, each 0..255, until
 * one is below 255"), the literal bytes, a little-endian u16 offset (1..65535, how far back the
 * match starts) and the match-length extension bytes. The last sequence has literals only and
 * ends the block. As every LZ4 decoder expects, the last 5 bytes are literals and the last match
 * starts at least 12 bytes before the end, so the output is valid LZ4 for other decoders too.
 *
 * The compressor is a greedy single-probe hash matcher (4-byte sequences, 4096-slot table,
 * skipping faster through data that does not match); the decompressor checks every count and
 * offset against both buffers before copying.
 */
import { type BlockCodec, CodecId } from './codec.js'
import { DecompressionError } from './errors.js'
import { checkExpectedLength, checkInput } from './limits.js'

const MIN_MATCH = 4
/** The last match starts at least this many bytes before the end of the input. */
const MATCH_START_MARGIN = 12
/** The last this many bytes are always literals. */
const LAST_LITERALS = 5
const MAX_OFFSET = 0xffff
/** No LZ4 block decodes to more than this many bytes per compressed byte. */
export const MAX_LZ4_EXPANSION = 255
const HASH_BITS = 12
/** After 2^SKIP_SHIFT probes without a match, the step grows by one byte. */
const SKIP_SHIFT = 5

/**
 * Positions of recently seen 4-byte sequences, by hash, plus `generation`: a slot holding a
 * value below `generation` belongs to an earlier call and counts as empty, so the table is not
 * cleared per block. One table per module instance (each worker thread has its own).
 */
const table = new Int32Array(1 << HASH_BITS)
let generation = 1
/** `generation` stays below this, so every stored value is a small integer for the JIT. */
const GENERATION_LIMIT = 1 << 30
/** Output buffer of calls given none (up to SCRATCH_LIMIT bytes); the result is copied out. */
let scratch = new Uint8Array(0)
const SCRATCH_LIMIT = 1 << 20

function hash(sequence: number): number {
  return Math.imul(sequence, 0x9e3779b1) >>> (32 - HASH_BITS)
}

/** The longest output for `length` input bytes (all literals, plus count bytes and a token). */
export function maxLz4CompressedLength(length: number): number {
  return length + Math.floor(length / 255) + 16
}

/** Writes `count - 15` as 255-bytes plus a last byte below 255, at `pos`; returns the end. */
function writeCountExtension(output: Uint8Array, pos: number, count: number): number {
  let rest = count - 15
  while (rest >= 255) {
    output[pos++] = 255
    rest -= 255
  }
  output[pos++] = rest
  return pos
}

/** Writes the sequence's token, literals `input[from..to)`, and (when `matchLength` > 0) the match. */
function writeSequence(
  input: Uint8Array,
  from: number,
  to: number,
  output: Uint8Array,
  pos: number,
  offset: number,
  matchLength: number,
): number {
  const literalCount = to - from
  const matchCode = matchLength === 0 ? 0 : matchLength - MIN_MATCH
  const tokenAt = pos++
  output[tokenAt] = (Math.min(literalCount, 15) << 4) | Math.min(matchCode, 15)
  if (literalCount >= 15) pos = writeCountExtension(output, pos, literalCount)
  if (literalCount > 32) {
    output.set(input.subarray(from, to), pos)
    pos += literalCount
  } else {
    for (let index = from; index < to; index++) output[pos++] = input[index]!
  }
  if (matchLength === 0) return pos
  output[pos++] = offset & 0xff
  output[pos++] = offset >>> 8
  if (matchCode >= 15) pos = writeCountExtension(output, pos, matchCode)
  return pos
}

function compress(input: Uint8Array, given?: Uint8Array): Uint8Array {
  checkInput(input, 'lz4')
  const length = input.length
  const bound = maxLz4CompressedLength(length)
  let output = given
  if (output === undefined || output.length < bound) {
    if (bound > SCRATCH_LIMIT) output = new Uint8Array(bound)
    else {
      if (scratch.length < bound)
        scratch = new Uint8Array(Math.min(SCRATCH_LIMIT, Math.max(bound, 2 * scratch.length)))
      output = scratch
    }
  }
  if (generation + length + 1 > GENERATION_LIMIT) {
    table.fill(0)
    generation = 1
  }
  const base = generation
  generation += length + 1
  const view = new DataView(input.buffer, input.byteOffset, length)
  let pos = 0
  let anchor = 0
  if (length > MATCH_START_MARGIN) {
    const lastMatchStart = length - MATCH_START_MARGIN
    const matchLimit = length - LAST_LITERALS
    let at = 0
    let misses = 0
    while (at <= lastMatchStart) {
      const sequence = view.getInt32(at, true)
      const slot = hash(sequence)
      const stored = table[slot]!
      table[slot] = base + at
      const candidate = stored - base
      if (stored < base || at - candidate > MAX_OFFSET || view.getInt32(candidate, true) !== sequence) {
        at += 1 + (misses++ >> SKIP_SHIFT)
        continue
      }
      misses = 0
      let start = at
      let back = candidate
      while (start > anchor && back > 0 && input[start - 1] === input[back - 1]) {
        start--
        back--
      }
      let end = at + MIN_MATCH
      let from = candidate + MIN_MATCH
      while (end + 4 <= matchLimit && view.getInt32(end, true) === view.getInt32(from, true)) {
        end += 4
        from += 4
      }
      while (end < matchLimit && input[end] === input[from]) {
        end++
        from++
      }
      pos = writeSequence(input, anchor, start, output, pos, start - back, end - start)
      anchor = end
      // Remember a position inside the match, so the next one can start there.
      if (end - 2 <= lastMatchStart) table[hash(view.getInt32(end - 2, true))] = base + end - 2
      at = end
    }
  }
  pos = writeSequence(input, anchor, length, output, pos, 0, 0)
  return output === given ? output.subarray(0, pos) : output.slice(0, pos)
}

function damaged(reason: string, at: number): DecompressionError {
  return new DecompressionError({ codec: 'lz4', reason, at })
}

function decompress(input: Uint8Array, expectedLength: number, into?: Uint8Array): Uint8Array {
  checkInput(input, 'lz4')
  checkExpectedLength(expectedLength, 'lz4')
  // A sequence of n bytes decodes to at most 255 × n bytes (a match-length extension byte adds
  // 255): a larger claim is damage, refused before allocating it.
  if (expectedLength > MAX_LZ4_EXPANSION * input.length) {
    throw damaged(`${input.length} bytes cannot decode to ${expectedLength} bytes`, 0)
  }
  // Every byte is written before the length check below passes: no uninitialized byte escapes.
  const output =
    into !== undefined && into.length >= expectedLength ? into : Buffer.allocUnsafeSlow(expectedLength)
  const end = input.length
  let at = 0
  let pos = 0
  for (;;) {
    if (at >= end) throw damaged('ends before its last sequence', at)
    const tokenAt = at
    const token = input[at++]!
    let literalCount = token >>> 4
    if (literalCount === 15) {
      let byte = 255
      while (byte === 255) {
        if (at >= end) throw damaged('literal count runs past the end', at)
        byte = input[at++]!
        literalCount += byte
      }
    }
    if (literalCount > end - at) throw damaged(`${literalCount} literals run past the end`, tokenAt)
    if (literalCount > expectedLength - pos) {
      throw damaged(`${literalCount} literals overflow the expected ${expectedLength} bytes`, tokenAt)
    }
    // Runs of more than 16 bytes: one native copy (on the demo's events this limit decodes
    // 13-25% faster than 32: bench/lz4-micro.ts).
    if (literalCount > 16) {
      output.set(input.subarray(at, at + literalCount), pos)
      pos += literalCount
      at += literalCount
    } else {
      for (let index = 0; index < literalCount; index++) output[pos++] = input[at++]!
    }
    if (at === end) break
    if (end - at < 2) throw damaged('match offset runs past the end', at)
    const offset = input[at]! | (input[at + 1]! << 8)
    if (offset === 0 || offset > pos) throw damaged(`match offset ${offset} at output byte ${pos}`, at)
    at += 2
    let matchLength = (token & 15) + MIN_MATCH
    if ((token & 15) === 15) {
      let byte = 255
      while (byte === 255) {
        if (at >= end) throw damaged('match length runs past the end', at)
        byte = input[at++]!
        matchLength += byte
      }
    }
    if (matchLength > expectedLength - pos) {
      throw damaged(`match of ${matchLength} bytes overflows the expected ${expectedLength} bytes`, tokenAt)
    }
    let from = pos - offset
    if (offset >= matchLength && matchLength > 16) {
      output.copyWithin(pos, from, from + matchLength)
      pos += matchLength
    } else {
      // Overlapping (offset < length) copies repeat the last `offset` bytes: byte by byte.
      const stop = pos + matchLength
      while (pos < stop) output[pos++] = output[from++]!
    }
  }
  if (pos !== expectedLength) throw damaged(`decodes to ${pos} bytes, expected ${expectedLength}`, at)
  return output === into ? output.subarray(0, expectedLength) : output
}

/** Codec `lz4` in TypeScript. */
export const lz4JavascriptCodec: BlockCodec = {
  id: CodecId.Lz4,
  name: 'lz4',
  maxCompressedLength: maxLz4CompressedLength,
  compress,
  decompress,
}
