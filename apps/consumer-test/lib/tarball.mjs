/**
 * Reads a package tarball (.tgz) into memory: its files by path (without the leading
 * `package/`), with their sizes. Only regular files; enough for npm/pnpm tarballs.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

const BLOCK = 512

/** @param {string} path @returns {Map<string, Buffer>} */
export function readTarball(path) {
  const archive = gunzipSync(readFileSync(path))
  const files = new Map()
  let offset = 0
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) break
    const name = cString(header.subarray(0, 100))
    const size = Number.parseInt(cString(header.subarray(124, 136)).trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 48)
    const prefix = cString(header.subarray(345, 500))
    const fullName = prefix ? `${prefix}/${name}` : name
    const start = offset + BLOCK
    if (type === '0' || type === '\0')
      files.set(fullName.replace(/^package\//, ''), archive.subarray(start, start + size))
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
  return files
}

/** @param {Buffer} bytes */
function cString(bytes) {
  const end = bytes.indexOf(0)
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8')
}
