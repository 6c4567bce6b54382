/**
 * How the `strata` command fails: every failure becomes one line, `strata: <what went wrong> —
 * <what to do>`, and an exit code that means something. The stack is printed only with --debug.
 */
import { statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ErrorCode, StrataError } from '@strata/engine'
import { directoryKind, repairHint } from './directory-kind.js'

/** Exit codes of the `strata` command. Public: scripts branch on them. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** A runtime failure: a damaged file, a locked or missing directory, a failed write. */
  Failure: 1,
  /** A usage error: unknown command or option, a missing or malformed argument. */
  Usage: 2,
  /** `get` found no value for the key (nothing went wrong). */
  NotFound: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A failure the CLI itself detected, with what went wrong and what to do about it. */
export class CliError extends Error {
  readonly hint: string
  readonly exitCode: ExitCode

  constructor(what: string, hint: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(what, options.cause === undefined ? undefined : { cause: options.cause })
    this.hint = hint
    this.exitCode = options.exitCode ?? ExitCode.Failure
  }
}

/** Bad arguments: exit code 2, and the usage of the command is shown. */
export class UsageError extends CliError {
  constructor(what: string, hint = 'see `strata --help`') {
    super(what, hint, { exitCode: ExitCode.Usage })
  }
}

/** The one line (without the `strata: ` prefix) and the exit code for any thrown value. */
export function describeFailure(error: unknown): { line: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { line: `${error.message} — ${error.hint}`, exitCode: error.exitCode }
  if (error instanceof StrataError) {
    const { line, exitCode } = describeStrataError(error)
    return { line: `${error.code}: ${line}`, exitCode }
  }
  const system = error as NodeJS.ErrnoException
  if (typeof system?.code === 'string' && typeof system.syscall === 'string') {
    return { line: `${systemFailure(system)} — ${systemHint(system.code, system.path)}`, exitCode: 1 }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    line: `unexpected failure: ${message} — rerun with --debug to see the stack, and please report it`,
    exitCode: ExitCode.Failure,
  }
}

function systemFailure(error: NodeJS.ErrnoException): string {
  const what = error.path === undefined ? error.syscall : `${error.syscall} ${error.path}`
  if (error.code === 'ENOENT') return `${error.path ?? 'a file'} does not exist`
  if (error.code === 'EACCES' || error.code === 'EPERM') return `permission denied: ${what}`
  if (error.code === 'EISDIR') return `${error.path ?? 'the path'} is a directory, not a file`
  return `${what} failed (${error.code})`
}

function systemHint(code: string | undefined, path: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
      return 'free some disk space, then run the command again (nothing acknowledged was lost)'
    case 'EACCES':
    case 'EPERM':
      return `check the permissions of ${path ?? 'the directory'}`
    case 'ENOENT':
      return 'check the path'
    case 'EISDIR':
      return 'pass a file'
    default:
      return 'check the disk and the path, then run the command again'
  }
}

function describeStrataError(error: StrataError): { line: string; exitCode: ExitCode } {
  const details = error as StrataError & {
    file?: string
    offset?: number
    reason?: string
    path?: string
    systemCode?: string
    ownerPid?: number
    lastGoodSeq?: number
  }
  switch (error.code) {
    case ErrorCode.Locked: {
      const owner = details.ownerPid === undefined ? 'another process' : `process ${details.ownerPid}`
      return {
        line: `${details.path} is in use by ${owner} — close that process first (one process may open a database directory at a time)`,
        exitCode: ExitCode.Failure,
      }
    }
    case ErrorCode.Corruption: {
      const file = details.file ?? 'a file'
      const isWal = /wal\.log$/.test(file)
      const reason = details.reason === undefined ? '' : `: ${details.reason}`
      const seq = details.lastGoodSeq === undefined ? '' : ` (last good seq ${details.lastGoodSeq})`
      // Repair is suggested only for a file of a database directory (never for a loose copy).
      const directory = databaseDirectoryOf(file)
      const repair = directory === undefined ? '' : `; or ${repairHint(directory)}`
      if (/strata repair/.test(`${details.reason ?? ''} ${error.message}`) && !isInspectable(details.file)) {
        // Metadata is missing (CURRENT, IDENTITY, a table): no file to inspect, and never a
        // command that would create a database over it.
        return {
          line: `${error.message} — do not write to it; rebuild it with \`strata repair\``,
          exitCode: ExitCode.Failure,
        }
      }
      return {
        line:
          `${file} is damaged at byte ${details.offset ?? 0}${reason}${seq} — run \`strata inspect ${file}\` to see the damage` +
          (isWal
            ? '; reopen with --wal-recovery point-in-time to keep everything before it, or restore the file from a backup'
            : '; restore the file from a backup') +
          repair,
        exitCode: ExitCode.Failure,
      }
    }
    case ErrorCode.NotFound:
      return {
        line: `${error.message.replace(/;.*$/, '')} — check the path`,
        exitCode: ExitCode.Failure,
      }
    case ErrorCode.IO:
      return {
        line: `${error.message} — ${systemHint(details.systemCode, details.path)}`,
        exitCode: ExitCode.Failure,
      }
    case ErrorCode.NotADatabase:
      return {
        line: `${error.message} — pass an empty directory or one that holds a strata database`,
        exitCode: ExitCode.Failure,
      }
    case ErrorCode.ReadOnly:
      return {
        line: `${error.message} — fix the disk problem, then run the command again (the database reopens writable)`,
        exitCode: ExitCode.Failure,
      }
    case ErrorCode.InvalidArgument:
      return { line: `${error.message} — see \`strata --help\``, exitCode: ExitCode.Usage }
    default:
      return { line: `${error.message} — rerun with --debug for details`, exitCode: ExitCode.Failure }
  }
}

/** The database directory `path` (a directory, or a file in one) belongs to, if it looks like one
 *  (holds CURRENT, or strata's files without it). */
function databaseDirectoryOf(path: string): string | undefined {
  for (const candidate of [path, dirname(path)]) {
    const kind = directoryKind(candidate).kind
    if (kind === 'database' || kind === 'damaged') return candidate
  }
  return undefined
}

/** A damaged file that is there to inspect (a regular file at that path). */
function isInspectable(file: string | undefined): boolean {
  return file !== undefined && statSync(file, { throwIfNoEntry: false })?.isFile() === true
}
