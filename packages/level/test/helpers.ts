import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

const made: string[] = []

/** A fresh directory under the OS temp dir, removed after the test. */
export function temporaryDirectory(prefix = 'strata-level-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix))
  made.push(directory)
  return directory
}

afterEach(() => {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true })
})

/** A small deterministic PRNG (mulberry32) so randomised tests replay from their seed. */
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

/** The seed of a randomised test: STRATA_SEED if set (to replay), else a fresh one. Printed. */
export function seedFor(name: string): number {
  const seed =
    process.env.STRATA_SEED === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(process.env.STRATA_SEED)
  console.log(`${name}: seed ${seed} (replay with STRATA_SEED=${seed})`)
  return seed
}

/** Hex of each key, to compare and print binary keys readably. */
export const hex = (data: Uint8Array) => Buffer.from(data).toString('hex')
