import { MemoryFileSystem } from '@strata/base'
import { encodeFrame } from '@strata/wal'
import { describe, expect, it } from 'vitest'
import { CURRENT_FILE } from './filenames.js'
import {
  decodeEdit,
  EMPTY_STATE,
  encodeEdit,
  HISTORY_CHECK_BYTES,
  inspectManifest,
  Manifest,
  readCurrent,
} from './manifest.js'
import type { TableFileMeta } from './version.js'

function table(fileNumber: number): TableFileMeta {
  return {
    fileNumber,
    fileSize: 1000 + fileNumber,
    smallestKey: Buffer.from(`a${fileNumber}`),
    largestKey: Buffer.from(`z${fileNumber}`),
    minSeq: fileNumber,
    maxSeq: fileNumber + 10,
    entryCount: 5,
    tombstoneCount: 1,
    rawKeyBytes: 20,
    rawValueBytes: 30,
  }
}

async function fresh(rewriteBytes = 1 << 20) {
  const fs = new MemoryFileSystem()
  fs.mkdirSync('/db')
  const manifest = await Manifest.create(fs, '/db', EMPTY_STATE, rewriteBytes)
  return { fs, manifest }
}

describe('manifest', () => {
  it('round-trips every field of an edit', () => {
    const edit = {
      added: [{ level: 2, table: table(7) }],
      removed: [{ level: 1, fileNumber: 3 }],
      flushedSeq: 99,
      lastSeq: 120,
      nextFileNumber: 8,
    }
    expect(decodeEdit(encodeEdit(edit), 'M', 0)).toEqual(edit)
  })

  it('replays its edits at open and names itself in CURRENT', async () => {
    const { fs, manifest } = await fresh()
    await manifest.apply({ added: [{ level: 0, table: table(2) }], flushedSeq: 12, nextFileNumber: 3 })
    await manifest.apply({ added: [{ level: 0, table: table(3) }], flushedSeq: 13, nextFileNumber: 4 })
    await manifest.apply({
      removed: [
        { level: 0, fileNumber: 2 },
        { level: 0, fileNumber: 3 },
      ],
      added: [{ level: 1, table: table(4) }],
    })
    await manifest.close()
    expect(readCurrent(fs, '/db')).toBe('MANIFEST-000001')
    const recovered = await Manifest.recover(fs, '/db', 1 << 20)
    const state = recovered.current
    expect(state.flushedSeq).toBe(13)
    expect(state.version.levels[0]).toEqual([])
    const [moved] = state.version.levels[1]!
    expect({
      ...moved,
      smallestKey: Buffer.from(moved!.smallestKey),
      largestKey: Buffer.from(moved!.largestKey),
    }).toEqual(table(4))
    expect(state.version.levels[1]).toHaveLength(1)
    expect(state.nextFileNumber).toBeGreaterThanOrEqual(4)
    await recovered.close()
  })

  it('drops a torn final edit (a crash mid-append) and continues after the last whole one', async () => {
    const { fs, manifest } = await fresh()
    await manifest.apply({ flushedSeq: 5 })
    await manifest.close()
    const path = '/db/MANIFEST-000001'
    const whole = fs.readFileSync(path)
    const torn = Buffer.concat([whole, Buffer.from([40, 0, 0, 0, 0x92, 1])])
    fs.writeFileSync(path, torn)
    const recovered = await Manifest.recover(fs, '/db', 1 << 20)
    expect(recovered.current.flushedSeq).toBe(5)
    expect(fs.readFileSync(path).length, 'recover only reads').toBe(torn.length)
    await recovered.cutTornTail()
    expect(fs.readFileSync(path).length).toBe(whole.length)
    await recovered.apply({ flushedSeq: 6 })
    await recovered.close()
    expect((await Manifest.recover(fs, '/db', 1 << 20)).current.flushedSeq).toBe(6)
  })

  it('reports a damaged edit before the end as corruption, with file and offset', async () => {
    const { fs, manifest } = await fresh()
    await manifest.apply({ flushedSeq: 5 })
    await manifest.apply({ flushedSeq: 6 })
    await manifest.close()
    const path = '/db/MANIFEST-000001'
    const data = fs.readFileSync(path)
    data[6] = data[6]! ^ 0x01
    fs.writeFileSync(path, data)
    await expect(Manifest.recover(fs, '/db', 1 << 20)).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      file: path,
      offset: 0,
    })
    const inspected = await inspectManifest(fs, path)
    expect(inspected.problem).toMatchObject({ offset: 0, kind: 'damaged' })
  })

  it('rewrites itself as a fresh snapshot once past its budget, switching CURRENT atomically', async () => {
    const { fs, manifest } = await fresh(400)
    for (let number = 2; number < 12; number++) {
      await manifest.apply({ added: [{ level: 0, table: table(number) }], nextFileNumber: number + 1 })
    }
    const name = readCurrent(fs, '/db')!
    expect(name).not.toBe('MANIFEST-000001')
    expect(fs.readdirSync('/db').filter((file) => file.startsWith('MANIFEST-'))).toEqual([name])
    expect(fs.readdirSync('/db')).toContain(CURRENT_FILE)
    await manifest.close()
    const recovered = await Manifest.recover(fs, '/db', 400)
    expect(recovered.current.version.levels[0]!.map((file) => file.fileNumber).sort((a, b) => a - b)).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    )
    await recovered.close()
  })

  it('rewrites itself once its history outweighs a tree that shrank, and keeps one that did not', async () => {
    const { fs, manifest } = await fresh()
    // A table added and removed over and over: the tree stays empty while the history grows.
    let number = 2
    while (readCurrent(fs, '/db') === 'MANIFEST-000001' && number < 2000) {
      await manifest.apply({ added: [{ level: 1, table: table(number) }], nextFileNumber: number + 1 })
      await manifest.apply({ removed: [{ level: 1, fileNumber: number }] })
      number++
    }
    expect(readCurrent(fs, '/db')).not.toBe('MANIFEST-000001')
    expect(manifest.sizeBytes).toBeLessThan(HISTORY_CHECK_BYTES)
    await manifest.close()
    // A tree that keeps every table it was given: its snapshot is as big as its history.
    const growing = await fresh()
    for (let added = 2; added < 1200; added++) {
      await growing.manifest.apply({ added: [{ level: 1, table: table(added) }], nextFileNumber: added + 1 })
    }
    expect(growing.manifest.sizeBytes).toBeGreaterThan(2 * HISTORY_CHECK_BYTES)
    expect(readCurrent(growing.fs, '/db')).toBe('MANIFEST-000001')
    await growing.manifest.close()
  })

  it('rejects a CURRENT that names no manifest', async () => {
    const { fs, manifest } = await fresh()
    await manifest.close()
    fs.writeFileSync('/db/CURRENT', Buffer.from('garbage'))
    expect(() => readCurrent(fs, '/db')).toThrow(expect.objectContaining({ code: 'STRATA_CORRUPTION' }))
  })
})

describe('manifest format 2 (the flush example is checked against docs/format.md in manifest-format.test.ts)', () => {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  it('encodes the close record [seq, bytes] byte for byte, and still reads format-1 edits', () => {
    expect(hex(encodeFrame(encodeEdit({ wal: { seq: 9, bytes: 300 } })))).toBe(
      '0c000000920281a377616c9209cd012ce94ec2c2',
    )
    // [1, {flushedSeq: 3}]: an edit of the previous build.
    expect(
      decodeEdit(Buffer.from('9201 81aa666c757368656453657103'.replace(' ', ''), 'hex'), 'x', 0),
    ).toEqual({
      flushedSeq: 3,
    })
  })
})
