import { describe, expect, it } from 'vitest'
import { compareBytes } from './bytes.js'

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
