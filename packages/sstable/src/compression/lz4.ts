/**
 * Codec `lz4` (id 1): the LZ4 block format, strata's own code in two implementations that write
 * the same bytes and accept the same input — WebAssembly (lz4.wat, lz4-wasm.ts), the default,
 * and TypeScript (lz4-js.ts), used where WebAssembly is unavailable. The choice is made once per
 * module instance (each worker thread has its own), at the first call.
 */
import { type BlockCodec, CodecId } from './codec.js'
import { lz4JavascriptCodec, maxLz4CompressedLength } from './lz4-js.js'
import { createLz4WebAssemblyCodec, runtimeWebAssembly } from './lz4-wasm.js'

let chosen: BlockCodec | undefined

function implementation(): BlockCodec {
  chosen ??= createLz4WebAssemblyCodec(runtimeWebAssembly) ?? lz4JavascriptCodec
  return chosen
}

/** Which implementation codec `lz4` runs in this thread (choosing it if not done yet). */
export function lz4Implementation(): 'webassembly' | 'javascript' {
  return implementation() === lz4JavascriptCodec ? 'javascript' : 'webassembly'
}

export const lz4Codec: BlockCodec = {
  id: CodecId.Lz4,
  name: 'lz4',
  maxCompressedLength: maxLz4CompressedLength,
  compress: (input, output) => implementation().compress(input, output),
  decompress: (input, expectedLength, output) => implementation().decompress(input, expectedLength, output),
}
