/**
 * approximateBytes against the real heap: each shape is written into a fresh memtable in a child
 * process started with --expose-gc (test/fixtures/heap-probe.ts), which reports the growth of V8
 * heap plus array buffers after full GCs. The estimate must be within 25% of it.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const probe = fileURLToPath(new URL('./fixtures/heap-probe.ts', import.meta.url))
const packageDirectory = fileURLToPath(new URL('..', import.meta.url))

function measure(shape: object): { approximate: number; real: number; count: number } {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', probe, JSON.stringify(shape)],
    {
      cwd: packageDirectory,
      encoding: 'utf8',
    },
  )
  return JSON.parse(output)
}

const shapes = {
  'random 16-byte keys, 100-byte values': { keys: 100_000, keyBytes: 16, valueBytes: 100 },
  'small keys, empty values': { keys: 100_000, keyBytes: 8, valueBytes: 0 },
  '4 KB values': { keys: 10_000, keyBytes: 16, valueBytes: 4000 },
  'four versions per key with tombstones': {
    keys: 25_000,
    keyBytes: 16,
    valueBytes: 50,
    versions: 4,
    deleteEvery: 5,
  },
  'long keys sharing a 20-byte prefix': { keys: 50_000, keyBytes: 40, valueBytes: 10, sharedPrefixBytes: 20 },
  'keys sharing 16 bytes, colliding on later slices': {
    keys: 50_000,
    keyBytes: 24,
    valueBytes: 20,
    sharedPrefixBytes: 16,
  },
}

describe('approximateBytes', () => {
  for (const [name, shape] of Object.entries(shapes)) {
    it(`is within 25% of the real heap growth: ${name}`, () => {
      const { approximate, real, count } = measure(shape)
      console.log(
        `${name}: approximateBytes ${approximate}, real ${real}, ratio ${(approximate / real).toFixed(3)}`,
      )
      expect(count).toBeGreaterThan(0)
      expect(approximate / real).toBeGreaterThan(0.75)
      expect(approximate / real).toBeLessThan(1.25)
    })
  }
})
