/**
 * The block-compression benchmark (issue #18): the demo's web-shop events
 * (`@strata/cli/dataset`, keys `user:<id>:<ms>`, ~100-byte JSON values) loaded into strata with
 * each codec setting and into classic-level (LevelDB, Snappy) and rocksdb. Per store: the fill
 * rate (puts in batches of 100, unsynced, until the store is closed: the flush of the last
 * memtable and the compactions it triggered included), the bytes of its directory after close and after a
 * full compaction, and random-read (promise `get` of existing keys in random order) and
 * sequential-scan rates on the compacted store. Every (store, round) runs in a child process of
 * its own; rounds rotate the order of the stores. Rates per wall-clock second and per CPU second
 * of the process. Prints medians, and ratios to strata `none`.
 *
 *   node dist/events.js [--n 500000] [--rounds 3] [--reads 100000]
 *                       [--stores none,lz4,deflate-bottommost,classic-level,rocksdb]
 *                       [--values events|random]   (random: apps/bench's keys and values)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventKey, eventValue, generateEvents } from '@strata/cli/dataset'
import { open } from '@strata/engine'
import { ClassicLevel } from 'classic-level'
import rocksdb from 'rocksdb'
import { type Adapter, scanByNextv } from './adapters/adapter.js'
import { openClassicLevel } from './adapters/classic-level.js'
import { openRocksdb } from './adapters/rocksdb.js'
import { keyOf, shuffledKeys, storedKeyNumber, ValuePool } from './keys.js'
import { Random } from './random.js'

const STORES = ['none', 'lz4', 'deflate-bottommost', 'classic-level', 'rocksdb'] as const
type Store = (typeof STORES)[number]

interface Figures {
  fillPerSecond: number
  bytesAfterClose: number
  bytesAfterCompaction: number
  readRandomPerSecond: number
  readSeqPerSecond: number
  /** The same rates per second of the process's CPU time (all its threads: the compaction
   *  worker's too), which other load on the machine moves far less than the wall clock. */
  fillPerCpuSecond: number
  readRandomPerCpuSecond: number
  readSeqPerCpuSecond: number
}

