/**
 * Options of `WALWriter` / `WALManager.open`, their defaults, and their checks.
 */
import { describeType, type FileSystem, InvalidArgumentError, nodeFileSystem } from '@strata/base'

/**
 * How replay treats a log that does not end cleanly.
 * - `tolerate-tail` (default): an incomplete final frame (the process or machine died mid-write)
 *   is dropped and reported; any other damage is a `WALCorruptError`.
 * - `point-in-time`: replay stops at the first bad frame of any kind, returns what came before
 *   it and reports where it stopped; everything from there on is dropped before new appends.
 * - `strict`: any damage, a torn tail included, is a `WALCorruptError`.
 */
export type RecoveryMode = 'tolerate-tail' | 'point-in-time' | 'strict'

export const RECOVERY_MODES: readonly RecoveryMode[] = ['tolerate-tail', 'point-in-time', 'strict']

export interface WALOptions {
  /** Where files live. Default `nodeFileSystem` (the real disk); tests pass a
   *  `MemoryFileSystem` or a `FaultyFileSystem`. */
  fs?: FileSystem
  /** What replay accepts; see `RecoveryMode`. Default `'tolerate-tail'`. */
  recovery?: RecoveryMode
  /** Receives problems that must not throw (a failed fsync or close inside `close()`).
   *  Default: `console.warn`. */
  onWarning?: (message: string, error: unknown) => void
}

export interface AppendOptions {
  /** `true` (default): resolve only once the entry is on disk (fdatasync), surviving a power
   *  cut; concurrent appends share one fsync. `false`: resolve once the OS has the bytes (one
   *  write, no fsync): survives a process crash, not a power cut. */
  sync?: boolean
}

export interface ResolvedOptions {
  fs: FileSystem
  recovery: RecoveryMode
  onWarning: (message: string, error: unknown) => void
}

function defaultWarning(message: string, error: unknown): void {
  console.warn(`[@strata/wal] ${message}`, error)
}

const FILE_SYSTEM_METHODS = ['openSync', 'writeSync', 'readFileSync', 'write', 'fdatasync', 'rename'] as const

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined)
    return { fs: nodeFileSystem, recovery: 'tolerate-tail', onWarning: defaultWarning }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`options must be an object or undefined, got ${describeType(options)}`, {
      argument: 'options',
    })
  }
  const { fs, recovery, onWarning } = options as Record<string, unknown>
  if (
    fs !== undefined &&
    (typeof fs !== 'object' ||
      fs === null ||
      FILE_SYSTEM_METHODS.some((name) => typeof (fs as Record<string, unknown>)[name] !== 'function'))
  ) {
    throw new InvalidArgumentError(
      `options.fs must implement @strata/base's FileSystem (e.g. nodeFileSystem, MemoryFileSystem), got ${describeType(fs)}`,
      { argument: 'options.fs' },
    )
  }
  if (recovery !== undefined && !RECOVERY_MODES.includes(recovery as RecoveryMode)) {
    throw new InvalidArgumentError(
      `options.recovery must be one of ${RECOVERY_MODES.map((mode) => `'${mode}'`).join(', ')}, got ${
        typeof recovery === 'string' ? `'${recovery}'` : describeType(recovery)
      }`,
      { argument: 'options.recovery' },
    )
  }
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw new InvalidArgumentError(`options.onWarning must be a function, got ${describeType(onWarning)}`, {
      argument: 'options.onWarning',
    })
  }
  return {
    fs: (fs as FileSystem | undefined) ?? nodeFileSystem,
    recovery: (recovery as RecoveryMode | undefined) ?? 'tolerate-tail',
    onWarning: (onWarning as ResolvedOptions['onWarning'] | undefined) ?? defaultWarning,
  }
}

/** The `sync` flag of an append, checked. */
export function resolveSync(options: unknown): boolean {
  if (options === undefined) return true
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `options must be an object like { sync: true }, got ${describeType(options)}`,
      {
        argument: 'options',
      },
    )
  }
  const { sync } = options as { sync?: unknown }
  if (sync === undefined) return true
  if (typeof sync !== 'boolean') {
    throw new InvalidArgumentError(`options.sync must be true or false, got ${describeType(sync)}`, {
      argument: 'options.sync',
    })
  }
  return sync
}
