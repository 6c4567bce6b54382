/**
 * The block codec contract and the codec ids stored on disk. A codec turns one block's contents
 * into a shorter byte string and back; the table format (later) records the codec id of each
 * block in its trailer, so a reader knows how to decode it. Each codec lives in its own file;
 * `codecById` (registry.ts) maps a stored id to its codec.
 */

/** Codec ids. On disk. Never renumber. */
export const CodecId = {
  /** Stored as is. */
  None: 0,
  /** LZ4 block format (strata's own implementation, lz4.ts: WebAssembly, TypeScript fallback). */
  Lz4: 1,
  /** Raw DEFLATE (RFC 1951, no zlib or gzip header), through `node:zlib`. */
  Deflate: 2,
} as const
export type CodecId = (typeof CodecId)[keyof typeof CodecId]

/** Largest input any codec accepts (2 GiB - 1): larger blocks are stored raw. */
export const MAX_CODEC_INPUT_BYTES = 0x7fff_ffff

export interface BlockCodec {
  readonly id: CodecId
  /** Short lower-case name, as in options and `strata inspect`: `none`, `lz4`, `deflate`. */
  readonly name: string
  /** The longest `compress` output for an input of `length` bytes. */
  maxCompressedLength(length: number): number
  /**
   * The compressed form of `input` (0..MAX_CODEC_INPUT_BYTES bytes; longer is an
   * `InvalidArgumentError`). When `output` is given and holds at least
   * `maxCompressedLength(input.length)` bytes, a codec may write into it and return a view of
   * it (valid until `output` is reused); otherwise the result is a fresh array. Never modifies
   * `input`. The result can be longer than `input`: see `worthStoringCompressed`.
   */
  compress(input: Uint8Array, output?: Uint8Array): Uint8Array
  /**
   * The `expectedLength` bytes that `input` encodes, in a fresh array. Throws
   * `DecompressionError` (code `STRATA_CORRUPTION`) when `input` is damaged or decodes to any
   * other length; never reads outside `input`, never loops without consuming input, never returns
   * bytes it did not decode. When `output` is given and holds at least `expectedLength` bytes, a
   * codec may decode into it and return a view of it (valid until `output` is reused). `expectedLength` outside 0..MAX_CODEC_INPUT_BYTES is an
   * `InvalidArgumentError`.
   */
  decompress(input: Uint8Array, expectedLength: number, output?: Uint8Array): Uint8Array
}

/**
 * Whether a block of `rawLength` bytes that compressed to `compressedLength` bytes is stored
 * compressed: only when it shrinks by at least 1/8 (12.5%, rounded up to whole bytes). Otherwise it is stored raw (codec
 * `none`), so incompressible data costs no decompression on read.
 */
export function worthStoringCompressed(rawLength: number, compressedLength: number): boolean {
  return rawLength > 0 && compressedLength <= rawLength - Math.ceil(rawLength / 8)
}
