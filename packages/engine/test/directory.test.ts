/**
 * The directory is the database's: a foreign directory is refused untouched, missing or damaged
 * metadata is an error (never a fresh start) that changes nothing, cleanup deletes only proven
 * obsolete own files, a failed open leaves the directory as it found it, and file-system errors
 * at open are STRATA_IO with the system error as cause.
 */
import { createHash } from 'node:crypto'
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MemoryFileSystem, nodeFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { IOError, NotADatabaseError, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/directory-format-1', import.meta.url))
const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

/** Every entry of `directory`: name → size and SHA-256 of the content. */
function listing(directory: string): Record<string, string> {
  const entries: Record<string, string> = {}
  for (const name of readdirSync(directory).sort()) {
    const data = readFileSync(join(directory, name))
    entries[name] = `${data.length} ${createHash('sha256').update(data).digest('hex')}`
  }
  return entries
}

const key = (index: number) => `key-${String(index).padStart(5, '0')}`
const valueFor = (index: number) => `value-${index}-${'v'.repeat(index % 50)}`

/** A database with two flushed tables and unflushed WAL entries; returns every acknowledged key. */
async function makeDatabase(directory: string): Promise<Map<string, string>> {
  const database = await open<string, string>(directory, { ...utf8, autoCompaction: false })
  const written = new Map<string, string>()
  for (let index = 0; index < 900; index++) {
    await database.put(key(index), valueFor(index), { sync: false })
    written.set(key(index), valueFor(index))
    if (index === 300 || index === 600) await database.flush()
  }
  await database.close()
  return written
}

async function expectAll(directory: string, written: Map<string, string>): Promise<void> {
  const database = await open<string, string>(directory, { ...utf8, createIfMissing: false })
  for (const [key, value] of written) expect(await database.get(key)).toBe(value)
  await database.close()
}

async function openError(directory: string, options = {}): Promise<unknown> {
  return open<string, string>(directory, { ...utf8, ...options }).then(
    async (database) => {
      await database.close()
      return undefined
    },
    (error: unknown) => error,
  )
}

describe('a directory that is not a strata database', () => {
  it('is refused with STRATA_NOT_A_DATABASE and left byte-identical, files named like ours included', async () => {
    const directory = temporaryDirectory()
    for (const name of ['000007.sst', 'MANIFEST-000009', '000003.sst.tmp', 'wal.log', 'notes.txt']) {
      writeFileSync(join(directory, name), `the user's own ${name}\n`.repeat(20))
    }
    const before = listing(directory)
    for (const options of [{}, { createIfMissing: true }, { createIfMissing: false }]) {
      const error = await openError(directory, options)
      expect(error).toBeInstanceOf(NotADatabaseError)
      expect(error).toMatchObject({ code: 'STRATA_NOT_A_DATABASE', path: directory })
      expect((error as Error).message).toContain('notes.txt')
      expect(listing(directory)).toEqual(before)
    }
  })

  it('with only a foreign wal.log is refused and left with no CURRENT, manifest, IDENTITY or LOCK', async () => {
    const directory = temporaryDirectory()
    writeFileSync(join(directory, 'wal.log'), 'not a strata log, but somebody needs it\n')
    const before = listing(directory)
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_NOT_A_DATABASE' })
    expect(listing(directory)).toEqual(before)
  })
})

describe('missing or damaged metadata', () => {
  it('a deleted CURRENT is STRATA_CORRUPTION that names repair, createIfMissing or not, and nothing changes', async () => {
    const directory = temporaryDirectory()
    const written = await makeDatabase(directory)
    const current = readFileSync(join(directory, 'CURRENT'))
    unlinkSync(join(directory, 'CURRENT'))
    const before = listing(directory)
    expect(Object.keys(before).filter((name) => name.endsWith('.sst')).length).toBeGreaterThanOrEqual(2)
    for (const options of [{}, { createIfMissing: true }, { createIfMissing: false }]) {
      const error = await openError(directory, options)
      expect(error).toMatchObject({ code: 'STRATA_CORRUPTION' })
      expect((error as Error).message).toMatch(/CURRENT file is missing.*strata repair/)
      expect(listing(directory)).toEqual(before)
    }
    writeFileSync(join(directory, 'CURRENT'), current)
    await expectAll(directory, written)
  })

  it('a database of directory format 1 whose CURRENT was deleted is corruption, not a foreign directory', async () => {
    const directory = join(temporaryDirectory(), 'db')
    cpSync(fixture, directory, { recursive: true })
    unlinkSync(join(directory, 'CURRENT'))
    const before = listing(directory)
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect(listing(directory)).toEqual(before)
  })

  it('a deleted IDENTITY is STRATA_CORRUPTION, and nothing changes', async () => {
    const directory = temporaryDirectory()
    const written = await makeDatabase(directory)
    const identity = readFileSync(join(directory, 'IDENTITY'))
    unlinkSync(join(directory, 'IDENTITY'))
    const before = listing(directory)
    const error = await openError(directory)
    expect(error).toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect((error as Error).message).toMatch(/IDENTITY is missing/)
    expect(listing(directory)).toEqual(before)
    writeFileSync(join(directory, 'IDENTITY'), identity)
    await expectAll(directory, written)
  })

  it("another database's IDENTITY is STRATA_CORRUPTION (files of two databases mixed)", async () => {
    const directory = temporaryDirectory()
    const other = temporaryDirectory()
    await makeDatabase(directory)
    await (await open(other)).close()
    writeFileSync(join(directory, 'IDENTITY'), readFileSync(join(other, 'IDENTITY')))
    const before = listing(directory)
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_CORRUPTION', reason: /two databases/ })
    expect(listing(directory)).toEqual(before)
  })

  it('a manifest truncated to 0 bytes is STRATA_CORRUPTION, and nothing changes', async () => {
    const directory = temporaryDirectory()
    await makeDatabase(directory)
    const manifest = readdirSync(directory).find((name) => name.startsWith('MANIFEST-'))!
    truncateSync(join(directory, manifest), 0)
    const before = listing(directory)
    expect(await openError(directory)).toMatchObject({
      code: 'STRATA_CORRUPTION',
      reason: /no complete edit/,
    })
    expect(listing(directory)).toEqual(before)
  })

  it('a manifest with a torn final edit and a missing table is corruption, and the manifest keeps every byte', async () => {
    const directory = temporaryDirectory()
    await makeDatabase(directory)
    const manifest = readdirSync(directory).find((name) => name.startsWith('MANIFEST-'))!
    writeFileSync(
      join(directory, manifest),
      Buffer.concat([readFileSync(join(directory, manifest)), Buffer.from([9, 0, 0])]),
    )
    unlinkSync(join(directory, readdirSync(directory).find((name) => name.endsWith('.sst'))!))
    const before = listing(directory)
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect(listing(directory)).toEqual(before)
  })

  it('a listed table that is missing or not its recorded size is STRATA_CORRUPTION naming it, and nothing changes', async () => {
    const directory = temporaryDirectory()
    await makeDatabase(directory)
    const tables = readdirSync(directory).filter((name) => name.endsWith('.sst'))
    const [shortened, removed] = tables
    const removedData = readFileSync(join(directory, removed!))
    const shortenedSize = statSync(join(directory, shortened!)).size
    truncateSync(join(directory, shortened!), shortenedSize - 7)
    unlinkSync(join(directory, removed!))
    const before = listing(directory)
    const error = await openError(directory)
    expect(error).toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect((error as Error).message).toContain(`${removed} (missing)`)
    expect((error as Error).message).toContain(
      `${shortened} (${shortenedSize - 7} bytes, the manifest recorded ${shortenedSize})`,
    )
    expect(listing(directory)).toEqual(before)
    writeFileSync(join(directory, removed!), removedData)
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect(readdirSync(directory)).toContain(removed)
  })

  it('keeps a table that the lost last edit of a cut manifest had listed', async () => {
    const directory = temporaryDirectory()
    const database = await open<string, string>(directory, { ...utf8, autoCompaction: false })
    for (let index = 0; index < 200; index++) await database.put(key(index), valueFor(index))
    await database.flush()
    const tablesBefore = readdirSync(directory).filter((name) => name.endsWith('.sst'))
    for (let index = 200; index < 400; index++) await database.put(key(index), valueFor(index))
    await database.flush()
    await database.close()
    const lastTable = readdirSync(directory).find(
      (name) => name.endsWith('.sst') && !tablesBefore.includes(name),
    )!
    const manifest = readdirSync(directory).find((name) => name.startsWith('MANIFEST-'))!
    const size = statSync(join(directory, manifest)).size
    truncateSync(join(directory, manifest), size - 5)
    const tableBytes = readFileSync(join(directory, lastTable))
    await openError(directory)
    expect(readFileSync(join(directory, lastTable))).toEqual(tableBytes)
  })
})

describe('cleanup at open', () => {
  it('deletes an unlisted table numbered past what the manifest handed out, an older manifest and our temporaries; keeps other files', async () => {
    const directory = temporaryDirectory()
    const written = await makeDatabase(directory)
    const junk = ['009999.sst', 'MANIFEST-000000', 'CURRENT.tmp', 'IDENTITY.tmp', '000001.sst.tmp']
    for (const name of junk) writeFileSync(join(directory, name), 'left by a crash')
    writeFileSync(join(directory, 'notes.txt'), 'mine')
    writeFileSync(join(directory, 'MANIFEST-999999'), 'a newer manifest nobody named')
    await expectAll(directory, written)
    const names = readdirSync(directory)
    for (const name of junk) expect(names, name).not.toContain(name)
    expect(names).toContain('notes.txt')
    expect(names).toContain('MANIFEST-999999')
  })
})

describe('creation', () => {
  it('finishes a creation that stopped after IDENTITY, keeping its id', async () => {
    const directory = temporaryDirectory()
    const first = temporaryDirectory()
    await (await open(first)).close()
    writeFileSync(join(directory, 'IDENTITY'), readFileSync(join(first, 'IDENTITY')))
    writeFileSync(join(directory, 'CURRENT.tmp'), 'MANIFEST-0000')
    const database = await open<string, string>(directory, utf8)
    await database.put('a', 'b')
    await database.close()
    expect(readFileSync(join(directory, 'IDENTITY'))).toEqual(readFileSync(join(first, 'IDENTITY')))
    await expectAll(directory, new Map([['a', 'b']]))
  })

  it('recognises every state a crash mid-creation leaves, and finishes the creation', async () => {
    const template = temporaryDirectory()
    await (await open(template)).close()
    const identity = readFileSync(join(template, 'IDENTITY'))
    const manifest = readFileSync(join(template, 'MANIFEST-000001'))
    const states: Record<string, Buffer | string>[] = [
      { 'IDENTITY.tmp': identity.subarray(0, 9) },
      { IDENTITY: identity },
      { IDENTITY: identity, 'MANIFEST-000001': manifest.subarray(0, manifest.length - 3) },
      { IDENTITY: identity, 'MANIFEST-000001': manifest },
      { IDENTITY: identity, 'MANIFEST-000001': manifest, 'CURRENT.tmp': 'MANIFEST-0' },
    ]
    for (const state of states) {
      const directory = temporaryDirectory()
      for (const [name, data] of Object.entries(state)) writeFileSync(join(directory, name), data)
      const database = await open<string, string>(directory, utf8)
      await database.put('k', 'v')
      await database.close()
      await expectAll(directory, new Map([['k', 'v']]))
      expect(readdirSync(directory).sort(), Object.keys(state).join(',')).toEqual([
        'CURRENT',
        'IDENTITY',
        'MANIFEST-000001',
        'wal.log',
      ])
    }
  })

  it('after an fsync failure at any step of creation and a power cut, the next open creates the database', async () => {
    for (let nth = 1; nth <= 6; nth++) {
      const memory = new MemoryFileSystem()
      const faulty = new FaultyFileSystem(memory)
      faulty.inject({ operation: 'fsync', nth })
      const failed = await openError('/db', { fs: faulty })
      memory.powerLoss()
      const database = await open<string, string>('/db', { ...utf8, fs: memory })
      await database.put('k', 'v')
      await database.close()
      memory.powerLoss()
      const again = await open<string, string>('/db', { ...utf8, fs: memory, createIfMissing: false })
      expect(await again.get('k'), `fsync ${nth} failed: ${String(failed)}`).toBe('v')
      await again.close()
    }
  })

  it('a failed open of a new database removes every file it created', async () => {
    const directory = temporaryDirectory()
    const faulty = new FaultyFileSystem(nodeFileSystem)
    faulty.inject({ operation: 'open', path: /wal\.log$/, code: 'EIO' })
    expect(await openError(directory, { fs: faulty })).toMatchObject({ code: 'STRATA_IO' })
    expect(readdirSync(directory)).toEqual([])
  })

  it('writes IDENTITY into a database of directory format 1 and records it; deleting it later is corruption', async () => {
    const directory = join(temporaryDirectory(), 'db')
    cpSync(fixture, directory, { recursive: true })
    expect(readdirSync(directory)).not.toContain('IDENTITY')
    await (await open(directory)).close()
    expect(readdirSync(directory)).toContain('IDENTITY')
    unlinkSync(join(directory, 'IDENTITY'))
    expect(await openError(directory)).toMatchObject({ code: 'STRATA_CORRUPTION' })
  })
})

describe('file-system errors at open', () => {
  it('a path under a regular file is STRATA_IO with the path and ENOTDIR as cause', async () => {
    const base = temporaryDirectory()
    writeFileSync(join(base, 'file'), 'x')
    const path = join(base, 'file', 'db')
    const error = await openError(path)
    expect(error).toBeInstanceOf(IOError)
    expect(error).toMatchObject({
      code: 'STRATA_IO',
      path,
      systemCode: 'ENOTDIR',
      cause: { code: 'ENOTDIR' },
    })
  })

  it.each([
    ['an unsearchable parent (stat)', 'stat', true],
    ['an unwritable parent (mkdir)', 'mkdir', true],
    ['an unreadable directory (readdir)', 'readdir', false],
    ['an unwritable directory (the LOCK)', 'open', false],
  ] as const)(
    '%s is STRATA_IO with EACCES as cause, and nothing is left behind',
    async (_, operation, missing) => {
      const base = temporaryDirectory()
      const directory = missing ? join(base, 'db') : base
      const faulty = new FaultyFileSystem(nodeFileSystem)
      faulty.inject({ operation, code: 'EACCES', persistent: true })
      const error = await openError(directory, { fs: faulty })
      expect(error).toBeInstanceOf(IOError)
      expect(error).toMatchObject({ code: 'STRATA_IO', systemCode: 'EACCES', cause: { code: 'EACCES' } })
      expect((error as IOError).path).toContain(base)
      expect(readdirSync(base)).toEqual([])
    },
  )
})
