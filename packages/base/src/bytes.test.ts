import { describe, expect, it } from 'vitest'
import { compareBytes, utf8Text } from './bytes.js'

describe('compareBytes', () => {
  it('orders like Buffer.compare: unsigned bytes, a prefix first, for short and long keys', () => {
    const random = (length: number, seed: number) =>
      Buffer.from(Array.from({ length }, (_, index) => (seed * 31 + index * 17) % 256))
    const samples: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x7f]),
      Buffer.from([0x80]),
      Buffer.from([0xff]),
      Buffer.from([0xff, 0]),
    ]
    for (let length = 1; length < 140; length += 7) {
      samples.push(random(length, length), random(length, length + 1))
      samples.push(Buffer.concat([random(length, 3), Buffer.from([0])]), random(length, 3))
    }
    for (const a of samples) {
      for (const b of samples)
        expect(Math.sign(compareBytes(a, b)), `${a.toString('hex')} vs ${b.toString('hex')}`).toBe(
          Buffer.compare(a, b),
        )
    }
  })
})

describe('utf8Text', () => {
  it("gives the same text as Buffer#toString('utf8'): a leading BOM kept, malformed bytes as U+FFFD", () => {
    const samples = [
      [],
      [0x68, 0x69],
      [0xef, 0xbb, 0xbf, 0x61],
      [0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80],
      [0xff, 0xfe, 0x80, 0x61, 0xc3],
      [0xed, 0xa0, 0x80],
    ]
    for (const sample of samples) {
      const bytes = new Uint8Array(sample)
      expect(utf8Text(bytes)).toBe(Buffer.from(bytes).toString('utf8'))
    }
    expect(utf8Text(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa')
  })

  it('decodes a view inside a larger array without reading outside it', () => {
    const whole = Buffer.from('xxhéllo wörldyy', 'utf8')
    expect(utf8Text(new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.length - 4))).toBe('héllo wörld')
  })
})
