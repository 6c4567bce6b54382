import { InvalidArgumentError } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, resolveOptions } from './options.js'

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveOptions({})
    expect(resolved).toMatchObject(DEFAULT_OPTIONS)
    expect(resolved.memtableBytes).toBe(4 * 1024 * 1024)
    expect(resolved.sync).toBe(true)
    expect(resolved.walRecovery).toBe('tolerate-tail')
    expect(resolved.readMode).toBe('auto')
  })

  for (const [name, values, bad] of [
    ['readMode', ['auto', 'sync', 'async'], 'mmap'],
    ['flushThread', ['auto', 'worker', 'main'], 'gpu'],
    ['compactionThread', ['auto', 'worker', 'main'], 'wasm'],
  ] as const) {
    it(`accepts the three values of ${name}, defaults to auto, and names them when given another`, () => {
      expect(resolveOptions({})[name]).toBe('auto')
      for (const value of values) expect(resolveOptions({ [name]: value })[name]).toBe(value)
      expect(() => resolveOptions({ [name]: bad })).toThrow(
        expect.objectContaining({
          code: 'STRATA_INVALID_ARGUMENT',
          message: `options.${name} must be '${values[0]}', '${values[1]}' or '${values[2]}', not ${bad}`,
        }),
      )
    })
  }

  it("refuses flushThread 'worker' with compactionThread 'main' (no worker would start)", () => {
    expect(() => resolveOptions({ flushThread: 'worker', compactionThread: 'main' })).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'options.flushThread' }),
    )
    expect(() => resolveOptions({ flushThread: 'worker', compactionThread: 'main' })).toThrow(
      InvalidArgumentError,
    )
    for (const flushThread of ['auto', 'main'] as const) {
      expect(resolveOptions({ flushThread, compactionThread: 'main' })).toMatchObject({
        flushThread,
        compactionThread: 'main',
      })
    }
  })

  it('accepts the block codecs, defaults bottommostCompression to compression, and names bad ones', () => {
    expect(resolveOptions({})).toMatchObject({ compression: 'lz4', bottommostCompression: 'lz4' })
    expect(resolveOptions({ compression: 'none' })).toMatchObject({
      compression: 'none',
      bottommostCompression: 'none',
    })
    expect(resolveOptions({ bottommostCompression: 'deflate' })).toMatchObject({
      compression: 'lz4',
      bottommostCompression: 'deflate',
    })
    for (const name of ['compression', 'bottommostCompression']) {
      expect(() => resolveOptions({ [name]: 'snappy' })).toThrow(
        expect.objectContaining({
          code: 'STRATA_INVALID_ARGUMENT',
          argument: `options.${name}`,
          message: `options.${name} must be one of 'none', 'lz4', 'deflate', not snappy`,
        }),
      )
      expect(() => resolveOptions({ [name]: true })).toThrow(InvalidArgumentError)
    }
  })

  it('rejects unknown options by name and lists the allowed ones', () => {
    expect(() => resolveOptions({ memtableSize: 5, cacheSize: 1 })).toThrow(
      expect.objectContaining({
        code: 'STRATA_INVALID_ARGUMENT',
        message: expect.stringMatching(
          /unknown options 'memtableSize', 'cacheSize'; allowed: .*memtableBytes/,
        ),
      }),
    )
  })

  it('rejects out-of-range and mistyped values, saying what is allowed', () => {
    expect(() => resolveOptions({ memtableBytes: 10 })).toThrow(
      /options.memtableBytes must be an integer from 1024/,
    )
    expect(() => resolveOptions({ bloomBitsPerKey: 2.5 })).toThrow(InvalidArgumentError)
    expect(() => resolveOptions({ sync: 'yes' })).toThrow(/options.sync must be true or false/)
    expect(() => resolveOptions({ walRecovery: 'best-effort' })).toThrow(
      /'tolerate-tail', 'point-in-time' or 'strict'/,
    )
    expect(() => resolveOptions({ fs: {} })).toThrow(/FileSystem interface/)
  })

  it('requires the level-0 thresholds to grow: compaction <= slowdown <= stop', () => {
    expect(() => resolveOptions({ level0SlowdownTrigger: 3 })).toThrow(
      /level0SlowdownTrigger \(3\) must be at least/,
    )
    expect(() => resolveOptions({ level0StopTrigger: 6 })).toThrow(/level0StopTrigger \(6\) must be at least/)
    expect(
      resolveOptions({ level0CompactionTrigger: 2, level0SlowdownTrigger: 2, level0StopTrigger: 2 }),
    ).toMatchObject({
      level0StopTrigger: 2,
    })
  })
})
