/**
 * A database written by the build before WAL records (manifest edit format 1, WAL format 1),
 * committed under fixtures/manifest-v1/db with its expected contents: every build opens a copy
 * and reads it back in full, then writes, closes and reopens it.
 */
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { inspectManifest, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/manifest-v1/', import.meta.url))
const expected: Record<string, string> = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8'))

async function readAll(directory: string): Promise<Record<string, string>> {
  const database = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  try {
    return Object.fromEntries(await database.iterator().all())
  } finally {
    await database.close()
  }
}

describe('a database written with manifest format 1', () => {
  it('is format 1 on disk (the fixture is what the old build wrote)', async () => {
    const manifest = await inspectManifest(nodeFileSystem, join(fixture, 'db', 'MANIFEST-000001'))
    expect(manifest.problem).toBeUndefined()
    expect(manifest.state.wal).toBeUndefined()
    expect(manifest.records.length).toBeGreaterThan(3)
    expect(Buffer.from(readFileSync(join(fixture, 'db', 'wal.log'))).subarray(0, 8)).toEqual(
      Buffer.from('SWAL\x01\x00\x00\x00', 'latin1'),
    )
  })

  it('opens and reads back every key, tables and WAL alike', async () => {
    const directory = temporaryDirectory()
    cpSync(join(fixture, 'db'), directory, { recursive: true })
    expect(Object.keys(expected).length).toBeGreaterThan(50)
    expect(await readAll(directory)).toEqual(expected)
  })

  it('takes new writes and records its WAL from then on', async () => {
    const directory = temporaryDirectory()
    cpSync(join(fixture, 'db'), directory, { recursive: true })
    const database = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await database.put('key-000', 'new')
    await database.flush()
    await database.put('zzz', 'after flush')
    await database.close()
    expect(await readAll(directory)).toEqual({ ...expected, 'key-000': 'new', zzz: 'after flush' })
    const current = readFileSync(join(directory, 'CURRENT'), 'utf8').trim()
    const manifest = await inspectManifest(nodeFileSystem, join(directory, current))
    expect(manifest.state.wal).toMatchObject({ seq: expect.any(Number), bytes: expect.any(Number) })
  })
})
