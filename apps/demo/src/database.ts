/**
 * Opening a database for a command. Read commands (get, scan, stats...) never create one: a
 * missing directory or one without a database is a clear one-line failure, not a fresh empty
 * database that answers "not found" to everything.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type Database, open, type WalRecovery } from '@strata/engine'
import { CliError, UsageError } from './failure.js'

export const WAL_RECOVERY_MODES: readonly WalRecovery[] = ['tolerate-tail', 'point-in-time', 'strict']

export interface DatabaseCommandOptions {
  /** Create the directory and an empty database when missing (writes); default false. */
  create?: boolean
  walRecovery?: string
}

/** Checks that `directory` holds a database (or may get one) before opening it. */
export function checkDirectory(directory: string, create: boolean): void {
  const stat = statSync(directory, { throwIfNoEntry: false })
  if (stat === undefined) {
    if (create) return
    throw new CliError(
      `${directory} does not exist`,
      'check the path (`strata put <dir> <key> <value>` or `strata load` creates a database)',
    )
  }
  if (!stat.isDirectory()) {
    throw new CliError(
      `${directory} is a file, not a database directory`,
      'pass the directory that holds CURRENT and wal.log (`strata inspect <file>` dumps one file)',
    )
  }
  // A non-empty directory without CURRENT is left to open(): it says whether it is damaged (a
  // database that lost CURRENT) or not a database at all, and changes nothing either way.
  if (
    !create &&
    statSync(join(directory, 'CURRENT'), { throwIfNoEntry: false }) === undefined &&
    readdirSync(directory).length === 0
  ) {
    throw new CliError(
      `${directory} holds no strata database (no CURRENT file)`,
      'check the path (`strata put` or `strata load` creates a database)',
    )
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
  return open(directory, { createIfMissing: create, walRecovery: walRecovery as WalRecovery })
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
