/**
 * Codec `lz4` in WebAssembly: lz4.wat, assembled into lz4-wasm-bytes.ts (base64, committed), is
 * compiled and instantiated synchronously (`new WebAssembly.Module(bytes)`) by
 * `createLz4WebAssemblyCodec` — no file is read, so bundlers, Bun, Deno and browsers load it
 * like any other module. It writes exactly the bytes `lz4JavascriptCodec` writes and accepts
 * exactly what that codec accepts; damaged input is handed to the TypeScript decoder, so the
 * `DecompressionError` (reason and byte position) is the one it gives.
 *
 * Each call copies its input into the instance's memory, runs there and copies the result out.
 * Memory: the encoder's 16 KiB hash table, then the input, then the output, each followed by 32
 * spare bytes that the codec's 8- and 16-byte copies may touch. It grows (never shrinks) to fit the
 * largest block seen, up to MAX_MEMORY_BYTES; a larger block is coded by the TypeScript codec.
 */
import { type BlockCodec, CodecId } from './codec.js'
import { DecompressionError } from './errors.js'
import { lz4JavascriptCodec, MAX_LZ4_EXPANSION, maxLz4CompressedLength } from './lz4-js.js'
import { lz4WasmBase64 } from './lz4-wasm-bytes.js'

/** The part of the `WebAssembly` global this file uses (the TypeScript libs in use do not declare it). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}

/** This runtime's `WebAssembly` global, or undefined when it has none. */
export const runtimeWebAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly

/** The functions lz4.wat exports (addresses are byte offsets into `memory`). */
interface Lz4Exports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  compress(input: number, length: number, output: number, table: number, base: number): number
  /** `outputLength`, or -1 when the input is damaged. */
  decompress(input: number, inputLength: number, output: number, outputLength: number): number
}

const TABLE_AT = 0
const TABLE_BYTES = 4096 * 4
const INPUT_AT = TABLE_AT + TABLE_BYTES
/** Bytes after the input and after the output that the codec's wide copies may touch. */
const SPARE_BYTES = 32
const PAGE_BYTES = 65536
/** The instance's memory stays within this; blocks that need more use the TypeScript codec. */
export const MAX_MEMORY_BYTES = 16 * 1024 * 1024
/** The encoder's slot values stay below this (see lz4-js.ts: stale slots count as empty). */
const GENERATION_LIMIT = 1 << 30

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

/** Where the output starts for an input of `inputLength` bytes (16-byte aligned). */
function outputAt(inputLength: number): number {
  return INPUT_AT + Math.ceil((inputLength + SPARE_BYTES) / 16) * 16
}

/**
 * A new instance of the WebAssembly codec, or undefined when `api` (normally
 * `runtimeWebAssembly`) is missing or refuses to compile or instantiate the module (a
 * runtime without WebAssembly, `--jitless`, a page whose content security policy forbids it).
 */
export function createLz4WebAssemblyCodec(api: WebAssemblyApi | undefined): BlockCodec | undefined {
  if (api === undefined) return undefined
  let wasm: Lz4Exports
  try {
    const module = new api.Module(decodeBase64(lz4WasmBase64))
    wasm = new api.Instance(module, {}).exports as unknown as Lz4Exports
  } catch {
    return undefined
  }
  let heap = new Uint8Array(wasm.memory.buffer)
  let generation = 1

  /** Grows the memory to `bytes`; false when that passes MAX_MEMORY_BYTES or the runtime refuses. */
  function reserve(bytes: number): boolean {
    if (bytes <= heap.length) return true
    if (bytes > MAX_MEMORY_BYTES) return false
    try {
      wasm.memory.grow(Math.ceil((bytes - heap.length) / PAGE_BYTES))
    } catch {
      return false
    }
    heap = new Uint8Array(wasm.memory.buffer)
    return true
  }

  function compress(input: Uint8Array, given?: Uint8Array): Uint8Array {
    if (!(input instanceof Uint8Array) || input.length > MAX_MEMORY_BYTES) {
      return lz4JavascriptCodec.compress(input, given)
    }
    const length = input.length
    const bound = maxLz4CompressedLength(length)
    const output = outputAt(length)
    if (!reserve(output + bound + SPARE_BYTES)) return lz4JavascriptCodec.compress(input, given)
    if (generation + length + 1 > GENERATION_LIMIT) {
      heap.fill(0, TABLE_AT, TABLE_AT + TABLE_BYTES)
      generation = 1
    }
    const base = generation
    generation += length + 1
    heap.set(input, INPUT_AT)
    const written = wasm.compress(INPUT_AT, length, output, TABLE_AT, base)
    const result = heap.subarray(output, output + written)
    if (given !== undefined && given.length >= bound) {
      given.set(result)
      return given.subarray(0, written)
    }
    return result.slice()
  }

  function decompress(input: Uint8Array, expectedLength: number, into?: Uint8Array): Uint8Array {
    // Arguments the TypeScript codec refuses, and blocks too large for the memory, go there.
    if (
      !(input instanceof Uint8Array) ||
      input.length > MAX_MEMORY_BYTES ||
      !Number.isInteger(expectedLength) ||
      expectedLength < 0 ||
      expectedLength > MAX_LZ4_EXPANSION * input.length
    ) {
      return lz4JavascriptCodec.decompress(input, expectedLength, into)
    }
    const output = outputAt(input.length)
    if (!reserve(output + expectedLength + SPARE_BYTES)) {
      return lz4JavascriptCodec.decompress(input, expectedLength, into)
    }
    heap.set(input, INPUT_AT)
    if (wasm.decompress(INPUT_AT, input.length, output, expectedLength) !== expectedLength) {
      // Damaged: the TypeScript decoder names the damage (and must find it).
      lz4JavascriptCodec.decompress(input, expectedLength)
      throw new DecompressionError({
        codec: 'lz4',
        reason: 'the WebAssembly decoder refused a block the TypeScript decoder accepts',
      })
    }
    const decoded = heap.subarray(output, output + expectedLength)
    if (into !== undefined && into.length >= expectedLength) {
      into.set(decoded)
      return into.subarray(0, expectedLength)
    }
    // Every byte is copied in: no uninitialized byte escapes.
    const fresh = Buffer.allocUnsafeSlow(expectedLength)
    fresh.set(decoded)
    return fresh
  }

  return {
    id: CodecId.Lz4,
    name: 'lz4',
    maxCompressedLength: maxLz4CompressedLength,
    compress,
    decompress,
  }
}
