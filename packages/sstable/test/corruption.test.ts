/**
 * Damage scenarios on real files: every byte of a small table flipped in turn, the table cut at
 * every length, one data block damaged in a larger table, and hand-made footers (bad magic,
 * version, handles). Damage must surface as an SSTableCorruptError (never as data, never as a
 * crash or hang), and reads that do not touch the damage must still return correct data.
 */
import * as fs from 'node:fs'
import * as nodePath from 'node:path'
import { crc32c, type InternalEntry } from '@strata/base'
import { afterAll, describe, expect, it } from 'vitest'
import { SSTableCorruptError, Table, type TableMeta } from '../src/index.js'
import {
  buildTable,
  bytes,
  del,
  expectedGet,
  expectedScan,
  plain,
  put,
  removeDirectory,
  temporaryDirectory,
} from './helpers.js'

const directory = temporaryDirectory()
afterAll(() => removeDirectory(directory))

const small: InternalEntry[] = []
for (let index = 0; index < 24; index++) {
  const key = `k${String(index).padStart(2, '0')}`
  if (index % 5 === 0) small.push(del(key, 100 - index))
  else small.push(put(key, 100 - index, `value-${index}`))
  if (index % 4 === 0) small.push(put(key, 50 - index, `old-${index}`))
}

function expectCorruption(error: unknown, path: string, size: number): SSTableCorruptError {
  expect(error).toBeInstanceOf(SSTableCorruptError)
  const corrupt = error as SSTableCorruptError
  expect(corrupt.code).toBe('STRATA_CORRUPTION')
  expect(corrupt.file).toBe(path)
  expect(corrupt.offset).toBeGreaterThanOrEqual(0)
  expect(corrupt.offset).toBeLessThanOrEqual(size)
  expect(['footer', 'index', 'filter', 'properties', 'data', 'range-tombstones']).toContain(corrupt.block)
  expect(corrupt.message).toContain(path)
  return corrupt
}

/** Opens the table and reads everything; returns whether damage was reported. Any answer that
 *  is not an SSTableCorruptError must equal the oracle's. */
async function readEverything(
  path: string,
  size: number,
  meta: TableMeta,
  useAsync: boolean,
): Promise<boolean> {
  let table: Table
  try {
    table = useAsync ? await Table.open(path) : Table.openSync(path)
  } catch (error) {
    expectCorruption(error, path, size)
    return true
  }
  let detected = false
  try {
    expect(table.meta).toEqual({ ...meta, path })
    const attempt = async (read: () => Promise<unknown>) => {
      try {
        await read()
      } catch (error) {
        expectCorruption(error, path, size)
        detected = true
      }
    }
    for (const versions of ['all', 'visible'] as const) {
      for (const reverse of [false, true]) {
        await attempt(async () => {
          const iterator = table.iterator({ versions, reverse })
          const seen: InternalEntry[] = []
          for (;;) {
            const entry = useAsync ? await iterator.next() : iterator.nextSync()
            if (entry === undefined) break
            seen.push(entry)
          }
          expect(seen.map(plain)).toEqual(expectedScan(small, { versions, reverse }).map(plain))
        })
      }
    }
    for (const entry of small) {
      await attempt(async () => {
        const found = useAsync ? await table.get(entry.key, entry.seq) : table.getSync(entry.key, entry.seq)
        expect(plain(found)).toEqual(plain(entry))
      })
      await attempt(async () => {
        const absent = bytes(`${new TextDecoder().decode(entry.key)}x`)
        expect(plain(await table.get(absent))).toEqual(plain(expectedGet(small, absent)))
      })
    }
  } finally {
    await table.close()
  }
  return detected
}

