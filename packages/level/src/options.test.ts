import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { engineOptions, VIEW } from './options.js'

describe('engine options', () => {
  it("defaults sync to false, classic-level's default, and passes an explicit one on", () => {
    expect(engineOptions({}).sync).toBe(false)
    expect(engineOptions({ sync: true }).sync).toBe(true)
  })

  it("maps classic-level's option names to strata's", () => {
    expect(
      engineOptions({ writeBufferSize: 1 << 20, cacheSize: 2 << 20, blockSize: 8192, maxFileSize: 3 << 20 }),
    ).toEqual({
      memtableBytes: 1 << 20,
      blockCacheBytes: 2 << 20,
      blockBytes: 8192,
      targetFileBytes: 3 << 20,
      sync: false,
      keyEncoding: VIEW,
      valueEncoding: VIEW,
    })
  })

  it("lets strata's own name win over classic-level's alias", () => {
    const options = engineOptions({ cacheSize: 1, blockCacheBytes: 2, writeBufferSize: 3, memtableBytes: 4 })
    expect(options.blockCacheBytes).toBe(2)
    expect(options.memtableBytes).toBe(4)
  })

  it('passes the engine options on and leaves out the rest', () => {
    const fs = new MemoryFileSystem()
    const options = engineOptions({
      createIfMissing: false,
      errorIfExists: true,
      bloomBitsPerKey: 0,
      autoCompaction: false,
      walRecovery: 'strict',
      readMode: 'async',
      fs,
      compression: true,
      maxOpenFiles: 10,
      passive: true,
      ...({ keyEncoding: 'json', someUserlandOption: 1 } as object),
    })
    expect(options).toEqual({
      createIfMissing: false,
      errorIfExists: true,
      bloomBitsPerKey: 0,
      autoCompaction: false,
      walRecovery: 'strict',
      readMode: 'async',
      fs,
      compression: 'lz4',
      sync: false,
      keyEncoding: VIEW,
      valueEncoding: VIEW,
    })
  })

  it("maps classic-level's compression true/false to lz4/none and passes strata's codec names on", () => {
    expect(engineOptions({ compression: true }).compression).toBe('lz4')
    expect(engineOptions({ compression: false }).compression).toBe('none')
    expect(engineOptions({}).compression).toBeUndefined()
    expect(engineOptions({ compression: 'deflate', bottommostCompression: 'deflate' })).toMatchObject({
      compression: 'deflate',
      bottommostCompression: 'deflate',
    })
  })

  it('has the engine hand over its bytes uncopied (the adapter copies them once)', () => {
    const { keyEncoding } = engineOptions({})
    const bytes = new Uint8Array([1, 2, 3])
    expect(typeof keyEncoding === 'object' && keyEncoding.decode(bytes)).toBe(bytes)
    expect(typeof keyEncoding === 'object' && keyEncoding.encode(bytes)).toBe(bytes)
  })
})
