import * as fs from 'node:fs'
import * as nodePath from 'node:path'
import { compareBytes, crc32c, type InternalEntry, OpType } from '@strata/base'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  buildTable,
  bytes,
  plain,
  put,
  removeDirectory,
  sortInternal,
  temporaryDirectory,
  testSeed,
} from '../test/helpers.js'
import { Block } from './block.js'
import { BlockBuilder } from './block-builder.js'
import { BlockCursor } from './block-cursor.js'
import { ByteSink } from './coding.js'
import { SSTableCorruptError } from './errors.js'
import { BlockType, TRAILER_V2_CRC_AT } from './format.js'
import { Table } from './table.js'

function encode(entries: InternalEntry[], restartInterval: number): Buffer {
  const sink = new ByteSink(16)
  const builder = new BlockBuilder(sink, restartInterval)
  for (const entry of entries) builder.add(entry.key, entry.seq, entry.op, entry.value)
  const length = builder.finish()
  return Buffer.from(sink.bytes.subarray(0, length))
}

const blockOf = (entries: InternalEntry[], restartInterval: number) =>
  new Block(encode(entries, restartInterval), 't.sst', 0, 'data')

/** Keys from a small alphabet (shared prefixes, empty keys) with several versions each. */
const keyArbitrary = fc
  .array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })
  .map((digits) => Uint8Array.from(digits))

const entriesArbitrary = fc
  .array(fc.record({ key: keyArbitrary, tombstone: fc.boolean(), value: fc.uint8Array({ maxLength: 8 }) }), {
    maxLength: 80,
  })
  .map((drafts) =>
    sortInternal(
      drafts.map(
        (draft, index): InternalEntry => ({
          key: draft.key,
          seq: index + 1,
          op: draft.tombstone ? OpType.Delete : OpType.Put,
          value: draft.tombstone ? null : draft.value,
        }),
      ),
    ),
  )

/** Forward from where the cursor is: every entry `advance()` yields, and its `sameKey`. */
function walkForward(cursor: BlockCursor): { entries: InternalEntry[]; sameKey: boolean[] } {
  const entries: InternalEntry[] = []
  const sameKey: boolean[] = []
  while (cursor.advance()) {
    entries.push(cursor.entry())
    sameKey.push(cursor.sameKey)
  }
  return { entries, sameKey }
}

function walkBackward(cursor: BlockCursor): InternalEntry[] {
  const entries: InternalEntry[] = []
  for (let entry = cursor.previous(); entry !== undefined; entry = cursor.previous()) entries.push(entry)
  return entries
}

const sameAsBefore = (entries: InternalEntry[]) =>
  entries.map((entry, index) => index > 0 && compareBytes(entry.key, entries[index - 1]!.key) === 0)

