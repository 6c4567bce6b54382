/**
 * CRC32C in WebAssembly (crc32c.wat: the slicing-by-8 of crc32c-portable.ts, 2-3× faster than
 * the JavaScript one from 4 KiB up, see the README's table), for where the native binding does
 * not load. The module (282 bytes) is compiled synchronously on first use; input is copied into
 * its memory in 128 KiB chunks. `undefined` where WebAssembly is unavailable (e.g. `--jitless`).
 */
import { crc32cTable } from './crc32c-portable.js'
import { CRC32C_WASM_BASE64 } from './crc32c-wasm-binary.js'

/** Where the input chunk starts in the module's memory (the table fills [0, 8192)). */
const CHUNK_START = 65_536
/** Bytes per copy into the module's memory (its 3 pages end at CHUNK_START + CHUNK_BYTES). */
const CHUNK_BYTES = 131_072

/** CRC32C of `bytes[start..end)` continuing from `initial`; unsigned 32-bit. */
export type RangeCrc32c = (bytes: Uint8Array, start: number, end: number, initial?: number) => number

/** The part of the WebAssembly global this file uses (the ES2022 lib declares none of it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}

/** Instantiates the WebAssembly CRC32C, or `undefined` when WebAssembly is unavailable. */
export function loadWasmCrc32c(): RangeCrc32c | undefined {
  try {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
    if (api === undefined) return undefined
    const instance = new api.Instance(new api.Module(Buffer.from(CRC32C_WASM_BASE64, 'base64')))
    const memory = instance.exports.memory as { buffer: ArrayBuffer }
    const update = instance.exports.update as (crc: number, start: number, end: number) => number
    new Int32Array(memory.buffer, 0, crc32cTable.length).set(crc32cTable)
    const heap = new Uint8Array(memory.buffer)
    return (bytes, start, end, initial = 0) => {
      let crc = initial
      for (let offset = start; offset < end; offset += CHUNK_BYTES) {
        const length = Math.min(CHUNK_BYTES, end - offset)
        heap.set(bytes.subarray(offset, offset + length), CHUNK_START)
        crc = update(crc, CHUNK_START, CHUNK_START + length)
      }
      return crc >>> 0
    }
  } catch {
    return undefined
  }
}
