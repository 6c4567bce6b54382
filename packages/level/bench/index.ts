/**
 * StrataLevel beside ClassicLevel, through the same abstract-level calls, in the same process
 * (`npx pnpm@12.4.2 --filter @strata/level bench`). N random 16-byte keys with 100-byte random
 * values (buffer encoding), both with sync: false (classic-level's default) and a 32 MiB block
 * cache (`cacheSize`, which both accept). Rounds alternate which database goes first; each round
 * uses fresh directories. Workloads, in order, on the database the fill built:
 *
 *   fill          put() in random key order, 64 in flight
 *   fill-serial   put() one at a time (each awaited), into a second fresh database, N/4 keys
 *   batch         batch() of 100 puts at a time, into a third fresh database
 *   read          get() of random existing keys, 64 in flight
 *   read-serial   get() one at a time
 *   scan          for await over db.iterator(): every entry
 *   scan-nextv    iterator.nextv(1000) until the end
 *
 * Prints each round, then the median ops/s per workload and the ratio strata / classic-level.
 * Flags: --n <keys> (default 200000), --rounds <r> (default 3), --encoding buffer|utf8 (default
 * buffer; utf8 writes hex strings of the same sizes, 16 and 100 characters).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ClassicLevel } from 'classic-level'
import { StrataLevel } from '../src/index.js'

const { values: flags } = parseArgs({
  // `pnpm bench -- --n 1000` passes the `--` through.
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    n: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    encoding: { type: 'string', default: 'buffer' },
  },
})
if (flags.encoding !== 'buffer' && flags.encoding !== 'utf8')
  throw new Error('--encoding must be buffer or utf8')
const utf8 = flags.encoding === 'utf8'
const n = Number(flags.n)
const rounds = Number(flags.rounds)
const KEY_BYTES = 16
const VALUE_BYTES = 100
const IN_FLIGHT = 64
const MiB = 1024 * 1024

// Deterministic random keys and values (xorshift), so every run writes the same data.
let state = 0x9e3779b9
function nextRandom(): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return state >>> 0
}
const keyBytes = Buffer.allocUnsafe(n * KEY_BYTES)
for (let offset = 0; offset < keyBytes.length; offset += 4) keyBytes.writeUInt32LE(nextRandom(), offset)
type Data = Buffer | string
const keys: Data[] = Array.from({ length: n }, (_, index) => {
  const key = keyBytes.subarray(index * KEY_BYTES, (index + 1) * KEY_BYTES)
  return utf8 ? key.subarray(0, KEY_BYTES / 2).toString('hex') : key
})
const valuePool = Buffer.allocUnsafe(VALUE_BYTES * 1024)
for (let offset = 0; offset < valuePool.length; offset += 4) valuePool.writeUInt32LE(nextRandom(), offset)
const values: Data[] = Array.from({ length: 1024 }, (_, index) => {
  const data = valuePool.subarray(index * VALUE_BYTES, (index + 1) * VALUE_BYTES)
  return utf8 ? data.subarray(0, VALUE_BYTES / 2).toString('hex') : data
})
const value = (index: number) => values[index % 1024]!
/** Random reads: indexes drawn with replacement, the same for both databases. */
const readOrder = Uint32Array.from({ length: n }, () => nextRandom() % n)

type Level = StrataLevel<Data, Data>
const options = { keyEncoding: flags.encoding, valueEncoding: flags.encoding, cacheSize: 32 * MiB }
const engines: Record<string, (location: string) => Level> = {
  strata: (location) => new StrataLevel<Data, Data>(location, options),
  // The same abstract-level API; typed as StrataLevel's for the shared code below.
  'classic-level': (location) => new ClassicLevel<Data, Data>(location, options) as unknown as Level,
}

