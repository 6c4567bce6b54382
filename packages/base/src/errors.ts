/**
 * strata's errors. Every error thrown by a strata package is a `StrataError` with a stable
 * `code`; callers branch on `code` (or `instanceof`), never on the message. Messages say what
 * was wrong and what is allowed.
 */

/** Stable error codes. Public API: never renamed once released. */
export const ErrorCode = {
  InvalidArgument: 'STRATA_INVALID_ARGUMENT',
  Closed: 'STRATA_CLOSED',
  Locked: 'STRATA_LOCKED',
  Corruption: 'STRATA_CORRUPTION',
  IO: 'STRATA_IO',
  ReadOnly: 'STRATA_READ_ONLY',
  NotFound: 'STRATA_NOT_FOUND',
  Exists: 'STRATA_EXISTS',
  NotADatabase: 'STRATA_NOT_A_DATABASE',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface StrataErrorOptions {
  cause?: unknown
}

/** Base class of every strata error: `instanceof StrataError` works across packages. */
export class StrataError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

/** A caller passed something strata does not accept: the message names it and what is allowed. */
export class InvalidArgumentError extends StrataError {
  /** The argument or option that was rejected, e.g. `key` or `options.memtableBytes`. */
  readonly argument: string | undefined

  constructor(message: string, options: StrataErrorOptions & { argument?: string } = {}) {
    super(ErrorCode.InvalidArgument, message, options)
    this.argument = options.argument
  }
}

/** The object (writer, table, database, iterator) was used after `close()`. */
export class ClosedError extends StrataError {
  constructor(what: string, options: StrataErrorOptions = {}) {
    super(ErrorCode.Closed, `${what} is closed; open it again to use it`, options)
  }
}

/** The directory is held by another open database (in this process or another). */
export class LockedError extends StrataError {
  readonly path: string

  constructor(path: string, options: StrataErrorOptions = {}) {
    super(
      ErrorCode.Locked,
      `${path} is locked by another open database; close it first (one process may open a directory at a time)`,
      options,
    )
    this.path = path
  }
}

export interface CorruptionDetails extends StrataErrorOptions {
  /** The damaged file. */
  file: string
  /** Byte offset of the damage within the file. */
  offset: number
  /** What is damaged, in a few words (e.g. "checksum mismatch", "bad magic"). */
  reason: string
}

/** Stored data failed a check (checksum, magic, length, decoding). Never returned as data. */
export class CorruptionError extends StrataError {
  readonly file: string
  readonly offset: number
  readonly reason: string

  constructor(details: CorruptionDetails, message?: string) {
    super(
      ErrorCode.Corruption,
      message ?? `${details.file} is damaged at byte ${details.offset}: ${details.reason}`,
      details,
    )
    this.file = details.file
    this.offset = details.offset
    this.reason = details.reason
  }
}

/** The operating system refused an operation (disk full, fsync failure, permission...). */
export class IOError extends StrataError {
  readonly path: string | undefined
  readonly syscall: string | undefined
  /** The system error code, e.g. `ENOSPC`, `EIO`, `EACCES`. */
  readonly systemCode: string | undefined

  constructor(message: string, options: StrataErrorOptions & { path?: string; syscall?: string } = {}) {
    super(ErrorCode.IO, message, options)
    this.path = options.path
    this.syscall = options.syscall
    const cause = options.cause as { code?: unknown } | undefined
    this.systemCode = typeof cause?.code === 'string' ? cause.code : undefined
  }
}

/** `open()` was pointed at a non-empty directory that is not a strata database (it has no
 *  IDENTITY marker and no CURRENT). Nothing in it was touched. */
export class NotADatabaseError extends StrataError {
  readonly path: string
  /** Some of the entries found in the directory (at most 10). */
  readonly found: string[]

  constructor(path: string, found: string[], options: StrataErrorOptions = {}) {
    const shown = found.slice(0, 10)
    super(
      ErrorCode.NotADatabase,
      `${path} is not a strata database: it holds ${found.length} entr${found.length === 1 ? 'y' : 'ies'} ` +
        `(${shown.join(', ')}${found.length > shown.length ? ', ...' : ''}) but no IDENTITY or CURRENT file; ` +
        'strata opens only an empty directory or its own database, and touched nothing here',
      options,
    )
    this.path = path
    this.found = shown
  }
}

/** A write was refused because an earlier I/O failure left the store read-only. */
export class ReadOnlyError extends StrataError {
  constructor(message: string, options: StrataErrorOptions = {}) {
    super(ErrorCode.ReadOnly, message, options)
  }
}

/** Wraps an unknown failure from the OS into an `IOError` (a `StrataError` passes through). */
export function toIOError(error: unknown, action: string, path?: string): StrataError {
  if (error instanceof StrataError) return error
  const system = error as { code?: unknown; syscall?: unknown; message?: unknown }
  const code = typeof system?.code === 'string' ? ` (${system.code})` : ''
  const detail = typeof system?.message === 'string' ? `: ${system.message}` : ''
  return new IOError(`${action} failed${path === undefined ? '' : ` for ${path}`}${code}${detail}`, {
    cause: error,
    ...(path === undefined ? {} : { path }),
    ...(typeof system?.syscall === 'string' ? { syscall: system.syscall } : {}),
  })
}
