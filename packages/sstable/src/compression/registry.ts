/**
 * The codecs strata ships, by stored id and by option name. A table reader decodes a block with
 * `codecById(id)`; an id it does not know (a table from a newer build, or a damaged trailer) is
 * a `DecompressionError`, never a guess.
 */
import type { BlockCodec } from './codec.js'
import { deflateCodec } from './deflate.js'
import { DecompressionError } from './errors.js'
import { lz4Codec } from './lz4.js'
import { noneCodec } from './none.js'

/** Every shipped codec, in id order. */
export const CODECS: readonly BlockCodec[] = [noneCodec, lz4Codec, deflateCodec]

/** The codec stored as `id`; throws `DecompressionError` for an unknown id. */
export function codecById(id: number): BlockCodec {
  const codec = CODECS[id]
  if (codec === undefined || codec.id !== id) {
    throw new DecompressionError({
      codec: `#${id}`,
      reason: `unknown codec id ${id} (known: ${CODECS.map((each) => `${each.id} ${each.name}`).join(', ')})`,
    })
  }
  return codec
}

/** The codec called `name` (`none`, `lz4`, `deflate`), or undefined. */
export function codecByName(name: string): BlockCodec | undefined {
  return CODECS.find((codec) => codec.name === name)
}
