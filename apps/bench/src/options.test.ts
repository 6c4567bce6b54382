import { ErrorCode, InvalidArgumentError } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { ENGINE_NAMES } from './adapters/adapter.js'
import { parseOptions } from './options.js'
import { WORKLOAD_NAMES } from './workloads.js'

function rejection(argv: string[]): InvalidArgumentError {
  try {
    parseOptions(argv)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError)
    return error as InvalidArgumentError
  }
  throw new Error(`parseOptions(${argv.join(' ')}) did not throw`)
}

describe('parseOptions', () => {
  it('defaults to every engine and workload at n = 1,000,000 over 3 rounds', () => {
    const options = parseOptions([])
    expect(options.n).toBe(1_000_000)
    expect(options.rounds).toBe(3)
    expect(options.engines).toEqual([...ENGINE_NAMES])
    expect(options.workloads).toEqual([...WORKLOAD_NAMES])
    expect(options.json).toBe(false)
  })

  it("sizes the strata-mem engine's block cache with --strata-mem-cache (MiB), 64 by default", () => {
    expect(parseOptions([]).strataMemCacheMiB).toBe(64)
    expect(parseOptions(['--strata-mem-cache', '160']).strataMemCacheMiB).toBe(160)
    const error = rejection(['--strata-mem-cache', '1.5'])
    expect(error.code).toBe(ErrorCode.InvalidArgument)
    expect(error.message).toContain('--strata-mem-cache must be an integer from 0 to 65536')
  })

  it('compacts prefilled stores only with --compact-prefill', () => {
    expect(parseOptions([]).compactPrefill).toBe(false)
    expect(parseOptions(['--compact-prefill']).compactPrefill).toBe(true)
    expect(rejection(['--compact-prefill=yes']).code).toBe(ErrorCode.InvalidArgument)
  })

  it('reads every flag, keeping engines and workloads in their canonical order', () => {
    const options = parseOptions([
      '--n',
      '250_000',
      '--rounds',
      '5',
      '--engines',
      'lmdb,strata',
      '--workloads',
      'readrandom,fillseq',
      '--json',
      '--seed',
      '7',
      '--out',
      '/tmp/x',
    ])
    expect(options).toMatchObject({
      n: 250_000,
      rounds: 5,
      engines: ['strata', 'lmdb'],
      workloads: ['fillseq', 'readrandom'],
      json: true,
      seed: 7,
      out: '/tmp/x',
    })
  })

  it('names the flag and what it accepts on a bad number', () => {
    const error = rejection(['--n', 'many'])
    expect(error.code).toBe(ErrorCode.InvalidArgument)
    expect(error.argument).toBe('--n')
    expect(error.message).toMatch(/--n must be an integer from 100 to/)
    expect(rejection(['--rounds', '0']).message).toMatch(/--rounds must be an integer from 1/)
  })

  it('names unknown engines and workloads and lists the allowed ones', () => {
    const engines = rejection(['--engines', 'strata,leveldb'])
    expect(engines.message).toMatch(/unknown name 'leveldb'/)
    expect(engines.message).toMatch(/classic-level/)
    expect(rejection(['--workloads', 'readrandom,nope']).message).toMatch(/'nope'.*allowed: fillseq/)
    expect(rejection(['--engines', ',']).message).toMatch(/no names/)
  })

  it('rejects unknown flags and stray arguments with the usage text', () => {
    expect(rejection(['--fast']).message).toMatch(/Usage:/)
    expect(rejection(['fillseq']).message).toMatch(/Usage:/)
  })
})