/** Runs `operation(i)` for i in [0, count) with `inFlight` calls outstanding at a time. */
async function pool(
  count: number,
  inFlight: number,
  operation: (index: number) => Promise<unknown>,
): Promise<void> {
  let nextIndex = 0
  const lane = async () => {
    while (nextIndex < count) await operation(nextIndex++)
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
}

async function timed(operations: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now()
  await run()
  return operations / ((performance.now() - started) / 1000)
}

/** One round of every workload on one engine; ops/s by workload. */
async function runEngine(name: string, root: string): Promise<Record<string, number>> {
  const open = engines[name]!
  const result: Record<string, number> = {}

  const serial = open(join(root, `${name}-serial`))
  await serial.open()
  const serialCount = Math.floor(n / 4)
  result['fill-serial'] = await timed(serialCount, async () => {
    for (let index = 0; index < serialCount; index++) await serial.put(keys[index]!, value(index))
  })
  await serial.close()

  const batched = open(join(root, `${name}-batch`))
  await batched.open()
  result.batch = await timed(n, async () => {
    for (let start = 0; start < n; start += 100) {
      const operations = []
      for (let index = start; index < Math.min(n, start + 100); index++) {
        operations.push({ type: 'put' as const, key: keys[index]!, value: value(index) })
      }
      await batched.batch(operations)
    }
  })
  await batched.close()

  const db = open(join(root, name))
  await db.open()
  result.fill = await timed(n, () => pool(n, IN_FLIGHT, (index) => db.put(keys[index]!, value(index))))
  result.read = await timed(n, () =>
    pool(n, IN_FLIGHT, async (index) => {
      const found = await db.get(keys[readOrder[index]!]!)
      if (found === undefined) throw new Error(`${name}: key ${readOrder[index]} is missing`)
    }),
  )
  result['read-serial'] = await timed(n, async () => {
    for (let index = 0; index < n; index++) {
      if ((await db.get(keys[readOrder[index]!]!)) === undefined) throw new Error(`${name}: missing key`)
    }
  })
  result.scan = await timed(n, async () => {
    let count = 0
    for await (const _ of db.iterator()) count++
    if (count !== n) throw new Error(`${name}: scan saw ${count} entries, not ${n}`)
  })
  result['scan-nextv'] = await timed(n, async () => {
    const iterator = db.iterator()
    let count = 0
    for (let entries = await iterator.nextv(1000); entries.length > 0; entries = await iterator.nextv(1000)) {
      count += entries.length
    }
    await iterator.close()
    if (count !== n) throw new Error(`${name}: nextv scan saw ${count} entries, not ${n}`)
  })
  await db.close()
  return result
}

const workloads = ['fill', 'fill-serial', 'batch', 'read', 'read-serial', 'scan', 'scan-nextv']
const names = Object.keys(engines)
const samples: Record<string, Record<string, number[]>> = {}
for (const name of names) samples[name] = Object.fromEntries(workloads.map((workload) => [workload, []]))

const format = (value: number) => Math.round(value).toLocaleString('en-US').padStart(11)
console.log(
  `@strata/level bench: n=${n} (${KEY_BYTES} B keys, ${VALUE_BYTES} B values), ${rounds} rounds, ` +
    `${flags.encoding} encoding, sync: false, cacheSize 32 MiB, node ${process.version}`,
)
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse()
  for (const name of order) {
    const root = mkdtempSync(join(tmpdir(), 'strata-level-bench-'))
    try {
      const result = await runEngine(name, root)
      for (const workload of workloads) samples[name]![workload]!.push(result[workload]!)
      console.log(
        `round ${round + 1} ${name.padEnd(13)} ${workloads.map((workload) => `${workload} ${format(result[workload]!).trim()}`).join('  ')}`,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
console.log(`\nmedian ops/s over ${rounds} rounds`)
console.log(`${'workload'.padEnd(12)} ${'strata'.padStart(11)} ${'classic-level'.padStart(13)}  ratio`)
for (const workload of workloads) {
  const ours = median(samples.strata![workload]!)
  const theirs = median(samples['classic-level']![workload]!)
  console.log(
    `${workload.padEnd(12)} ${format(ours)} ${format(theirs).padStart(13)}  ${(ours / theirs).toFixed(2)}x${ours >= theirs ? '' : '  (behind)'}`,
  )
}
