/** Codec `none` (id 0): the block is stored as is. */
import { type BlockCodec, CodecId } from './codec.js'
import { DecompressionError } from './errors.js'
import { checkExpectedLength, checkInput } from './limits.js'

export const noneCodec: BlockCodec = {
  id: CodecId.None,
  name: 'none',
  maxCompressedLength: (length) => length,
  compress(input, output) {
    checkInput(input, 'none')
    if (output !== undefined && output.length >= input.length) {
      output.set(input)
      return output.subarray(0, input.length)
    }
    return input.slice()
  },
  decompress(input, expectedLength) {
    checkInput(input, 'none')
    checkExpectedLength(expectedLength, 'none')
    if (input.length !== expectedLength) {
      throw new DecompressionError({
        codec: 'none',
        reason: `holds ${input.length} bytes, expected ${expectedLength}`,
      })
    }
    return input.slice()
  },
}
