/**
 * The codecs the compression bench compares: strata's own (src/compression) and the npm
 * libraries of each class, each wrapped as `compress(block)` / `decompress(compressed, length)`.
 * Native bindings are loaded when they load (`available: false` otherwise): they are figures to
 * compare with, never a requirement.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import { deflateSync as fflateDeflate, inflateSync as fflateInflate } from 'fflate'
import { snappyCompress as hysnappyCompress, snappyUncompress as hysnappyUncompress } from 'hysnappy'
import * as lz4Wasm from 'lz4-wasm-nodejs'
import lz4js from 'lz4js'
import snappyjs from 'snappyjs'
import { deflateAtLevel } from '../src/compression/deflate.js'
import { lz4JavascriptCodec } from '../src/compression/lz4-js.js'
import { createLz4WebAssemblyCodec, runtimeWebAssembly } from '../src/compression/lz4-wasm.js'

export interface Candidate {
  name: string
  /** `fast` (Snappy/LZ4 class) or `strong` (deflate/zstd/brotli class). */
  kind: 'fast' | 'strong'
  /** How it runs: TypeScript/JavaScript/WebAssembly are portable, `node:zlib` is built into
   *  Node, Bun and Deno, `native` is an N-API binding. */
  runtime: string
  compress(input: Uint8Array): Uint8Array
  decompress(input: Uint8Array, length: number): Uint8Array
}

const lz4jsTable = new Uint32Array(1 << 16)

export async function loadCandidates(): Promise<{ candidates: Candidate[]; missing: string[] }> {
  const deflate1 = deflateAtLevel(1)
  const deflate6 = deflateAtLevel(6)
  const lz4WebAssembly = createLz4WebAssemblyCodec(runtimeWebAssembly)
  if (lz4WebAssembly === undefined) throw new Error('this runtime cannot instantiate lz4.wat')
  const candidates: Candidate[] = [
    {
      name: 'strata lz4',
      kind: 'fast',
      runtime: 'WebAssembly',
      compress: (input) => lz4WebAssembly.compress(input),
      decompress: (input, length) => lz4WebAssembly.decompress(input, length),
    },
    {
      name: 'strata lz4 (fallback)',
      kind: 'fast',
      runtime: 'TypeScript',
      compress: (input) => lz4JavascriptCodec.compress(input),
      decompress: (input, length) => lz4JavascriptCodec.decompress(input, length),
    },
    {
      name: 'lz4js 0.2.0',
      kind: 'fast',
      runtime: 'JavaScript',
      compress(input) {
        // Its hash table must be cleared per block (the library clears it per frame).
        lz4jsTable.fill(0)
        const output = new Uint8Array(1 + lz4js.compressBound(input.length))
        const length = lz4js.compressBlock(input, output.subarray(1), 0, input.length, lz4jsTable)
        // 0: nothing matched, and the library writes nothing; a first byte tells the two apart.
        if (length > 0) {
          output[0] = 1
          return output.subarray(0, 1 + length)
        }
        output[0] = 0
        output.set(input, 1)
        return output.subarray(0, 1 + input.length)
      },
      decompress(input, length) {
        const output = new Uint8Array(length)
        if (input[0] === 0) output.set(input.subarray(1))
        else lz4js.decompressBlock(input, output, 1, input.length - 1, 0)
        return output
      },
    },
    {
      name: 'lz4-wasm-nodejs 0.9.2',
      kind: 'fast',
      runtime: 'WebAssembly',
      compress: (input) => lz4Wasm.compress(input),
      decompress: (input) => lz4Wasm.decompress(input),
    },
    {
      name: 'snappyjs 0.7.0',
      kind: 'fast',
      runtime: 'JavaScript',
      compress: (input) => snappyjs.compress(input),
      decompress: (input, length) => snappyjs.uncompress(input, length),
    },
    {
      name: 'hysnappy 1.1.1',
      kind: 'fast',
      runtime: 'WebAssembly',
      compress: (input) => hysnappyCompress(input),
      decompress: (input, length) => hysnappyUncompress(input, length),
    },
    {
      name: 'deflate level 1',
      kind: 'strong',
      runtime: 'node:zlib',
      compress: (input) => deflate1.compress(input),
      decompress: (input, length) => deflate1.decompress(input, length),
    },
    {
      name: 'deflate level 6',
      kind: 'strong',
      runtime: 'node:zlib',
      compress: (input) => deflate6.compress(input),
      decompress: (input, length) => deflate6.decompress(input, length),
    },
    {
      name: 'brotli quality 4',
      kind: 'strong',
      runtime: 'node:zlib',
      compress: (input) =>
        brotliCompressSync(input, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 4,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: input.length,
          },
        }),
      decompress: (input, length) => brotliDecompressSync(input, { maxOutputLength: Math.max(1, length) }),
    },
    {
      name: 'fflate 0.8.3 deflate 6',
      kind: 'strong',
      runtime: 'JavaScript',
      compress: (input) => fflateDeflate(input, { level: 6 }),
      decompress: (input, length) => fflateInflate(input, { out: new Uint8Array(length) }),
    },
  ]
  const missing: string[] = []
  try {
    const zstd = await import('@bokuweb/zstd-wasm')
    await zstd.init()
    candidates.push({
      name: '@bokuweb/zstd-wasm 0.0.27 level 3',
      kind: 'strong',
      runtime: 'WebAssembly',
      compress: (input) => zstd.compress(input, 3),
      decompress: (input) => zstd.decompress(input),
    })
  } catch (error) {
    missing.push(`@bokuweb/zstd-wasm (${(error as Error).message})`)
  }
  try {
    const snappy = await import('snappy')
    candidates.push({
      name: 'snappy 7.4.3',
      kind: 'fast',
      runtime: 'native',
      compress: (input) => snappy.compressSync(input),
      decompress: (input) => snappy.uncompressSync(input, { asBuffer: true }) as Buffer,
    })
  } catch (error) {
    missing.push(`snappy (${(error as Error).message})`)
  }
  try {
    const lz4Napi = await import('lz4-napi')
    candidates.push({
      name: 'lz4-napi 2.10.0',
      kind: 'fast',
      runtime: 'native',
      compress: (input) => lz4Napi.compressSync(Buffer.from(input.buffer, input.byteOffset, input.length)),
      decompress: (input) => lz4Napi.uncompressSync(input),
    })
  } catch (error) {
    missing.push(`lz4-napi (${(error as Error).message})`)
  }
  return { candidates, missing }
}