describe('a damaged table', () => {
  it('reports a byte flipped at any offset as corruption, or reads correctly; never wrong data', async () => {
    const original = nodePath.join(directory, 'small.sst')
    const meta = await buildTable(original, small, { blockBytes: 64, restartInterval: 4 })
    const good = fs.readFileSync(original)
    const damaged = nodePath.join(directory, 'flipped.sst')
    const blocksHit = new Set<string>()
    let undetected = 0
    for (let offset = 0; offset < good.length; offset++) {
      for (const mask of [0x01, 0xff]) {
        const copy = Buffer.from(good)
        copy[offset]! ^= mask
        fs.writeFileSync(damaged, copy)
        const detected = await readEverything(
          damaged,
          good.length,
          { ...meta, path: damaged },
          offset % 5 === 0,
        )
        if (!detected) undetected++
      }
    }
    // Every byte is covered by a checksum (or is the magic), so every flip is caught somewhere.
    expect(undetected).toBe(0)
    // Spot-check which block the reports name at known places.
    for (const [offset, block] of [
      [0, 'data'],
      [good.length - 1, 'footer'],
      [good.length - 52, 'footer'],
    ] as const) {
      const copy = Buffer.from(good)
      copy[offset]! ^= 0xff
      fs.writeFileSync(damaged, copy)
      let error: unknown
      try {
        const table = Table.openSync(damaged)
        try {
          table.getSync(small[0]!.key, small[0]!.seq)
        } finally {
          await table.close()
        }
      } catch (caught) {
        error = caught
      }
      blocksHit.add(expectCorruption(error, damaged, good.length).block)
      expect((error as SSTableCorruptError).block).toBe(block)
    }
    expect(blocksHit.size).toBe(2)
  }, 180_000)

  it('fails to open when cut at any length, with an SSTableCorruptError', async () => {
    const original = nodePath.join(directory, 'cut-source.sst')
    await buildTable(original, small, { blockBytes: 64 })
    const good = fs.readFileSync(original)
    const cut = nodePath.join(directory, 'cut.sst')
    for (let length = 0; length < good.length; length++) {
      fs.writeFileSync(cut, good.subarray(0, length))
      let error: unknown
      try {
        const table = length % 3 === 0 ? await Table.open(cut) : Table.openSync(cut)
        await table.close()
      } catch (caught) {
        error = caught
      }
      expectCorruption(error, cut, length)
    }
  })

  it('fails only the reads of a damaged data block; the rest of the table stays readable', async () => {
    const path = nodePath.join(directory, 'one-bad-block.sst')
    const entries = Array.from({ length: 2000 }, (_, index) =>
      put(`key${String(index).padStart(5, '0')}`, 1, 'v'.repeat(30)),
    )
    await buildTable(path, entries)
    const table = await Table.open(path)
    const blockCount = table.blockCount
    expect(blockCount).toBeGreaterThan(10)
    await table.close()
    // Damage the middle of the file's data region: find a key in the damaged block by probing.
    const file = fs.readFileSync(path)
    const damageAt = 20_000
    file[damageAt]! ^= 0x5a
    fs.writeFileSync(path, file)
    const damaged = await Table.open(path)
    let failed = 0
    let blockOffset = -1
    let firstFailed = -1
    let lastFailed = -1
    for (const [position, entry] of entries.entries()) {
      try {
        const found = await damaged.get(entry.key)
        expect(plain(found)).toEqual(plain(entry))
      } catch (error) {
        const corrupt = expectCorruption(error, path, file.length)
        expect(corrupt.block).toBe('data')
        expect(corrupt.message).toMatch(/checksum mismatch/)
        if (blockOffset < 0) {
          blockOffset = corrupt.offset
          firstFailed = position
        }
        expect(corrupt.offset).toBe(blockOffset)
        lastFailed = position
        failed++
      }
    }
    expect(blockOffset).toBeLessThanOrEqual(damageAt)
    expect(blockOffset).toBeGreaterThan(damageAt - 4200)
    expect(failed).toBeGreaterThan(0)
    expect(failed).toBeLessThan((2 * entries.length) / blockCount) // one block's worth
    // A scan (reading ahead many blocks at a time) yields every entry before the damaged block,
    // fails when it reaches it, and fails again if retried.
    const iterator = damaged.iterator()
    let scanned = 0
    await expect(
      (async () => {
        for (;;) {
          if ((await iterator.next()) === undefined) return
          scanned++
        }
      })(),
    ).rejects.toBeInstanceOf(SSTableCorruptError)
    await expect(iterator.next()).rejects.toBeInstanceOf(SSTableCorruptError)
    expect(scanned).toBe(firstFailed)
    expect(lastFailed - firstFailed + 1).toBe(failed) // one contiguous run of keys: one block
    const backward = damaged.iterator({ reverse: true })
    let scannedBackward = 0
    expect(() => {
      while (backward.nextSync() !== undefined) scannedBackward++
    }).toThrow(SSTableCorruptError)
    expect(scannedBackward).toBe(entries.length - 1 - lastFailed)
    // Seeking past the damaged block reads on normally.
    const lastKey = entries[entries.length - 1]!.key
    iterator.seek(lastKey)
    expect(plain(await iterator.next())).toEqual(plain(entries[entries.length - 1]))
    await damaged.close()
  })

  it('stops an asynchronous scan reading far ahead exactly at a damaged block, in both directions', async () => {
    const path = nodePath.join(directory, 'far-ahead.sst')
    const entries = Array.from({ length: 60_000 }, (_, index) =>
      put(`key${String(index).padStart(6, '0')}`, 1, 'v'.repeat(40)),
    )
    await buildTable(path, entries)
    const file = fs.readFileSync(path)
    for (const damageAt of [1_500_000, 1_500_000 + 4096 * 7]) {
      const copy = Buffer.from(file)
      copy[damageAt]! ^= 0x01
      fs.writeFileSync(path, copy)
      const table = await Table.open(path)
      // Which keys live in the damaged block: the ones whose get fails.
      const failing: number[] = []
      for (let index = 0; index < entries.length; index++) {
        await table.get(entries[index]!.key).catch(() => failing.push(index))
      }
      expect(failing.length).toBeGreaterThan(0)
      for (const reverse of [false, true]) {
        const iterator = table.iterator({ reverse })
        let scanned = 0
        const error = await (async () => {
          for (;;)
            if ((await iterator.next()) === undefined) return undefined
            else scanned++
        })().catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(SSTableCorruptError)
        expect(scanned).toBe(reverse ? entries.length - 1 - failing[failing.length - 1]! : failing[0]!)
      }
      await table.close()
    }
  })

  it('names a bad magic, an unknown format version and misplaced block handles in the footer', async () => {
    const path = nodePath.join(directory, 'footer.sst')
    await buildTable(path, small)
    const good = fs.readFileSync(path)
    const footerAt = good.length - 52
    const rewrite = (change: (footer: Buffer) => void, fixChecksum: boolean) => {
      const copy = Buffer.from(good)
      const footer = copy.subarray(footerAt)
      change(footer)
      if (fixChecksum) footer.writeUInt32LE(crc32c(footer.subarray(0, 40)), 40)
      fs.writeFileSync(path, copy)
    }
    const openError = async () => {
      try {
        await (await Table.open(path)).close()
      } catch (error) {
        return expectCorruption(error, path, good.length)
      }
      throw new Error('the damaged table opened')
    }

    rewrite((footer) => footer.write('XXXXXXXX', 44, 'latin1'), false)
    expect(await openError()).toMatchObject({
      block: 'footer',
      offset: footerAt + 44,
      reason: expect.stringMatching(/magic/),
    })

    rewrite((footer) => footer.writeUInt32LE(3, 36), true)
    expect(await openError()).toMatchObject({
      block: 'footer',
      offset: footerAt + 36,
      reason: 'unsupported format version 3 (this reader reads versions 1 and 2)',
    })

    rewrite((footer) => footer.writeUInt32LE(footer.readUInt32LE(32) + 1, 32), true) // index length
    expect(await openError()).toMatchObject({ block: 'footer', reason: expect.stringMatching(/handles/) })

    rewrite((footer) => footer.writeUInt32LE(footer.readUInt32LE(36), 36), false)
    expect(await (await Table.open(path)).close()).toBeUndefined() // unchanged footer: opens
  })
})
