/**
 * The compression bench's data: 4 KiB strata data blocks (built by `BlockBuilder`, as the table
 * builder builds them: prefix-compressed entries + restart array, trailer excluded) of
 *
 * - `events`: the demo's web-shop events (apps/demo/src/dataset.ts, same seed, same record
 *   shape and JSON value, reproduced here because @strata/sstable cannot import the demo);
 * - `bench values`: apps/bench's workload (16-digit decimal keys, 100-byte values of random
 *   printable ASCII cut from a 1 MiB pool at offset 131 × i);
 * - `random`: 4 KiB of random bytes (not a block: the incompressible extreme).
 */
import { OpType, seededRandom } from '@strata/base'
import { BlockBuilder } from '../src/block-builder.js'
import { ByteSink } from '../src/coding.js'

export const BLOCK_BYTES = 4096
const RESTART_INTERVAL = 16

export interface Dataset {
  name: string
  blocks: Uint8Array[]
}

/** Cuts the entries `next()` yields into 4 KiB blocks, as the table builder does. */
function buildBlocks(
  count: number,
  next: (index: number) => { key: Uint8Array; seq: number; value: Uint8Array } | undefined,
) {
  const sink = new ByteSink(1 << 16)
  const builder = new BlockBuilder(sink, RESTART_INTERVAL)
  const blocks: Uint8Array[] = []
  let index = 0
  while (blocks.length < count) {
    const entry = next(index)
    if (entry === undefined) break
    builder.add(entry.key, entry.seq, OpType.Put, entry.value)
    index++
    if (builder.contentBytes >= BLOCK_BYTES) {
      const length = builder.finish()
      // A plain Uint8Array copy (not a Buffer), like every other dataset's blocks: codecs see one
      // array type, so the JIT is not made polymorphic by the bench itself.
      blocks.push(new Uint8Array(sink.bytes.subarray(builder.start, builder.start + length)))
      sink.length = 0
      builder.reset()
    }
  }
  return blocks
}

const EVENT_TYPES = ['page_view', 'page_view', 'page_view', 'search', 'click', 'add_to_cart', 'purchase']
const DATASET_START_MS = Date.UTC(2024, 10, 1)
const USER_COUNT = 10_000
const DEMO_SEED = 20241101

/** The demo's 500,000 events as `user:<id>:<ms>` keys and JSON values, sorted by key as the
 *  engine's tables hold them (a block holds one user's events, or a few users'), cut into blocks;
 *  `count` blocks spread evenly over the whole key range are kept. */
export function eventBlocks(count: number): Dataset {
  const next = seededRandom(DEMO_SEED)
  const encoder = new TextEncoder()
  const events: { key: string; seq: number; value: string }[] = []
  const eventCount = 500_000
  let timestampMs = DATASET_START_MS
  for (let index = 0; index < eventCount; index++) {
    timestampMs += 1 + Math.floor(next() * 10_368)
    const userId = Math.min(USER_COUNT - 1, Math.floor(USER_COUNT * next() ** 2))
    const type = EVENT_TYPES[Math.floor(next() * EVENT_TYPES.length)]!
    const product = Math.floor(next() * 5000)
    const path = type === 'search' ? `/search?q=item-${product % 300}` : `/products/${product}`
    const durationMs = 5 + Math.floor(next() * 900)
    const amountCents = type === 'purchase' ? 199 + Math.floor(next() * 20_000) : undefined
    const key = `user:${String(userId).padStart(5, '0')}:${String(timestampMs).padStart(13, '0')}`
    const value = JSON.stringify({
      type,
      at: new Date(timestampMs).toISOString(),
      path,
      ms: durationMs,
      ...(amountCents === undefined ? {} : { amountCents }),
    })
    events.push({ key, seq: index + 1, value })
  }
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const all = buildBlocks(Number.POSITIVE_INFINITY, (index) => {
    const event = events[index]
    if (event === undefined) return undefined
    return { key: encoder.encode(event.key), seq: event.seq, value: encoder.encode(event.value) }
  })
  if (all.length < count) throw new RangeError(`the events fill ${all.length} blocks, not ${count}`)
  const blocks = Array.from({ length: count }, (_, index) => all[Math.floor((index * all.length) / count)]!)
  return { name: 'events', blocks }
}

/** apps/bench's fill workload: sequential 16-digit keys (even numbers), 100-byte printable values. */
export function benchValueBlocks(count: number, seed: number): Dataset {
  const next = seededRandom(seed)
  const poolBytes = 1024 * 1024
  const pool = new Uint8Array(poolBytes + 100)
  for (let index = 0; index < pool.length; index++) pool[index] = 0x21 + Math.floor(next() * 94)
  const blocks = buildBlocks(count, (index) => {
    const key = new TextEncoder().encode(String(index * 2).padStart(16, '0'))
    const offset = (index * 131) % poolBytes
    return { key, seq: index + 1, value: pool.subarray(offset, offset + 100) }
  })
  return { name: 'bench values', blocks }
}

/** `count` blocks of 4 KiB random bytes. */
export function randomBlocks(count: number, seed: number): Dataset {
  const next = seededRandom(seed)
  const blocks: Uint8Array[] = []
  for (let block = 0; block < count; block++) {
    const bytes = new Uint8Array(BLOCK_BYTES)
    for (let index = 0; index < BLOCK_BYTES; index++) bytes[index] = Math.floor(next() * 256)
    blocks.push(bytes)
  }
  return { name: 'random', blocks }
}
