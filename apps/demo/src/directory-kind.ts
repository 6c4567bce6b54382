/**
 * What a directory holds, as far as the `strata` command's hints care: nothing, a strata
 * database, the remains of one that lost its CURRENT file, or somebody else's files. A hint never
 * suggests a command that writes (`strata put`, `strata load`) unless the directory is absent: a
 * database created over a damaged one would hide what is still readable.
 */
import { readdirSync, statSync } from 'node:fs'

/** Names only strata writes into a database directory (besides CURRENT). */
const STRATA_FILE = /^(\d{6,}\.sst(\.tmp)?|MANIFEST-\d{6,}(\.tmp)?|wal\.log|LOCK|IDENTITY|STRATA)$/

export type DirectoryKind =
  | { kind: 'absent' }
  | { kind: 'file' }
  | { kind: 'database' }
  /** strata's files without CURRENT: a damaged database. */
  | { kind: 'damaged'; found: string[] }
  | { kind: 'empty' }
  | { kind: 'foreign' }

export function directoryKind(directory: string): DirectoryKind {
  const stat = statSync(directory, { throwIfNoEntry: false })
  if (stat === undefined) return { kind: 'absent' }
  if (!stat.isDirectory()) return { kind: 'file' }
  const names = readdirSync(directory)
  if (names.includes('CURRENT')) return { kind: 'database' }
  const found = names.filter((name) => STRATA_FILE.test(name) && name !== 'LOCK').sort()
  if (found.length > 0) return { kind: 'damaged', found }
  return names.length === 0 ? { kind: 'empty' } : { kind: 'foreign' }
}

/** A short list of the strata files found, e.g. `MANIFEST-000004, wal.log and 3 tables`. */
export function describeFound(found: string[]): string {
  const tables = found.filter((name) => /\.sst$/.test(name)).length
  const others = found.filter((name) => !/\.sst$/.test(name))
  const parts = [...others, ...(tables > 0 ? [`${tables} table${tables > 1 ? 's' : ''}`] : [])]
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!
}

/** The hint for a damaged database in `directory`. */
export function repairHint(directory: string): string {
  return `run \`strata repair ${directory}\` to rebuild it from what is readable (damaged files are moved to lost/, never deleted); do not write to it before`
}
