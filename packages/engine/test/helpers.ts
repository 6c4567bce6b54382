import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import { afterEach } from 'vitest'

const made: string[] = []

/** A fresh directory under the OS temp dir, removed after the test. */
export function temporaryDirectory(prefix = 'strata-engine-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix))
  made.push(directory)
  return directory
}

afterEach(() => {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true })
})

export const bytes = (text: string) => Buffer.from(text, 'utf8')
export const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : Buffer.from(data).toString('utf8')

/** The seeded PRNG every randomised test uses (mulberry32, from @strata/base). */
export const random = seededRandom

/** The seed of a randomised test: STRATA_SEED if set (to replay), else a fresh one. Printed. */
export function seedFor(name: string): number {
  return testSeed(name, 'STRATA_SEED')
}
