import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { fixtureContents } from './fixtures/directory-format-1-contents.js'
import { temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/directory-format-1', import.meta.url))

describe('a database saved by directory format 1 (no IDENTITY marker)', () => {
  it('opens and reads back every key and value exactly, by get and by a full scan', async () => {
    const directory = join(temporaryDirectory(), 'db')
    cpSync(fixture, directory, { recursive: true })
    const expected = fixtureContents()
    expect(expected.size).toBeGreaterThan(200)
    for (const round of [1, 2]) {
      const database = await open<string, string>(directory, {
        keyEncoding: 'utf8',
        valueEncoding: 'utf8',
        createIfMissing: false,
      })
      const levels = database.stats().levels
      expect(levels[0]!.files, `round ${round}: a level-0 table`).toBeGreaterThan(0)
      expect(
        levels.slice(1).some((level) => level.files > 0),
        `round ${round}: a deeper table`,
      ).toBe(true)
      for (const [key, value] of expected) expect(await database.get(key)).toBe(value)
      const scanned = new Map<string, string>()
      for await (const [key, value] of database.iterator()) scanned.set(key, value)
      expect(scanned).toEqual(expected)
      await database.close()
    }
  })
})
