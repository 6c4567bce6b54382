import {
  ClosedError,
  CorruptionError,
  ErrorCode,
  InvalidArgumentError,
  IOError,
  LockedError,
  ReadOnlyError,
  StrataError,
} from '@strata/base'
import { describe, expect, it } from 'vitest'
import { AbortError, LevelError, toLevelError } from './errors.js'

describe('errors in abstract-level terms', () => {
  it.each([
    [new LockedError('/db'), 'LEVEL_LOCKED'],
    [new ClosedError('the database'), 'LEVEL_DATABASE_NOT_OPEN'],
    [
      new CorruptionError({ file: '/db/000001.sst', offset: 12, reason: 'checksum mismatch' }),
      'LEVEL_CORRUPTION',
    ],
    [
      new IOError('fsync failed', { cause: Object.assign(new Error('EIO'), { code: 'EIO' }) }),
      'LEVEL_IO_ERROR',
    ],
    [new ReadOnlyError('read-only after an I/O failure'), 'LEVEL_READONLY'],
    [new InvalidArgumentError('key must not be empty', { argument: 'key' }), 'LEVEL_INVALID_KEY'],
    [new InvalidArgumentError('value is too large', { argument: 'value' }), 'LEVEL_INVALID_VALUE'],
    [
      new InvalidArgumentError('the snapshot was released', { argument: 'options.snapshot' }),
      'LEVEL_SNAPSHOT_NOT_OPEN',
    ],
  ])('maps %s to %s, keeping the strata error as cause', (error, code) => {
    const mapped = toLevelError(error) as LevelError
    expect(mapped).toBeInstanceOf(LevelError)
    expect(mapped.code).toBe(code)
    expect(mapped.message).toBe(error.message)
    expect(mapped.cause).toBe(error)
  })

  it('says an iterator (not the database) is not open when an iterator read meets a closed error', () => {
    expect((toLevelError(new ClosedError('this iterator'), 'iterator') as LevelError).code).toBe(
      'LEVEL_ITERATOR_NOT_OPEN',
    )
  })

  it('passes through errors abstract-level has no code for', () => {
    const notFound = new StrataError(ErrorCode.NotFound, '/db does not exist')
    const badOption = new InvalidArgumentError('options.memtableBytes must be a positive integer', {
      argument: 'options.memtableBytes',
    })
    const other = new TypeError('not ours')
    expect(toLevelError(notFound)).toBe(notFound)
    expect(toLevelError(badOption)).toBe(badOption)
    expect(toLevelError(other)).toBe(other)
  })

  it('names an abort AbortError with code LEVEL_ABORTED, as abstract-level does', () => {
    const error = new AbortError('stop')
    expect(error.name).toBe('AbortError')
    expect(error.code).toBe('LEVEL_ABORTED')
    expect(error.cause).toBe('stop')
  })
})
