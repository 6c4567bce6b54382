/**
 * Where a point read's time goes: µs per operation by component of strata's read path, on a
 * store laid out as the benchmark's prefill lays it out (n keys in random order, batches of
 * 1,000, closed and reopened).
 *
 *   node dist/read-components.js [--n 1000000] [--reads 200000] [--cache <MiB>] [--rounds 3]
 *
 * Per workload (readrandom: stored keys; readmissing: absent keys between them; readseq: a full
 * forward scan with `nextv(1000)`), alternating passes over fresh random keys measure:
 *
 * - `get` (awaited promise), `getSyncOrPromise` (awaited only when a promise) and `getSync`:
 *   the whole operation, unwrapped; `get − getSyncOrPromise` is the promise/await overhead;
 * - an attributed pass in which the read path's functions are wrapped with timers (each timer's
 *   own cost, calibrated, is subtracted per call): `pread` (the `FileSystem.readSync` the table
 *   reads through), the bloom filter probe, the index search, the rest of `Table.locate` (key
 *   range, argument checks), the block cache lookup, verify + decode of a block read
 *   (`loadBlockSync` minus its `pread`; the CRC32C part of it measured on the same blocks), the
 *   in-block search (`Block.find`, value copy included; the copy measured alone), and what is
 *   left (engine: key encoding, memtables, candidate tables, filter hashes, the answer).
 *
 * Counts per operation (tables probed, blocks read, cache hits) come from the same pass. The
 * figures of a wrapped pass add up to more than an unwrapped one only by what the calibration
 * misses; the table prints both totals.
 */
import { crc32c, nodeFileSystem } from '@strata/base'
import { type Database, open } from '@strata/engine'
import { Table } from '@strata/sstable'
import { openStrata } from './adapters/strata.js'
import { freshDirectory, removeDirectory } from './disk.js'
import { KeyList, randomKeys } from './keys.js'
import { Random } from './random.js'
import { prefill } from './workloads.js'

interface Flags {
  n: number
  reads: number
  cacheMiB: number | undefined
  rounds: number
}

