/** Shared helpers of the WAL tests: entries, a seeded random source, temp directories. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WALEntry } from '../src/index.js'

/** A seeded PRNG (mulberry32). Tests print their seed; set WAL_SEED to replay one. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed for a randomised test: WAL_SEED if set, else a fresh one. Printed either way. */
export function seedFor(name: string): number {
  const seed =
    process.env.WAL_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.WAL_SEED)
  console.log(`${name}: seed ${seed} (replay with WAL_SEED=${seed})`)
  return seed
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
