/** Argument checks shared by the codecs. */
import { InvalidArgumentError } from '@strata/base'
import { MAX_CODEC_INPUT_BYTES } from './codec.js'

/** Throws `InvalidArgumentError` unless `input` is a Uint8Array a codec accepts. */
export function checkInput(input: Uint8Array, codec: string): void {
  if (!(input instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${codec} input must be a Uint8Array`, { argument: 'input' })
  }
  if (input.length > MAX_CODEC_INPUT_BYTES) {
    throw new InvalidArgumentError(
      `${codec} input of ${input.length} bytes is too long: at most ${MAX_CODEC_INPUT_BYTES} bytes`,
      { argument: 'input' },
    )
  }
}

/** Throws `InvalidArgumentError` unless `length` is an integer in 0..MAX_CODEC_INPUT_BYTES. */
export function checkExpectedLength(length: number, codec: string): void {
  if (!Number.isInteger(length) || length < 0 || length > MAX_CODEC_INPUT_BYTES) {
    throw new InvalidArgumentError(
      `${codec} expectedLength must be an integer from 0 to ${MAX_CODEC_INPUT_BYTES}, not ${length}`,
      { argument: 'expectedLength' },
    )
  }
}
