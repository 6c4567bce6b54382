/**
 * fixtures/directory-wal-format-2 is a database the last build with WAL format 2 left behind when
 * its process exited without closing it (a crash): tables, and a format-2 WAL holding 86 writes
 * after the last flush (deletes, an atomic batch). Every build opens a copy, reads every key
 * back, and keeps it readable after its first write rewrites the WAL as format 3.
 */
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/directory-wal-format-2', import.meta.url))
const expected = new Map<string, string>(
  Object.entries(
    JSON.parse(
      readFileSync(
        fileURLToPath(new URL('./fixtures/directory-wal-format-2-expected.json', import.meta.url)),
        'utf8',
      ),
    ),
  ),
)

const walVersion = (directory: string) => readFileSync(join(directory, 'wal.log')).readUInt32LE(4)

async function contents(directory: string): Promise<Map<string, string>> {
  const database = await open<string, string>(directory, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    createIfMissing: false,
  })
  const scanned = new Map<string, string>()
  for await (const [key, value] of database.iterator()) scanned.set(key, value)
  for (const [key, value] of expected) expect(await database.get(key)).toBe(value)
  await database.close()
  return scanned
}

describe('a database whose WAL is format 2 (left by a crash of that build)', () => {
  it('opens and reads back every write, the WAL replayed in full', async () => {
    const directory = join(temporaryDirectory(), 'db')
    cpSync(fixture, directory, { recursive: true })
    expect(walVersion(directory)).toBe(2)
    expect(expected.size).toBeGreaterThan(250)
    expect(await contents(directory)).toEqual(expected)
  })

  it('rewrites the WAL as format 3 at its first write, losing nothing', async () => {
    const directory = join(temporaryDirectory(), 'db')
    cpSync(fixture, directory, { recursive: true })
    const database = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await database.put('after', 'format 3')
    expect(walVersion(directory)).toBe(3)
    expect(database.stats().walFileBytes).toBeGreaterThan(database.stats().walBytes)
    await database.close()
    expect(await contents(directory)).toEqual(new Map([...expected, ['after', 'format 3']]))
    expect(walVersion(directory)).toBe(3)
  })
})
