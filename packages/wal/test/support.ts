/** Shared helpers of the WAL tests: entries, a seeded random source, temp directories. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import { SALT_OFFSET } from '../src/format.js'
import { WALEntry } from '../src/index.js'
import { encodeSaltedFrame } from '../src/salted-frame.js'

/** The seeded PRNG every randomised test uses (mulberry32, from @strata/base). */
export const random = seededRandom

/** The seed of a randomised test: WAL_SEED if set (to replay), else a fresh one. Printed. */
export function seedFor(name: string): number {
  return testSeed(name, 'WAL_SEED')
}

const encoder = new TextEncoder()

/** A deterministic entry for `seq`: every 5th a Delete, the rest Puts whose value names the seq. */
export function entryFor(seq: number, valueBytes = 20): WALEntry {
  const key = encoder.encode(`key-${seq % 97}`)
  if (seq % 5 === 0) return new WALEntry(seq, 1_700_000_000_000 + seq, 2, key, null)
  const value = new Uint8Array(valueBytes)
  value.set(encoder.encode(`value-${seq}`).subarray(0, valueBytes))
  return new WALEntry(seq, 1_700_000_000_000 + seq, 1, key, value)
}

/** Plain data of an entry, for deep equality. */
export function plain(entry: WALEntry): [number, number, number, number[], number[] | null] {
  return [
    entry.seq,
    entry.timestampMs,
    entry.op,
    [...entry.key],
    entry.value === null ? null : [...entry.value],
  ]
}

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export function tempDirectory(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'strata-wal-test-'))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

/** The salt in the header of a format-3 WAL file's `bytes`. */
export function saltOf(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(SALT_OFFSET)
}

/** A frame around `payload` as the format-3 file `bytes` writes it (its salt). */
export function frameLike(bytes: Uint8Array, payload: Uint8Array): Buffer {
  return encodeSaltedFrame(payload, saltOf(bytes))
}
