import { crc32c } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seedFor } from '../test/support.js'
import { MAX_PAYLOAD_BYTES } from './format.js'
import { encodeFrame, readFrame, readFrames } from './frame.js'

const payload = (text: string) => new Uint8Array(Buffer.from(text))

describe('encodeFrame', () => {
  it('writes the little-endian length, the payload, then its little-endian CRC32C', () => {
    const frame = encodeFrame(payload('123456789'))
    expect(frame.readUInt32LE(0)).toBe(9)
    expect(frame.subarray(4, 13).toString()).toBe('123456789')
    // The CRC32C check value of "123456789" (Castagnoli) is 0xe3069283.
    expect(frame.readUInt32LE(13)).toBe(0xe3069283)
    expect(frame.length).toBe(17)
  })

  it('refuses an empty or non-byte payload with an InvalidArgumentError', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', message: expect.stringMatching(/1 to/) }),
    )
    expect(() => encodeFrame('text' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT' }),
    )
  })
})

describe('readFrame', () => {
  const first = encodeFrame(Uint8Array.of(0x91, 1))
  const second = encodeFrame(Uint8Array.of(0x92, 2, 3))
  const log = Buffer.concat([first, second])

  it('reads consecutive frames and stops cleanly at the end', () => {
    const one = readFrame(log, 0)
    expect(one).toMatchObject({ status: 'frame', offset: 0, next: first.length })
    const two = readFrame(log, first.length)
    expect(two.status === 'frame' && [...two.payload]).toEqual([0x92, 2, 3])
    expect(readFrame(log, log.length)).toEqual({ status: 'end', offset: log.length })
  })

  it('ignores a truncated final frame as torn, at every cut', () => {
    for (let cut = first.length + 1; cut < log.length; cut++) {
      expect(readFrame(log.subarray(0, cut), first.length)).toMatchObject({
        status: 'torn',
        offset: first.length,
      })
    }
  })

  it('reports a checksum mismatch with its offset', () => {
    const damaged = Buffer.from(log)
    damaged[first.length + 5]! ^= 0x10
    expect(readFrame(damaged, first.length)).toMatchObject({
      status: 'damaged',
      offset: first.length,
      reason: 'checksum mismatch',
    })
  })

  it('calls a length running past the end damage when a good frame follows', () => {
    const damaged = Buffer.from(log)
    damaged.writeUInt32LE(1000, 0)
    expect(readFrame(damaged, 0)).toMatchObject({
      status: 'damaged',
      reason: expect.stringMatching(/frames follow/),
    })
  })

  it('treats zeros to the end as a torn tail but a zero length before data as damage', () => {
    const zeros = Buffer.concat([first, Buffer.alloc(12)])
    expect(readFrame(zeros, first.length)).toMatchObject({
      status: 'torn',
      reason: expect.stringMatching(/zero/),
    })
    const zeroLength = Buffer.concat([first, Buffer.alloc(4), second])
    expect(readFrame(zeroLength, first.length).status).toBe('damaged')
  })

  it('treats a final frame whose checksum was never written as torn', () => {
    const unwritten = Buffer.from(log)
    unwritten.fill(0, log.length - 4)
    expect(readFrame(unwritten, first.length)).toMatchObject({
      status: 'torn',
      reason: expect.stringMatching(/checksum is zero/),
    })
  })

  it('calls a length above the maximum damage', () => {
    const huge = Buffer.from(log)
    huge.writeUInt32LE(MAX_PAYLOAD_BYTES + 1, 0)
    expect(readFrame(huge, 0)).toMatchObject({ status: 'damaged', reason: expect.stringMatching(/exceeds/) })
  })
})

describe('frame codec properties', () => {
  const seed = seedFor('frame codec properties')
  const payloads = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 })

  it('reads back exactly the payloads it framed', () => {
    fc.assert(
      fc.property(payloads, (items) => {
        const scan = readFrames(Buffer.concat(items.map(encodeFrame)))
        expect(scan.status).toBe('clean')
        expect(scan.frames.map((frame) => [...frame.payload])).toEqual(items.map((item) => [...item]))
      }),
      { seed, numRuns: 300 },
    )
  })

  it('reads a prefix cut anywhere as whole frames then at most a torn tail, never damage', () => {
    fc.assert(
      fc.property(payloads, fc.nat(), (items, at) => {
        const log = Buffer.concat(items.map(encodeFrame))
        const cut = log.length === 0 ? 0 : at % log.length
        const scan = readFrames(log.subarray(0, cut))
        expect(scan.status).not.toBe('damaged')
        expect(scan.frames.map((frame) => [...frame.payload])).toEqual(
          items.slice(0, scan.frames.length).map((item) => [...item]),
        )
        expect(scan.end).toBeLessThanOrEqual(cut)
      }),
      { seed, numRuns: 300 },
    )
  })

  it('never returns a frame whose checksum does not match, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const scan = readFrames(bytes)
        for (const frame of scan.frames) {
          const stored = Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(
            frame.offset + 4 + frame.payload.length,
          )
          expect(crc32c(frame.payload)).toBe(stored)
        }
      }),
      { seed, numRuns: 500 },
    )
  })
})