/** CPU seconds (user + system) of this process since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}

function directoryBytes(directory: string): number {
  let total = 0
  for (const name of readdirSync(directory)) {
    const stat = statSync(join(directory, name))
    total += stat.isDirectory() ? directoryBytes(join(directory, name)) : stat.size
  }
  return total
}

function strataOptions(store: Store) {
  if (store === 'none') return { compression: 'none' as const }
  if (store === 'lz4') return { compression: 'lz4' as const }
  return { compression: 'lz4' as const, bottommostCompression: 'deflate' as const }
}

async function openStore(store: Store, directory: string): Promise<Adapter> {
  if (store === 'classic-level') return openClassicLevel(directory, { sync: false })
  if (store === 'rocksdb') return openRocksdb(directory, { sync: false })
  const db = await open(directory, { sync: false, ...strataOptions(store) })
  return {
    engine: 'strata',
    put: (key, value) => db.put(key, value),
    get: (key) => db.get(key) as Promise<Buffer | undefined>,
    delete: (key) => db.del(key),
    batch: (operations) => db.batch(operations),
    scan: (options, visit) => scanByNextv(db.iterator({}), options, visit),
    close: () => db.close(),
  }
}

async function compactStore(store: Store, directory: string): Promise<void> {
  if (store === 'classic-level') {
    const db = new ClassicLevel<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    await db.compactRange(Buffer.from([0]), Buffer.from([0xff]))
    await db.close()
    return
  }
  if (store === 'rocksdb') {
    type Callback = (error?: Error | null) => void
    const db = (
      rocksdb as unknown as (location: string) => {
        open(options: object, callback: Callback): void
        compactRange(start: Buffer, end: Buffer, callback: Callback): void
        close(callback: Callback): void
      }
    )(directory)
    const call = (start: (callback: Callback) => void) =>
      new Promise<void>((resolve, reject) => start((error) => (error ? reject(error) : resolve())))
    await call((callback) => db.open({}, callback))
    await call((callback) => db.compactRange(Buffer.from([0]), Buffer.from([0xff]), callback))
    await call((callback) => db.close(callback))
    return
  }
  const db = await open(directory, { sync: false, ...strataOptions(store) })
  await db.compactRange()
  await db.close()
}

async function runOne(store: Store, count: number, reads: number): Promise<Figures> {
  const directory = mkdtempSync(join(tmpdir(), `strata-events-${store}-`))
  try {
    const keys: Buffer[] = []
    const values: Buffer[] = []
    if (flag('values', 'events') === 'random') {
      // apps/bench's workload: 16-digit keys in random order, 100-byte random printable values.
      const random = new Random(1)
      const pool = new ValuePool(random)
      for (const [index, number] of shuffledKeys(count, random).entries()) {
        keys.push(keyOf(storedKeyNumber(number)))
        values.push(pool.value(index))
      }
    } else {
      for (const event of generateEvents(count)) {
        keys.push(Buffer.from(eventKey(event)))
        values.push(Buffer.from(eventValue(event)))
      }
    }
    let adapter = await openStore(store, directory)
    let started = performance.now()
    let cpu = process.cpuUsage()
    for (let start = 0; start < count; start += 100) {
      const operations = []
      for (let index = start; index < Math.min(count, start + 100); index++) {
        operations.push({ type: 'put' as const, key: keys[index]!, value: values[index]! })
      }
      await adapter.batch(operations)
    }
    await adapter.close()
    const fillSeconds = (performance.now() - started) / 1000
    const fillCpu = cpuSeconds(cpu)
    const bytesAfterClose = directoryBytes(directory)
    await compactStore(store, directory)
    const bytesAfterCompaction = directoryBytes(directory)

    adapter = await openStore(store, directory)
    let state = 12345
    const order = Array.from({ length: reads }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return state % count
    })
    started = performance.now()
    cpu = process.cpuUsage()
    for (const index of order) {
      const value = await adapter.get(keys[index]!)
      if (value === undefined || value.length !== values[index]!.length)
        throw new Error(`wrong read of key ${index}`)
    }
    const readRandomSeconds = (performance.now() - started) / 1000
    const readRandomCpu = cpuSeconds(cpu)
    started = performance.now()
    cpu = process.cpuUsage()
    const scanned = await adapter.scan({ reverse: false, limit: Number.POSITIVE_INFINITY }, () => {})
    const readSeqSeconds = (performance.now() - started) / 1000
    const readSeqCpu = cpuSeconds(cpu)
    if (scanned !== count) throw new Error(`scan saw ${scanned} of ${count} entries`)
    await adapter.close()
    return {
      fillPerSecond: count / fillSeconds,
      bytesAfterClose,
      bytesAfterCompaction,
      readRandomPerSecond: reads / readRandomSeconds,
      readSeqPerSecond: count / readSeqSeconds,
      fillPerCpuSecond: count / fillCpu,
      readRandomPerCpuSecond: reads / readRandomCpu,
      readSeqPerCpuSecond: count / readSeqCpu,
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function main(): Promise<void> {
  const count = Number(flag('n', '500000'))
  const reads = Number(flag('reads', '100000'))
  const one = flag('one', '')
  if (one !== '') {
    process.stdout.write(`${JSON.stringify(await runOne(one as Store, count, reads))}\n`)
    return
  }
  const rounds = Number(flag('rounds', '3'))
  const stores = flag('stores', STORES.join(',')).split(',') as Store[]
  const results = new Map<Store, Figures[]>(stores.map((store) => [store, []]))
  for (let round = 0; round < rounds; round++) {
    const order = stores.map((_, index) => stores[(index + round) % stores.length]!)
    for (const store of order) {
      const output = execFileSync(
        process.execPath,
        [
          process.argv[1]!,
          '--one',
          store,
          '--n',
          String(count),
          '--reads',
          String(reads),
          '--values',
          flag('values', 'events'),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      )
      const figures = JSON.parse(output.trim().split('\n').pop()!) as Figures
      results.get(store)!.push(figures)
      process.stderr.write(`round ${round + 1} ${store}: ${JSON.stringify(figures)}\n`)
    }
  }
  const fields: (keyof Figures)[] = [
    'bytesAfterClose',
    'bytesAfterCompaction',
    'fillPerSecond',
    'readRandomPerSecond',
    'readSeqPerSecond',
    'fillPerCpuSecond',
    'readRandomPerCpuSecond',
    'readSeqPerCpuSecond',
  ]
  const medians = new Map(
    stores.map((store) => [
      store,
      Object.fromEntries(
        fields.map((field) => [field, median(results.get(store)!.map((each) => each[field]))]),
      ) as unknown as Figures,
    ]),
  )
  const base = medians.get('none')
  console.log(
    `${count.toLocaleString('en')} events, ${rounds} rounds, ${reads.toLocaleString('en')} random reads; medians (ratio to strata none)`,
  )
  console.log(`| store | ${fields.join(' | ')} |`)
  console.log(`| --- | ${fields.map(() => '---:').join(' | ')} |`)
  for (const store of stores) {
    const row = medians.get(store)!
    const cells = fields.map((field) => {
      const value = Math.round(row[field]).toLocaleString('en')
      return base === undefined ? value : `${value} (${(row[field] / base[field]).toFixed(2)})`
    })
    console.log(`| ${store} | ${cells.join(' | ')} |`)
  }
}

await main()
