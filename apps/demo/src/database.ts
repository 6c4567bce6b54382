/**
 * Opening a database for a command. Read commands (get, scan, stats...) never create one: a
 * missing directory or one without a database is a clear one-line failure, not a fresh empty
 * database that answers "not found" to everything.
 */
import { type Database, open, type WalRecovery } from '@strata/engine'
import { describeFound, directoryKind, repairHint } from './directory-kind.js'
import { CliError, UsageError } from './failure.js'

export const WAL_RECOVERY_MODES: readonly WalRecovery[] = ['tolerate-tail', 'point-in-time', 'strict']

export interface DatabaseCommandOptions {
  /** Open without the lock, beside another process's writer (reads only; `refresh()` catches up). */
  readOnly?: boolean
  /** Create the directory and an empty database when missing (writes); default false. */
  create?: boolean
  walRecovery?: string
}

/** Checks that `directory` holds a database (or may get one) before opening it. A directory
 *  with strata's files but no CURRENT is a damaged database: refused for writes too, with the
 *  repair hint. */
export function checkDirectory(directory: string, create: boolean): void {
  const found = directoryKind(directory)
  switch (found.kind) {
    case 'absent':
      if (create) return
      throw new CliError(
        `${directory} does not exist`,
        'check the path (`strata put <dir> <key> <value>` or `strata load` creates a database there)',
      )
    case 'file':
      throw new CliError(
        `${directory} is a file, not a database directory`,
        'pass the directory that holds CURRENT and wal.log (`strata inspect <file>` dumps one file)',
      )
    case 'damaged':
      throw new CliError(
        `${directory} holds a damaged strata database: ${describeFound(found.found)} but no CURRENT file`,
        repairHint(directory),
      )
    case 'empty':
    case 'foreign':
      if (create) return
      throw new CliError(
        `${directory} holds no strata database (no CURRENT file${found.kind === 'empty' ? '; it is empty' : ''})`,
        'check the path',
      )
    case 'database':
      return
  }
}

/** Opens the database in `directory` with binary keys and values. */
export async function openDatabase(
  directory: string,
  options: DatabaseCommandOptions = {},
): Promise<Database> {
  const create = options.create ?? false
  const walRecovery = options.walRecovery ?? 'tolerate-tail'
  if (!WAL_RECOVERY_MODES.includes(walRecovery as WalRecovery)) {
    throw new UsageError(
      `--wal-recovery ${walRecovery} is not a recovery mode`,
      `use one of ${WAL_RECOVERY_MODES.join(', ')}`,
    )
  }
  checkDirectory(directory, create)
  return open(directory, {
    createIfMissing: create,
    walRecovery: walRecovery as WalRecovery,
    ...(options.readOnly ? { readOnly: true } : {}),
  })
}

/** Runs `work` with the database open, and closes it afterwards (also when `work` fails). */
export async function withDatabase<T>(
  directory: string,
  options: DatabaseCommandOptions,
  work: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(directory, options)
  let result: T
  try {
    result = await work(database)
  } catch (error) {
    await database.close().catch(() => {})
    throw error
  }
  await database.close()
  return result
}
