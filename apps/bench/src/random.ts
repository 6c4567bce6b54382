/**
 * A small seeded pseudo-random generator (mulberry32) so every workload's key order, every
 * value and every pre-check operation can be replayed from one printed seed.
 */

export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let mixed = this.state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return (mixed ^ (mixed >>> 14)) >>> 0
  }

  /** An integer in [0, bound), bound at most 2^32. */
  below(bound: number): number {
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound)
  }

  /** A number in [0, 1). */
  fraction(): number {
    return this.nextUint32() / 0x1_0000_0000
  }
}

/** A seed for one purpose (`label`) derived from the run's seed, so purposes do not share a
 *  stream: FNV-1a over the label, mixed with the seed. */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0)
  for (let index = 0; index < label.length; index++) {
    hash ^= label.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
