/**
 * The IDENTITY marker: the file that makes a directory a strata database. Written once, when the
 * database is created (before its manifest and CURRENT) or when a database of directory format 1
 * is first opened; its id is also recorded in the manifest, so each vouches for the other.
 * Layout (32 bytes, docs/format.md, "IDENTITY"):
 *
 *   [0, 8)   magic "STRATADB"
 *   [8, 12)  u32 LE directory format version
 *   [12, 28) database id, 16 random bytes
 *   [28, 32) u32 LE CRC32C of bytes [0, 28)
 */
import { randomBytes } from 'node:crypto'
import { CorruptionError, crc32c, type FileSystem } from '@strata/base'
import { IDENTITY_FILE, pathIn } from './filenames.js'
import { writeFileAtomically } from './manifest.js'

/** The directory format this build writes. 1: no IDENTITY marker; 2: IDENTITY + the id in the
 *  manifest. On disk. */
export const DIRECTORY_FORMAT_VERSION = 2

const MAGIC = Buffer.from('STRATADB', 'latin1')
const IDENTITY_BYTES = 32

export interface DatabaseIdentity {
  /** 32 lowercase hex digits. */
  id: string
  formatVersion: number
}

/** A fresh database id. */
export function newDatabaseId(): string {
  return randomBytes(16).toString('hex')
}

export function encodeIdentity(id: string): Uint8Array {
  const data = Buffer.alloc(IDENTITY_BYTES)
  MAGIC.copy(data, 0)
  data.writeUInt32LE(DIRECTORY_FORMAT_VERSION, 8)
  Buffer.from(id, 'hex').copy(data, 12)
  data.writeUInt32LE(crc32c(data.subarray(0, 28)), 28)
  return data
}

/** Decodes an IDENTITY file; a `CorruptionError` names what is wrong. */
export function decodeIdentity(data: Uint8Array, file: string): DatabaseIdentity {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const damaged = (reason: string, offset = 0) => new CorruptionError({ file, offset, reason })
  if (bytes.length !== IDENTITY_BYTES) {
    throw damaged(`the identity marker is ${bytes.length} bytes long (it is ${IDENTITY_BYTES})`)
  }
  if (!bytes.subarray(0, 8).equals(MAGIC)) throw damaged('the identity marker has no STRATADB magic')
  if (bytes.readUInt32LE(28) !== crc32c(bytes.subarray(0, 28))) {
    throw damaged('the identity marker fails its checksum', 28)
  }
  const formatVersion = bytes.readUInt32LE(8)
  if (formatVersion > DIRECTORY_FORMAT_VERSION) {
    throw damaged(
      `directory format version ${formatVersion} is newer than this strata reads (${DIRECTORY_FORMAT_VERSION})`,
      8,
    )
  }
  return { id: bytes.subarray(12, 28).toString('hex'), formatVersion }
}

/** The directory's identity, or `undefined` when it has no IDENTITY file. */
export function readIdentity(fs: FileSystem, directory: string): DatabaseIdentity | undefined {
  const path = pathIn(directory, IDENTITY_FILE)
  if (fs.statSync(path) === undefined) return undefined
  return decodeIdentity(fs.readFileSync(path), path)
}

/** Writes IDENTITY durably: temporary file, fsync, rename, directory fsync. */
export async function writeIdentity(fs: FileSystem, directory: string, id: string): Promise<void> {
  await writeFileAtomically(fs, directory, IDENTITY_FILE, encodeIdentity(id))
}
