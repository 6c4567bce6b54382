import { describe, expect, it } from 'vitest'
import { CorruptionError, ErrorCode, IOError, StrataError, toIOError } from './errors.js'

describe('errors', () => {
  it('carry a stable code and work with instanceof across the hierarchy', () => {
    const error = new CorruptionError({ file: '/db/000001.sst', offset: 4096, reason: 'checksum mismatch' })
    expect(error).toBeInstanceOf(StrataError)
    expect(error.code).toBe(ErrorCode.Corruption)
    expect(error.name).toBe('CorruptionError')
    expect(error.message).toBe('/db/000001.sst is damaged at byte 4096: checksum mismatch')
  })

  it('wrap a system error into an IOError with its system code and cause', () => {
    const cause = Object.assign(new Error('no space left on device'), { code: 'ENOSPC', syscall: 'write' })
    const error = toIOError(cause, 'appending to the WAL', '/db/wal.log')
    expect(error).toBeInstanceOf(IOError)
    expect(error).toMatchObject({
      code: 'STRATA_IO',
      systemCode: 'ENOSPC',
      syscall: 'write',
      path: '/db/wal.log',
    })
    expect(error.cause).toBe(cause)
    expect(toIOError(error, 'again')).toBe(error)
  })
})
