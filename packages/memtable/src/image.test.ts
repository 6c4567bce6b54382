import { Worker } from 'node:worker_threads'
import type { InternalEntry } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { forEachImageEntry, Memtable, SlabPool } from './index.js'

const plain = (entry: InternalEntry) => ({
  key: Buffer.from(entry.key).toString('hex'),
  seq: entry.seq,
  op: entry.op,
  value: entry.value === null ? null : Buffer.from(entry.value).toString('hex'),
})

/** Keys that share 6-byte slices and are prefixes of each other: every layer of the index. */
const key = fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0xff), { maxLength: 16 })

describe('flushImage', () => {
  it('walks every version in the order of iterator({ versions: "all" }), through shared slabs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.boolean(), fc.nat(50)), { maxLength: 300 }),
        fc.array(fc.nat(40), { maxLength: 5 }),
        (writes, sameSeqs) => {
          const memtable = new Memtable({ sharedSlabs: true, maxNodeSize: 4, maxSlabBytes: 64 * 1024 })
          let seq = 100
          for (const [bytes, isDelete, size] of writes) {
            const k = Uint8Array.from(bytes)
            if (isDelete) memtable.delete(k, seq++)
            else memtable.put(k, new Uint8Array(size).fill(seq & 0xff), seq++)
          }
          // Versions written out of seq order and over an existing (key, seq).
          for (const index of sameSeqs) {
            const write = writes[index]
            if (write !== undefined) memtable.put(Uint8Array.from(write[0]), Uint8Array.of(7), 100 + index)
          }
          memtable.deleteRange(Uint8Array.of(0x61), Uint8Array.of(0x62), seq++)
          memtable.freeze()
          const image = memtable.flushImage()!
          expect(image.slabs.every((slab) => slab instanceof SharedArrayBuffer)).toBe(true)
          const walked: ReturnType<typeof plain>[] = []
          forEachImageEntry(image, (entry) => walked.push(plain(entry)))
          const expected = [...memtable.iterator({ versions: 'all' })].map(plain)
          expect(walked).toEqual(expected)
          expect(image.count).toBe(expected.length)
          expect(image.rangeTombstones).toHaveLength(1)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('is undefined without shared slabs, refused before freeze() and after recycling', () => {
    const plainSlabs = new Memtable()
    plainSlabs.put(Uint8Array.of(1), Uint8Array.of(2), 1)
    expect(() => plainSlabs.flushImage()).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT' }),
    )
    plainSlabs.freeze()
    expect(plainSlabs.flushImage()).toBeUndefined()
    const pool = new SlabPool(4)
    const shared = new Memtable({ sharedSlabs: true, slabPool: pool })
    shared.put(Uint8Array.of(1), Uint8Array.of(2), 1)
    shared.freeze()
    shared.retire()
    expect(() => shared.flushImage()).toThrow(expect.objectContaining({ name: 'MemtableRecycledError' }))
  })

  it('a worker thread reads the records without a copy', async () => {
    const memtable = new Memtable({ sharedSlabs: true })
    for (let index = 0; index < 5000; index++) {
      const k = Buffer.from(`key-${String(index).padStart(5, '0')}`)
      memtable.put(k, Buffer.from(`value-${index}`), index + 1)
    }
    memtable.delete(Buffer.from('key-00042'), 6000)
    memtable.freeze()
    const image = memtable.flushImage()!
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads')
       const { slabs, heads } = workerData
       // The record layout (record-log.ts): address = slab << 17 | offset / 8; header f64 seq,
       // i32 next, keyOwner, keyLength, valueLength.
       const out = []
       for (const head of heads) {
         const slab = slabs[head >>> 17], offset = (head & 0x1ffff) * 8
         const ints = new Int32Array(slab, offset, 6)
         const seq = new Float64Array(slab, offset, 1)[0]
         out.push([Buffer.from(slab, offset + 24, ints[4]).toString(), seq, ints[5]])
       }
       // Written from this thread: the main thread sees it in the same memory.
       new Uint8Array(slabs[0])[slabs[0].byteLength - 1] = 0xee
       parentPort.postMessage(out)`,
      { eval: true, workerData: { slabs: image.slabs, heads: image.heads } },
    )
    const seen = await new Promise<[string, number, number][]>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(seen).toHaveLength(5000)
    expect(seen[0]).toEqual(['key-00000', 1, 'value-0'.length])
    expect(seen[42]).toEqual(['key-00042', 6000, -1])
    expect(seen[4999]).toEqual(['key-04999', 5000, 'value-4999'.length])
    expect(new Uint8Array(image.slabs[0]!)[image.slabs[0]!.byteLength - 1]).toBe(0xee)
  })
})
