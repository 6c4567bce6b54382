/** Types of the untyped libraries the compression bench compares (only what it calls). */
declare module 'lz4js' {
  const lz4js: {
    compressBound(length: number): number
    compressBlock(
      source: Uint8Array,
      destination: Uint8Array,
      sourceIndex: number,
      sourceLength: number,
      hashTable: Uint32Array,
    ): number
    decompressBlock(
      source: Uint8Array,
      destination: Uint8Array,
      sourceIndex: number,
      sourceLength: number,
      destinationIndex: number,
    ): number
  }
  export default lz4js
}

declare module 'snappyjs' {
  const snappyjs: {
    compress(input: Uint8Array): Uint8Array
    uncompress(input: Uint8Array, maxLength?: number): Uint8Array
  }
  export default snappyjs
}
