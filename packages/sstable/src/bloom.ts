/**
 * The bloom filter over user keys: one per table. A key is hashed twice (32-bit murmur3 with two
 * fixed seeds, h1 and h2). Two layouts, chosen by bits per key:
 *
 * - blocked (up to 10 bits per key): h1 picks one 512-bit (64-byte) block, and the k probes all
 *   fall inside it (bit = top 9 bits of h2 * 0x9e3779b9^i). A lookup touches one cache line
 *   instead of k, for a slightly higher false-positive rate (about 0.96% instead of 0.82% at
 *   10 bits per key), which grows with bits per key, hence the limit;
 * - standard (more than 10 bits per key): probes at (h1 + i * h2) mod m over the whole array.
 *
 * With b bits per key and k = round(b * ln 2) probes the textbook rate is (1 - e^(-k/b))^k.
 * A filter with 0 bits answers "maybe" for every key.
 */
import type { ByteSink } from './coding.js'
import { FILTER_HEADER_BYTES, FILTER_SEED_1, FILTER_SEED_2, FilterLayout } from './format.js'

/** Bits per key up to which the blocked layout is used. */
export const BLOCKED_MAX_BITS_PER_KEY = 10
const BLOCK_BITS = 512
const GOLDEN = 0x9e3779b9

/** 32-bit murmur3 of `key` with `seed` (the x86_32 variant, little-endian blocks). */
export function murmur3(key: Uint8Array, seed: number): number {
  const length = key.length
  let hash = seed >>> 0
  const blocks = length & ~3
  for (let pos = 0; pos < blocks; pos += 4) {
    let chunk = key[pos]! | (key[pos + 1]! << 8) | (key[pos + 2]! << 16) | (key[pos + 3]! << 24)
    chunk = Math.imul(chunk, 0xcc9e2d51)
    chunk = (chunk << 15) | (chunk >>> 17)
    chunk = Math.imul(chunk, 0x1b873593)
    hash ^= chunk
    hash = (hash << 13) | (hash >>> 19)
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0
  }
  const rest = length & 3
  if (rest > 0) {
    let tail = key[blocks]!
    if (rest > 1) tail |= key[blocks + 1]! << 8
    if (rest > 2) tail |= key[blocks + 2]! << 16
    tail = Math.imul(tail, 0xcc9e2d51)
    tail = (tail << 15) | (tail >>> 17)
    tail = Math.imul(tail, 0x1b873593)
    hash ^= tail
  }
  hash ^= length
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

/** Probe count for `bitsPerKey`: round(b * ln 2), between 1 and 30. */
export function probeCount(bitsPerKey: number): number {
  return Math.max(1, Math.min(30, Math.round(bitsPerKey * Math.LN2)))
}

/** Theoretical false-positive rate of a filter with `bits` bits, `probes` probes, `keys` keys. */
export function theoreticalFalsePositiveRate(bits: number, probes: number, keys: number): number {
  if (bits === 0) return 1
  return (1 - Math.exp((-probes * keys) / bits)) ** probes
}

/** Keys whose hash pairs one chunk of a builder holds (256 KiB). */
const CHUNK_KEYS = 32_768
const CHUNK_KEY_BITS = 15

/** Collects key hashes while a table is built; encodes the filter block at the end. */
export class BloomFilterBuilder {
  /**
   * The keys' hash pairs, `CHUNK_KEYS` per chunk: the first chunk starts small and doubles up to
   * full size, the next ones are full size. Growing never copies or drops a chunk, so a builder
   * reused table after table (the thread's scratch, builder.ts) allocates nothing once it has held
   * its largest table; a single doubling array left each outgrown array as garbage (16 MB of it
   * per table of 500,000 keys, which a merge of tombstones makes one after another).
   */
  private chunks: Uint32Array[] = [new Uint32Array(1024)]
  private count = 0
  readonly bitsPerKey: number

  constructor(bitsPerKey: number) {
    this.bitsPerKey = bitsPerKey
  }

  /** Adds a user key (each distinct key once). */
  add(key: Uint8Array): void {
    if (this.bitsPerKey === 0) return
    const count = this.count
    const chunkIndex = count >>> CHUNK_KEY_BITS
    const at = (count & (CHUNK_KEYS - 1)) * 2
    let chunk = this.chunks[chunkIndex]
    if (chunk === undefined) {
      chunk = new Uint32Array(CHUNK_KEYS * 2)
      this.chunks.push(chunk)
    } else if (at === chunk.length) {
      // Only the first chunk is ever short: double it (up to full size).
      const grown = new Uint32Array(Math.min(CHUNK_KEYS * 2, chunk.length * 2))
      grown.set(chunk)
      chunk = grown
      this.chunks[chunkIndex] = chunk
    }
    chunk[at] = murmur3(key, FILTER_SEED_1)
    chunk[at + 1] = murmur3(key, FILTER_SEED_2)
    this.count = count + 1
  }

  /** Bytes the filter block will take (for size estimates). */
  get estimatedBytes(): number {
    return this.bitsPerKey === 0
      ? FILTER_HEADER_BYTES
      : FILTER_HEADER_BYTES + Math.ceil((this.count * this.bitsPerKey) / 8)
  }

  /** Makes the builder empty again, keeping its memory (for the next table). */
  reset(): void {
    this.count = 0
  }

  /** Bytes of memory the builder holds (its key hashes). */
  get memoryBytes(): number {
    let bytes = 0
    for (const chunk of this.chunks) bytes += chunk.byteLength
    return bytes
  }

  /** The filter block's contents: u8 layout, u8 probes, u32 bit count, then the bit array. */
  finish(): Buffer {
    const block = Buffer.alloc(FILTER_HEADER_BYTES + Math.ceil(this.bitCount() / 8))
    this.encode(block)
    return block
  }

  /** Appends what `finish` returns to `sink`, without a buffer of its own. */
  finishInto(sink: ByteSink): void {
    const length = FILTER_HEADER_BYTES + Math.ceil(this.bitCount() / 8)
    sink.reserve(length)
    const block = sink.bytes.subarray(sink.length, sink.length + length)
    block.fill(0)
    this.encode(block)
    sink.length += length
  }

  /** Bits of the filter's array (0 for a filter that answers "maybe" to everything). */
  private bitCount(): number {
    if (this.bitsPerKey === 0 || this.count === 0) return 0
    const bits = Math.min(0xffff_fe00, Math.max(BLOCK_BITS, Math.ceil(this.count * this.bitsPerKey)))
    return this.bitsPerKey <= BLOCKED_MAX_BITS_PER_KEY ? Math.ceil(bits / BLOCK_BITS) * BLOCK_BITS : bits
  }

  /** Writes the filter into `block` (zeroed, of the right length). */
  private encode(block: Buffer): void {
    const bits = this.bitCount()
    if (bits === 0) return
    const probes = probeCount(this.bitsPerKey)
    const blocked = this.bitsPerKey <= BLOCKED_MAX_BITS_PER_KEY
    block[0] = blocked ? FilterLayout.Blocked : FilterLayout.Standard
    block[1] = probes
    block.writeUInt32LE(bits, 2)
    const data = block.subarray(FILTER_HEADER_BYTES)
    const chunks = this.chunks
    for (let index = 0; index < this.count; index++) {
      const hashes = chunks[index >>> CHUNK_KEY_BITS]!
      const at = (index & (CHUNK_KEYS - 1)) * 2
      const h1 = hashes[at]!
      const h2 = hashes[at + 1]!
      if (blocked) {
        const base = blockOf(h1, bits / BLOCK_BITS) * BLOCK_BITS
        let hash = h2
        for (let probe = 0; probe < probes; probe++) {
          const position = base + (hash >>> 23)
          data[position >>> 3]! |= 1 << (position & 7)
          hash = Math.imul(hash, GOLDEN)
        }
      } else {
        let position = h1 % bits
        const step = h2 % bits
        for (let probe = 0; probe < probes; probe++) {
          data[position >>> 3]! |= 1 << (position & 7)
          position += step
          if (position >= bits) position -= bits
        }
      }
    }
  }
}

/** The 512-bit block `h1` selects among `blocks` (exact integer arithmetic, as documented). */
function blockOf(h1: number, blocks: number): number {
  return h1 % blocks
}

/**
 * A key's two filter hashes, computed once for a lookup that consults several tables' filters
 * (every table of level 0, one per deeper level): the same for every table, since all filters
 * use the same seeds. Tables take it with the key it was computed for.
 */
export class FilterHashes {
  h1 = 0
  h2 = 0

  /** Hashes `key`; returns this. */
  of(key: Uint8Array): this {
    this.h1 = murmur3(key, FILTER_SEED_1)
    this.h2 = murmur3(key, FILTER_SEED_2)
    return this
  }
}

/** A decoded filter block. `mayContain` is false only for keys certainly absent. */
export class BloomFilter {
  readonly layout: FilterLayout
  readonly probes: number
  readonly bits: number
  private readonly data: Uint8Array
  private readonly byteCount: number

  /** `block` is a verified filter block; returns a reason string instead when it is malformed. */
  static decode(block: Uint8Array): BloomFilter | string {
    if (block.length < FILTER_HEADER_BYTES)
      return `filter block is ${block.length} bytes, less than its header`
    const layout = block[0]!
    const probes = block[1]!
    const bits = (block[2]! | (block[3]! << 8) | (block[4]! << 16) | (block[5]! << 24)) >>> 0
    if (layout === FilterLayout.None) {
      if (probes !== 0 || bits !== 0 || block.length !== FILTER_HEADER_BYTES)
        return 'empty filter with a non-empty body'
      return new BloomFilter(FilterLayout.None, 0, 0, block)
    }
    if (layout !== FilterLayout.Standard && layout !== FilterLayout.Blocked)
      return `unknown filter layout ${layout}`
    if (probes < 1 || probes > 30) return `filter probe count ${probes} is outside 1..30`
    if (bits === 0 || (layout === FilterLayout.Blocked && bits % BLOCK_BITS !== 0)) {
      return `filter bit count ${bits} does not suit its layout`
    }
    if (block.length !== FILTER_HEADER_BYTES + Math.ceil(bits / 8)) {
      return `filter of ${bits} bits needs ${FILTER_HEADER_BYTES + Math.ceil(bits / 8)} bytes, block has ${block.length}`
    }
    // A copy: the filter outlives the buffer it was read into, which holds other blocks too.
    return new BloomFilter(layout, probes, bits, new Uint8Array(block.subarray(FILTER_HEADER_BYTES)))
  }

  private constructor(layout: FilterLayout, probes: number, bits: number, data: Uint8Array) {
    this.layout = layout
    this.probes = probes
    this.bits = bits
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.length)
    this.byteCount = data.length + FILTER_HEADER_BYTES
  }

  /** False when `key` was certainly not added; true when it may have been. */
  mayContain(key: Uint8Array): boolean {
    return this.bits === 0 || this.mayContainHashes(murmur3(key, FILTER_SEED_1), murmur3(key, FILTER_SEED_2))
  }

  /** `mayContain` for a key whose two hashes are given (see `FilterHashes`). */
  mayContainHashes(h1: number, h2: number): boolean {
    const bits = this.bits
    if (bits === 0) return true
    const data = this.data
    if (this.layout === FilterLayout.Blocked) {
      const base = blockOf(h1, bits / BLOCK_BITS) * BLOCK_BITS
      let hash = h2
      for (let probe = this.probes; probe > 0; probe--) {
        const position = base + (hash >>> 23)
        if ((data[position >>> 3]! & (1 << (position & 7))) === 0) return false
        hash = Math.imul(hash, GOLDEN)
      }
      return true
    }
    let position = h1 % bits
    const step = h2 % bits
    for (let probe = this.probes; probe > 0; probe--) {
      if ((data[position >>> 3]! & (1 << (position & 7))) === 0) return false
      position += step
      if (position >= bits) position -= bits
    }
    return true
  }

  /** Bytes held in memory. */
  get byteLength(): number {
    return this.byteCount
  }
}