describe('BlockCursor', () => {
  it('walks a whole block forward and backward, and seeks like a sorted array at every restart interval', () => {
    fc.assert(
      fc.property(
        entriesArbitrary,
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(keyArbitrary, fc.boolean()), { maxLength: 6 }),
        (entries, restartInterval, seeks) => {
          const block = blockOf(entries, restartInterval)
          const cursor = new BlockCursor()
          cursor.enter(block, false)
          const whole = walkForward(cursor)
          expect(whole.entries.map(plain)).toEqual(entries.map(plain))
          expect(whole.sameKey).toEqual(sameAsBefore(entries))
          cursor.enter(block, true)
          expect(walkBackward(cursor).map(plain)).toEqual([...entries].reverse().map(plain))
          for (const [target, flag] of seeks) {
            const from = entries.findIndex((entry) => {
              const order = compareBytes(entry.key, target)
              return order > 0 || (order === 0 && !flag)
            })
            cursor.seek(block, target, flag)
            const after = walkForward(cursor)
            const expected = from < 0 ? [] : entries.slice(from)
            expect(after.entries.map(plain)).toEqual(expected.map(plain))
            expect(after.sameKey.slice(1)).toEqual(sameAsBefore(expected).slice(1))
            // The entry a seek lands on follows a smaller key, or none.
            if (after.sameKey.length > 0) expect(after.sameKey[0]).toBe(false)
            const before = entries.filter((entry) => {
              const order = compareBytes(entry.key, target)
              return order < 0 || (order === 0 && flag)
            })
            cursor.seekBefore(block, target, flag)
            expect(walkBackward(cursor).map(plain)).toEqual(before.reverse().map(plain))
          }
        },
      ),
      { seed: testSeed('block cursor property test') },
    )
  })

  it("compares the first entry of the next block with the previous block's last key", () => {
    const cursor = new BlockCursor()
    const first = blockOf([put('a', 9, '1'), put('k', 8, '2')], 16)
    cursor.enter(first, false)
    walkForward(cursor)
    cursor.enter(blockOf([put('k', 3, '3'), put('m', 2, '4')], 16), false)
    expect(cursor.advance()).toBe(true)
    expect(cursor.sameKey).toBe(true)
    cursor.enter(first, false)
    walkForward(cursor)
    cursor.enter(blockOf([put('ka', 3, '3')], 16), false)
    expect(cursor.advance()).toBe(true)
    expect(cursor.sameKey).toBe(false)
  })

  it('hands out keys the caller owns: changing one changes nothing the walk compares', () => {
    const entries = [put('b', 5, 'x'), put('b', 4, 'y'), put('c', 3, 'z')]
    const cursor = new BlockCursor()
    cursor.enter(blockOf(entries, 16), false)
    cursor.advance()
    const taken = cursor.entry()
    taken.key.fill(0x63) // now reads 'c'
    expect(cursor.advance()).toBe(true)
    expect(cursor.sameKey).toBe(true)
    expect(cursor.advance()).toBe(true)
    expect(cursor.sameKey).toBe(false)
  })

  it('reports damaged entries as SSTableCorruptError, and never throws anything else', () => {
    const seed = testSeed('block cursor fuzz')
    fc.assert(
      fc.property(
        entriesArbitrary,
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        keyArbitrary,
        (entries, restartInterval, flips, target) => {
          const contents = encode(entries, restartInterval)
          for (const [at, mask] of flips) contents[at % contents.length]! ^= mask
          try {
            const block = new Block(contents, 'fuzz.sst', 100, 'data')
            const cursor = new BlockCursor()
            cursor.enter(block, false)
            walkForward(cursor)
            cursor.enter(block, true)
            walkBackward(cursor)
            cursor.seek(block, target, false)
            walkForward(cursor)
            cursor.seekBefore(block, target, true)
            walkBackward(cursor)
          } catch (error) {
            if (!(error instanceof SSTableCorruptError)) throw error
            expect(error.offset).toBeGreaterThanOrEqual(100)
          }
        },
      ),
      { seed, numRuns: 2000 },
    )
  })

  it('reports an entry that runs over the next restart point', () => {
    // Restart interval 2: restart points at entries 0, 2 and 4. Pointing restart 1 one byte
    // past entry 2 makes the forward walk step over it.
    const entries = ['a', 'b', 'c', 'd', 'e'].map((key, index) => put(key, 9 - index, 'x'))
    const contents = encode(entries, 2)
    const restartAt = contents.length - 4 - 2 * 4
    contents.writeUInt32LE(contents.readUInt32LE(restartAt) + 1, restartAt)
    const block = new Block(contents, 't.sst', 0, 'data')
    const cursor = new BlockCursor()
    cursor.enter(block, false)
    expect(() => walkForward(cursor)).toThrow(/restart point does not start an entry/)
    cursor.enter(block, true)
    expect(() => walkBackward(cursor)).toThrow(SSTableCorruptError)
  })
})

describe('a table iterator seeking into a block', () => {
  const directory = temporaryDirectory()
  afterAll(() => removeDirectory(directory))

  it('decodes from the restart point at or before the target: an earlier interval is never read', async () => {
    // One data block of 64 entries, a restart point every 4. The first entry's op byte is
    // damaged (and the block's checksum made to match), so decoding the block from its start
    // fails; a seek past the first interval must not read it.
    const entries = Array.from({ length: 64 }, (_, index) =>
      put(`key-${String(index).padStart(3, '0')}`, 100 - index, `value-${index}`),
    )
    const path = nodePath.join(directory, 'damaged-first-interval.sst')
    await buildTable(path, entries, { blockBytes: 64 * 1024, restartInterval: 4 })
    const file = fs.readFileSync(path)
    const blockLength = file.indexOf(bytes('value-63')) + 'value-63'.length + (64 / 4 + 1) * 4
    expect(file[blockLength]).toBe(BlockType.Data)
    expect([file[0], file[1], file[2]]).toEqual([0, 'key-000'.length, OpType.Put]) // shared, unshared, op
    file[2] = 0x7f
    // Format 2 trailer: type, codec, raw length, then the CRC of the stored bytes + those 6 bytes.
    file.writeUInt32LE(
      crc32c(file.subarray(0, blockLength + TRAILER_V2_CRC_AT)),
      blockLength + TRAILER_V2_CRC_AT,
    )
    fs.writeFileSync(path, file)
    const table = await Table.open(path)
    try {
      expect(table.blockCount).toBe(1)
      const iterator = table.iterator({ gte: bytes('key-010') })
      const seen: InternalEntry[] = []
      for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next()) {
        seen.push(entry)
      }
      expect(seen.map(plain)).toEqual(entries.slice(10).map(plain))
      const backward = table.iterator({ reverse: true, lte: bytes('key-050') })
      const reversed = Array.from({ length: 10 }, () => backward.nextSync())
      expect(reversed.map(plain)).toEqual(entries.slice(41, 51).reverse().map(plain))
      await expect(table.iterator().next()).rejects.toThrow(/malformed entry/)
      await expect(table.get(bytes('key-001'))).rejects.toBeInstanceOf(SSTableCorruptError)
    } finally {
      await table.close()
    }
  })
})
