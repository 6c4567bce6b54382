/**
 * Errors in abstract-level's terms. Code written for classic-level branches on abstract-level's
 * codes (`LEVEL_LOCKED`, `LEVEL_DATABASE_NOT_OPEN`, ...), so every strata error that has an
 * abstract-level counterpart is rethrown as a `LevelError` with that code and strata's error as
 * its `cause` (which keeps strata's own code and details: file, offset, system code...).
 */
import { ErrorCode, InvalidArgumentError, StrataError } from '@strata/base'

/** The abstract-level codes this adapter raises itself. Never renamed (they are abstract-level's). */
export type LevelErrorCode =
  | 'LEVEL_DATABASE_NOT_OPEN'
  | 'LEVEL_ITERATOR_NOT_OPEN'
  | 'LEVEL_SNAPSHOT_NOT_OPEN'
  | 'LEVEL_LOCKED'
  | 'LEVEL_CORRUPTION'
  | 'LEVEL_IO_ERROR'
  | 'LEVEL_READONLY'
  | 'LEVEL_INVALID_KEY'
  | 'LEVEL_INVALID_VALUE'
  | 'LEVEL_DECODE_ERROR'
  | 'LEVEL_ABORTED'

/** An error with one of abstract-level's codes; `cause` is the strata error behind it, if any. */
export class LevelError extends Error {
  readonly code: LevelErrorCode

  constructor(code: LevelErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

/** An iterator read aborted through its `signal`. Its `name` is `'AbortError'`, as on the web. */
export class AbortError extends LevelError {
  constructor(cause?: unknown) {
    super('LEVEL_ABORTED', 'the iterator read was aborted through its signal', { cause })
    this.name = 'AbortError'
  }
}

/** What the failing call was working on: a closed database and a closed iterator have
 *  different abstract-level codes. */
export type ErrorSubject = 'database' | 'iterator'

const KEY_ARGUMENTS = new Set(['key', 'keys', 'target', 'start', 'end'])

function invalidArgumentCode(error: InvalidArgumentError): LevelErrorCode | undefined {
  const argument = error.argument ?? ''
  if (KEY_ARGUMENTS.has(argument) || argument.startsWith('key ')) return 'LEVEL_INVALID_KEY'
  if (argument === 'value' || argument.startsWith('value ')) return 'LEVEL_INVALID_VALUE'
  if (argument === 'options.snapshot') return 'LEVEL_SNAPSHOT_NOT_OPEN'
  return undefined
}

/** The abstract-level code for a strata error, or `undefined` when abstract-level has none
 *  (`STRATA_NOT_FOUND`, `STRATA_EXISTS`, a bad option): those are thrown as they are. */
export function levelCodeOf(
  error: StrataError,
  subject: ErrorSubject = 'database',
): LevelErrorCode | undefined {
  switch (error.code) {
    case ErrorCode.Locked:
      return 'LEVEL_LOCKED'
    case ErrorCode.Closed:
      return subject === 'iterator' ? 'LEVEL_ITERATOR_NOT_OPEN' : 'LEVEL_DATABASE_NOT_OPEN'
    case ErrorCode.Corruption:
      return 'LEVEL_CORRUPTION'
    case ErrorCode.IO:
      return 'LEVEL_IO_ERROR'
    case ErrorCode.ReadOnly:
      return 'LEVEL_READONLY'
    case ErrorCode.InvalidArgument:
      return error instanceof InvalidArgumentError ? invalidArgumentCode(error) : undefined
    default:
      return undefined
  }
}

/** `error` in abstract-level's terms: a `LevelError` with strata's error as `cause` when there is
 *  a matching code; anything else unchanged. */
export function toLevelError(error: unknown, subject: ErrorSubject = 'database'): unknown {
  if (!(error instanceof StrataError)) return error
  const code = levelCodeOf(error, subject)
  return code === undefined ? error : new LevelError(code, error.message, { cause: error })
}
