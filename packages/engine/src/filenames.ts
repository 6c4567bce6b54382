/**
 * Names of the files in a database directory (see docs/format.md, "Database directory").
 * Table files and manifests are numbered from one counter (`nextFileNumber` in the manifest).
 */
import { join } from 'node:path'

export const LOCK_FILE = 'LOCK'
export const CURRENT_FILE = 'CURRENT'
export const WAL_FILE = 'wal.log'
/** The directory's identity marker (docs/format.md, "IDENTITY"). */
export const IDENTITY_FILE = 'IDENTITY'

/** `000042.sst` */
export function tableFileName(fileNumber: number): string {
  return `${String(fileNumber).padStart(6, '0')}.sst`
}

/** `MANIFEST-000007` */
export function manifestFileName(fileNumber: number): string {
  return `MANIFEST-${String(fileNumber).padStart(6, '0')}`
}

export type ParsedFileName =
  | { kind: 'table'; fileNumber: number }
  | { kind: 'manifest'; fileNumber: number }
  | { kind: 'temporary' }
  | { kind: 'other' }

/** What a directory entry is, by its name. */
export function parseFileName(name: string): ParsedFileName {
  let match = /^(\d{6,})\.sst$/.exec(name)
  if (match) return { kind: 'table', fileNumber: Number(match[1]) }
  match = /^MANIFEST-(\d{6,})$/.exec(name)
  if (match) return { kind: 'manifest', fileNumber: Number(match[1]) }
  if (/^(CURRENT|IDENTITY|wal\.log|MANIFEST-\d{6,}|\d{6,}\.sst)\.tmp$/.test(name))
    return { kind: 'temporary' }
  return { kind: 'other' }
}

export function pathIn(directory: string, name: string): string {
  return join(directory, name)
}
