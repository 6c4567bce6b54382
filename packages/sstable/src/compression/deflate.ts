/**
 * Codec `deflate` (id 2): raw DEFLATE (RFC 1951: no zlib or gzip header or checksum, the table's
 * block checksum covers the bytes), through `node:zlib`, which Node, Bun and Deno all provide
 * (built in: no native code of strata's, nothing to install).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { type BlockCodec, CodecId } from './codec.js'
import { DecompressionError } from './errors.js'
import { checkExpectedLength, checkInput } from './limits.js'

/** zlib's compression level for blocks (1 fastest .. 9 smallest). */
export const DEFLATE_LEVEL = 6

/** The deflate codec at `level` (1..9); `deflateCodec` uses `DEFLATE_LEVEL`. */
export function deflateAtLevel(level: number): BlockCodec {
  return {
    id: CodecId.Deflate,
    name: 'deflate',
    // Stored blocks: 5 bytes per 16 KiB block of input, plus the final empty block.
    maxCompressedLength: (length) => length + 5 * (Math.floor(length / 16_383) + 1) + 6,
    compress(input) {
      checkInput(input, 'deflate')
      return deflateRawSync(input, { level })
    },
    decompress(input, expectedLength) {
      checkInput(input, 'deflate')
      checkExpectedLength(expectedLength, 'deflate')
      let output: Uint8Array
      try {
        // A stream that would decode to more than expected stops at the limit with a RangeError.
        output = inflateRawSync(input, { maxOutputLength: Math.max(1, expectedLength) })
      } catch (error) {
        const reason =
          (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
            ? `decodes to more than the expected ${expectedLength} bytes`
            : `not a valid deflate stream (${(error as Error).message})`
        throw new DecompressionError({ codec: 'deflate', reason, cause: error })
      }
      if (output.length !== expectedLength) {
        throw new DecompressionError({
          codec: 'deflate',
          reason: `decodes to ${output.length} bytes, expected ${expectedLength}`,
        })
      }
      return output
    },
  }
}

export const deflateCodec: BlockCodec = deflateAtLevel(DEFLATE_LEVEL)