function readFlags(argv: string[]): Flags {
  const flags: Flags = { n: 1_000_000, reads: 200_000, cacheMiB: undefined, rounds: 3 }
  for (let index = 0; index < argv.length; index += 2) {
    const name = argv[index]
    const value = Number(argv[index + 1]?.replace(/[_,]/g, ''))
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} needs a number, got ${argv[index + 1]}`)
    if (name === '--n') flags.n = value
    else if (name === '--reads') flags.reads = value
    else if (name === '--cache') flags.cacheMiB = value
    else if (name === '--rounds') flags.rounds = value
    else throw new Error(`unknown flag ${name}; flags: --n, --reads, --cache <MiB>, --rounds`)
  }
  return flags
}

/** Time and calls per component of the attributed pass. */
class Ledger {
  readonly micros = new Map<string, number>()
  readonly calls = new Map<string, number>()
  add(name: string, millis: number): void {
    this.micros.set(name, (this.micros.get(name) ?? 0) + millis * 1000)
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1)
  }
  reset(): void {
    this.micros.clear()
    this.calls.clear()
  }
}

const ledger = new Ledger()
let attributing = false

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown

/** Wraps `owner[method]` so that, while `attributing`, each call's time goes to `name`. */
function wrap(owner: object, method: string, name: string): void {
  const target = owner as Record<string, AnyFunction>
  const original = target[method]!
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (!attributing) return original.apply(this, args)
    const started = performance.now()
    try {
      return original.apply(this, args)
    } finally {
      ledger.add(name, performance.now() - started)
    }
  }
}

/** Cost of one timed wrapper around a trivial call, in µs (subtracted per wrapped call). */
function calibrate(): number {
  const probe = { noop: (value: number) => value + 1 }
  wrap(probe, 'noop', 'calibration')
  attributing = true
  const calls = 2_000_000
  let sum = 0
  const started = performance.now()
  for (let index = 0; index < calls; index++) sum += probe.noop(index)
  const wrapped = (performance.now() - started) * 1000
  attributing = false
  const plainStarted = performance.now()
  for (let index = 0; index < calls; index++) sum += probe.noop(index)
  const plain = (performance.now() - plainStarted) * 1000
  ledger.reset()
  if (sum < 0) console.log(sum)
  return Math.max(0, (wrapped - plain) / calls)
}

/** A `FileSystem` whose `readSync` (the table's `pread`) is a component of its own. */
function timedFileSystem() {
  const fs = Object.create(nodeFileSystem) as typeof nodeFileSystem
  wrap(fs, 'readSync', 'pread')
  return fs
}

let hooked = false
/** Wraps the read path's functions on their prototypes (once the first block shows its class). */
function hookTables(): void {
  if (hooked) return
  hooked = true
  const tableProto = Table.prototype as unknown as Record<string, AnyFunction>
  wrap(tableProto, 'locate', 'locate')
  wrap(tableProto, 'cachedBlock', 'cache lookup')
  // The first block loaded shows the classes of blocks, filters and indexes.
  const loadBlockSync = tableProto.loadBlockSync!
  let blockHooked = false
  tableProto.loadBlockSync = function (this: unknown, ...args: unknown[]) {
    if (!attributing) return loadBlockSync.apply(this, args)
    const started = performance.now()
    const block = loadBlockSync.apply(this, args) as object
    ledger.add('block load', performance.now() - started)
    blockSizes.push((block as { bytes: Uint8Array }).bytes.length)
    if (!blockHooked) {
      blockHooked = true
      wrap(Object.getPrototypeOf(block), 'find', 'block search')
      const table = this as Record<string, object>
      wrap(Object.getPrototypeOf(table.filter), 'mayContainHashes', 'bloom')
      wrap(Object.getPrototypeOf(table.filter), 'mayContain', 'bloom')
      wrap(Object.getPrototypeOf(table.index), 'find', 'index search')
    }
    return block
  }
}

const blockSizes: number[] = []

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** µs per call of `crc32c` over `bytes` bytes (the verify step of a block read). */
function crcMicros(bytes: number): number {
  const buffer = Buffer.alloc(bytes, 0x5a)
  const calls = 200_000
  let sum = 0
  const started = performance.now()
  for (let index = 0; index < calls; index++) sum ^= crc32c(buffer)
  if (sum === 0x12345678) console.log(sum)
  return ((performance.now() - started) * 1000) / calls
}

/** µs per copy of a `bytes`-byte value out of a block (`Uint8Array.prototype.slice`). */
function copyMicros(bytes: number): number {
  const block = new Uint8Array(4096)
  const calls = 1_000_000
  let sum = 0
  const started = performance.now()
  for (let index = 0; index < calls; index++) sum += block.slice(index & 1023, (index & 1023) + bytes).length
  if (sum === 0) console.log(sum)
  return ((performance.now() - started) * 1000) / calls
}

type ReadKind = 'readrandom' | 'readmissing'

function keysFor(kind: ReadKind, flags: Flags, seed: number): KeyList {
  return new KeyList(randomKeys(flags.reads, flags.n, new Random(seed), kind === 'readmissing'))
}

async function passGet(db: Database, keys: KeyList, count: number): Promise<number> {
  const started = performance.now()
  for (let index = 0; index < count; index++) await db.get(keys.key(index))
  return ((performance.now() - started) * 1000) / count
}

async function passSyncOrPromise(db: Database, keys: KeyList, count: number): Promise<number> {
  const started = performance.now()
  for (let index = 0; index < count; index++) {
    const found = db.getSyncOrPromise(keys.key(index))
    if (found instanceof Promise) await found
  }
  return ((performance.now() - started) * 1000) / count
}

function passGetSync(db: Database, keys: KeyList, count: number): number {
  const started = performance.now()
  for (let index = 0; index < count; index++) db.getSync(keys.key(index))
  return ((performance.now() - started) * 1000) / count
}

/** Key generation alone (subtracted from every pass: each pass builds its keys the same way). */
function passKeys(keys: KeyList, count: number): number {
  let sum = 0
  const started = performance.now()
  for (let index = 0; index < count; index++) sum += keys.key(index)[15]!
  if (sum < 0) console.log(sum)
  return ((performance.now() - started) * 1000) / count
}

interface Row {
  component: string
  micros: number
  perOp: string
}

async function attributed(db: Database, keys: KeyList, count: number, timerMicros: number) {
  ledger.reset()
  blockSizes.length = 0
  const before = db.stats()
  attributing = true
  const started = performance.now()
  for (let index = 0; index < count; index++) {
    const found = db.getSyncOrPromise(keys.key(index))
    if (found instanceof Promise) await found
  }
  const total = ((performance.now() - started) * 1000) / count
  attributing = false
  const after = db.stats()
  const micros = (name: string) => {
    const calls = ledger.calls.get(name) ?? 0
    return Math.max(0, ((ledger.micros.get(name) ?? 0) - calls * timerMicros) / count)
  }
  const calls = (name: string) => (ledger.calls.get(name) ?? 0) / count
  // Nested timers: a parent's time includes its children's and their timers' cost.
  const nestedTimer = (name: string) => calls(name) * timerMicros
  const bloom = micros('bloom')
  const index = micros('index search')
  const locate = micros('locate') - bloom - index - nestedTimer('bloom') - nestedTimer('index search')
  const pread = micros('pread')
  const loads = calls('block load')
  const blockBytes = blockSizes.length > 0 ? median(blockSizes) : 4096
  const crc = loads * crcMicros(blockBytes)
  const load = micros('block load') - pread - nestedTimer('pread')
  const search = micros('block search')
  const copy = calls('block search') * copyMicros(100)
  const cache = micros('cache lookup')
  const named = bloom + index + locate + pread + load + search + cache
  const rows: Row[] = [
    { component: 'pread (syscall)', micros: pread, perOp: `${calls('pread').toFixed(2)} reads` },
    { component: 'checksum (crc32c)', micros: crc, perOp: `${loads.toFixed(2)} blocks of ${blockBytes} B` },
    {
      component: 'block decode (verify − crc, decompress, restart check)',
      micros: Math.max(0, load - crc),
      perOp: '',
    },
    { component: 'bloom probe', micros: bloom, perOp: `${calls('bloom').toFixed(2)} probes` },
    { component: 'index search', micros: index, perOp: `${calls('index search').toFixed(2)} searches` },
    {
      component: 'locate (key range, checks)',
      micros: Math.max(0, locate),
      perOp: `${calls('locate').toFixed(2)} tables`,
    },
    { component: 'block cache lookup', micros: cache, perOp: `${calls('cache lookup').toFixed(2)} lookups` },
    {
      component: 'block search (find, value copy incl.)',
      micros: search,
      perOp: `${calls('block search').toFixed(2)} blocks`,
    },
    { component: '  of which value copy (100 B)', micros: copy, perOp: '' },
    {
      component: 'engine rest (key, memtables, candidates, hashes)',
      micros: Math.max(0, total - named),
      perOp: '',
    },
  ]
  return {
    total,
    rows,
    hits: (after.cache.hits - before.cache.hits) / count,
    misses: (after.cache.misses - before.cache.misses) / count,
  }
}

async function scanMicros(db: Database): Promise<{ perEntry: number; entries: number }> {
  const iterator = db.iterator()
  let entries = 0
  const started = performance.now()
  for (;;) {
    const batch = await iterator.nextv(1000)
    if (batch.length === 0) break
    entries += batch.length
  }
  await iterator.close()
  return { perEntry: ((performance.now() - started) * 1000) / entries, entries }
}

const fmt = (value: number) => value.toFixed(value < 10 ? 2 : 1)

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2))
  const directory = freshDirectory('read-components')
  try {
    const filler = await openStrata(directory, { sync: false })
    await prefill(filler, flags.n, 1)
    await filler.close()
    const db = await open(directory, {
      sync: false,
      fs: timedFileSystem(),
      ...(flags.cacheMiB === undefined ? {} : { blockCacheBytes: flags.cacheMiB * 1024 * 1024 }),
    })
    // Reads measured on a settled tree: compactions started by the reopen finish first.
    while (db.stats().compaction.running) await new Promise((resolve) => setTimeout(resolve, 50))
    hookTables()
    const timerMicros = calibrate()
    const shape = db.stats().levels.map((level) => level.files)
    console.log(
      `n=${flags.n} reads/pass=${flags.reads} cache=${db.stats().cache.capacityBytes / 1048576} MiB ` +
        `files by level=[${shape.join(',')}] timer=${timerMicros.toFixed(3)} µs`,
    )
    let seed = 100
    for (const kind of ['readrandom', 'readmissing'] as const) {
      // Warm-up: the cache fills as the benchmark's would.
      await passSyncOrPromise(db, keysFor(kind, flags, seed++), flags.reads)
      const totals = {
        get: [] as number[],
        syncOrPromise: [] as number[],
        getSync: [] as number[],
        keys: [] as number[],
      }
      let last: Awaited<ReturnType<typeof attributed>> | undefined
      for (let round = 0; round < flags.rounds; round++) {
        totals.keys.push(passKeys(keysFor(kind, flags, seed), flags.reads))
        totals.get.push(await passGet(db, keysFor(kind, flags, seed++), flags.reads))
        totals.syncOrPromise.push(await passSyncOrPromise(db, keysFor(kind, flags, seed++), flags.reads))
        totals.getSync.push(passGetSync(db, keysFor(kind, flags, seed++), flags.reads))
        last = await attributed(db, keysFor(kind, flags, seed++), flags.reads, timerMicros)
      }
      const keyCost = median(totals.keys)
      const get = median(totals.get) - keyCost
      const syncOrPromise = median(totals.syncOrPromise) - keyCost
      console.log(
        `\n### ${kind} (µs per operation, median of ${flags.rounds} passes, key generation excluded)`,
      )
      console.log(`cache per op: ${last!.hits.toFixed(2)} hits, ${last!.misses.toFixed(2)} misses\n`)
      console.log('| component | µs/op | per op |')
      console.log('| --- | --: | --- |')
      for (const row of last!.rows) console.log(`| ${row.component} | ${fmt(row.micros)} | ${row.perOp} |`)
      console.log(`| promise/await (get − getSyncOrPromise) | ${fmt(Math.max(0, get - syncOrPromise))} | |`)
      console.log(`| **total, get (awaited)** | ${fmt(get)} | |`)
      console.log(`| total, getSyncOrPromise | ${fmt(syncOrPromise)} | |`)
      console.log(`| total, getSync | ${fmt(median(totals.getSync) - keyCost)} | |`)
      console.log(`| total, attributed pass (wrapped) | ${fmt(last!.total - keyCost)} | |`)
    }
    const scans: number[] = []
    attributing = false
    for (let round = 0; round < flags.rounds; round++) scans.push((await scanMicros(db)).perEntry)
    ledger.reset()
    attributing = true
    const before = db.stats()
    const { perEntry, entries } = await scanMicros(db)
    attributing = false
    const after = db.stats()
    const perEntryOf = (name: string) =>
      Math.max(0, (ledger.micros.get(name) ?? 0) - (ledger.calls.get(name) ?? 0) * timerMicros) / entries
    console.log(`\n### readseq (µs per entry, nextv(1000), median of ${flags.rounds} scans)\n`)
    console.log('| component | µs/entry |')
    console.log('| --- | --: |')
    console.log(`| pread (syscall) | ${fmt(perEntryOf('pread'))} |`)
    console.log(
      `| block cache misses per 1,000 entries | ${(((after.cache.misses - before.cache.misses) * 1000) / entries).toFixed(1)} |`,
    )
    console.log(`| total | ${fmt(median(scans))} |`)
    console.log(`| total, attributed pass | ${fmt(perEntry)} |`)
    await db.close()
  } finally {
    removeDirectory(directory)
  }
}

await main()
