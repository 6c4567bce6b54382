/**
 * Where a point read's time goes: µs per operation by component of strata's read path, on a
 * store laid out as the benchmark's prefill lays it out (n keys in random order, batches of
 * 1,000, closed and reopened; reads start once the compactions the reopen starts are done).
 *
 *   node dist/read-components.js [--n 1000000] [--reads 200000] [--cache <MiB>] [--rounds 3]
 *
 * Each component's figure is (calls per operation) × (µs per call):
 *
 * - calls per operation are counted in a pass over the workload's keys with the read path's
 *   functions wrapped by counters (a count costs far less than a timer: the pass runs the same
 *   code paths at nearly full speed);
 * - µs per call is timed in a loop of many calls on the store's own tables, blocks and keys, so
 *   no timer sits inside a sub-microsecond call: the bloom probe, the index search, the rest of
 *   `Table.locate`, a block cache lookup, CRC32C of a block, decoding one (the `Block`
 *   constructor's restart-array check; blocks of random values are stored raw), the in-block
 *   search (`Block.find`, which copies the value out), and that copy alone;
 * - `pread` (several µs) is timed around each call in the counting pass itself, on the random
 *   blocks the workload reads (a block in sequence, from a warmer page cache, costs less).
 *
 * Every figure is CPU time of the process (`process.cpuUsage`), except `pread`'s, which is wall
 * time around each call (mostly the kernel's copy, on this CPU). Totals are timed unwrapped, in passes that alternate over fresh random keys: `get` (awaited
 * promise), `getSyncOrPromise` (awaited only when a promise) and `getSync`. `get −
 * getSyncOrPromise` is the promise/await overhead; `getSyncOrPromise` minus the named components
 * is "engine rest" (key checks, memtables, range-tombstone check, candidate tables, filter hashes,
 * the answer's decoding). Key generation is timed alone and subtracted. readseq: a full forward
 * scan with `nextv(1000)`, per entry, with its `pread`s counted and timed the same way.
 */
import { crc32c, MAX_SEQ, nodeFileSystem } from '@strata/base'
import { type Database, open } from '@strata/engine'
import { FilterHashes, Table } from '@strata/sstable'
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

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown

/** Calls counted per component while `counting`. */
const calls = new Map<string, number>()
/** Milliseconds inside the engine's `pread`s while counting (a `pread` takes microseconds: a
 *  timer around it costs little, and it is timed where it runs, on random blocks). */
let preadMillis = 0
const counters: {
  owner: Record<string, AnyFunction>
  method: string
  original: AnyFunction
  counted: AnyFunction
}[] = []

/** Counts the calls of `owner[method]` as `name` (in place only while counting). */
function count(owner: object, method: string, name: string): void {
  const target = owner as Record<string, AnyFunction>
  const original = target[method]!
  counters.push({
    owner: target,
    method,
    original,
    counted: function (this: unknown, ...args: unknown[]) {
      calls.set(name, (calls.get(name) ?? 0) + 1)
      return original.apply(this, args)
    },
  })
}

function setCounting(on: boolean): void {
  for (const { owner, method, original, counted } of counters) owner[method] = on ? counted : original
}

/** The engine's tables (through its tree: the bench reaches inside on purpose). */
function openTables(db: Database): Table[] {
  const tree = (db as unknown as { parts: { tree: { table(file: number): Table } } }).parts.tree
  return db
    .levels()
    .flatMap((level) => level.tables)
    .map((view) => tree.table(view.fileNumber))
}

/** What a table keeps private, for timing its parts alone. */
interface TableParts {
  filter: { mayContainHashes(h1: number, h2: number): boolean }
  index: { find(key: Uint8Array, seq: number): number }
}
const partsOf = (table: Table) => table as unknown as TableParts

/** Counters on the read path's functions, on their prototypes (`fs`: the engine's file system). */
function hookCounters(db: Database, fs: object): void {
  const table = openTables(db)[0]!
  count(Table.prototype, 'locate', 'locate')
  count(Table.prototype, 'cachedBlock', 'cache lookup')
  count(Table.prototype, 'loadBlockSync', 'block load')
  count(Object.getPrototypeOf(partsOf(table).filter), 'mayContainHashes', 'bloom')
  count(Object.getPrototypeOf(partsOf(table).index), 'find', 'index search')
  count(Object.getPrototypeOf(table.loadBlockSync(0)), 'find', 'block search')
  const readSync = (fs as Record<string, AnyFunction>).readSync!
  counters.push({
    owner: fs as Record<string, AnyFunction>,
    method: 'readSync',
    original: readSync,
    counted: function (this: unknown, ...args: unknown[]) {
      calls.set('pread', (calls.get('pread') ?? 0) + 1)
      const started = performance.now()
      try {
        return readSync.apply(this, args)
      } finally {
        preadMillis += performance.now() - started
      }
    },
  })
}

/** CPU time of this process (all threads; the compaction worker is idle while reads run), in
 *  ms: on a shared machine a wall clock also counts the time others' processes ran. */
function cpuMillis(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** µs per call of `body`, over `calls` calls (median of 3 timings). */
function perCall(callCount: number, body: (index: number) => unknown): number {
  const timings: number[] = []
  for (let round = 0; round < 3; round++) {
    let sink = 0
    const started = cpuMillis()
    for (let index = 0; index < callCount; index++) if (body(index) === sink) sink++
    timings.push(((cpuMillis() - started) * 1000) / callCount)
  }
  return median(timings)
}

interface UnitCosts {
  bloom: number
  index: number
  locate: number
  cacheLookup: number
  pread: number
  crc: number
  decode: number
  find: number
  copy: number
  blockBytes: number
}

/** µs per call of each component, timed on the largest table of the store. */
function unitCosts(db: Database, keys: KeyList, missing: KeyList): UnitCosts {
  const tables = openTables(db)
  const table = tables.reduce((best, next) => (next.blockCount > best.blockCount ? next : best))
  const { filter, index } = partsOf(table)
  const sample = 20_000
  const hashes = new FilterHashes()
  const h1 = new Int32Array(sample)
  const h2 = new Int32Array(sample)
  for (let at = 0; at < sample; at++) {
    const found = hashes.of(missing.key(at))
    h1[at] = found.h1
    h2[at] = found.h2
  }
  const bloom = perCall(sample, (at) => filter.mayContainHashes(h1[at]!, h2[at]!))
  const indexSearch = perCall(sample, (at) => index.find(keys.key(at), MAX_SEQ))
  const locate = perCall(sample, (at) => table.locate(keys.key(at), MAX_SEQ))
  const blocks = Math.min(table.blockCount, 2000)
  // Block loads through the scratch buffer (never cached), their pread timed apart.
  let preadMillis = 0
  let preads = 0
  const timer = {
    start: () => performance.now(),
    record: (startedAt: number) => {
      preadMillis += performance.now() - startedAt
      preads++
    },
  }
  perCall(blocks, (at) => table.loadBlockSync(at, timer, true))
  const pread = (preadMillis * 1000) / preads
  const blockBytes = (table as unknown as { blockSize(block: number): number }).blockSize(0)
  const raw = Buffer.alloc(blockBytes, 0x5a)
  const crc = perCall(100_000, () => crc32c(raw))
  // Cached blocks and, for each, a key it holds: the lookup and the search.
  const cached = Array.from({ length: Math.min(blocks, 500) }, (_, at) => table.loadBlockSync(at))
  const cachedKeys = cached.map((block) => block.decodeAll()[7]!.key)
  // Decoding a block read: its contents are raw here (random values do not compress by the 12.5%
  // a block must save to be stored compressed), so decoding is the Block constructor's check of
  // the restart array over the block's bytes.
  const BlockClass = Object.getPrototypeOf(cached[0]!).constructor as new (
    bytes: Buffer,
    file: string,
    offset: number,
    kind: string,
  ) => unknown
  const contents = cached.map((block) => Buffer.from(block.bytes))
  const decode = perCall(100_000, (at) => new BlockClass(contents[at % contents.length]!, 'x.sst', 0, 'data'))
  const cacheLookup = perCall(100_000, (at) => table.cachedBlock(at % cached.length))
  const find = perCall(100_000, (at) =>
    cached[at % cached.length]!.find(cachedKeys[at % cached.length]!, MAX_SEQ),
  )
  const source = new Uint8Array(4096)
  // As Block.find copies a value (coding.ts, copyRange).
  const copy = perCall(1_000_000, (at) =>
    Buffer.allocUnsafe(100).set(source.subarray(at & 1023, (at & 1023) + 100)),
  )
  return {
    bloom,
    index: indexSearch,
    locate: Math.max(0, locate - indexSearch - bloom),
    cacheLookup,
    pread,
    crc,
    decode,
    find,
    copy,
    blockBytes,
  }
}

type ReadKind = 'readrandom' | 'readmissing'

function keysFor(kind: ReadKind, flags: Flags, seed: number): KeyList {
  return new KeyList(randomKeys(flags.reads, flags.n, new Random(seed), kind === 'readmissing'))
}

async function passGet(db: Database, keys: KeyList, total: number): Promise<number> {
  const started = cpuMillis()
  for (let index = 0; index < total; index++) await db.get(keys.key(index))
  return ((cpuMillis() - started) * 1000) / total
}

async function passSyncOrPromise(db: Database, keys: KeyList, total: number): Promise<number> {
  const started = cpuMillis()
  for (let index = 0; index < total; index++) {
    const found = db.getSyncOrPromise(keys.key(index))
    if (found instanceof Promise) await found
  }
  return ((cpuMillis() - started) * 1000) / total
}

function passGetSync(db: Database, keys: KeyList, total: number): number {
  const started = cpuMillis()
  for (let index = 0; index < total; index++) db.getSync(keys.key(index))
  return ((cpuMillis() - started) * 1000) / total
}

/** Key generation alone (subtracted from every pass: each pass takes its keys the same way). */
function passKeys(keys: KeyList, total: number): number {
  let sum = 0
  const started = cpuMillis()
  for (let index = 0; index < total; index++) sum += keys.key(index)[15]!
  if (sum < 0) console.log(sum)
  return ((cpuMillis() - started) * 1000) / total
}

/** Calls per operation of each component, counted over `keys`. */
async function countCalls(
  db: Database,
  keys: KeyList,
  total: number,
): Promise<{ per: (name: string) => number; preadMicros: number }> {
  calls.clear()
  preadMillis = 0
  setCounting(true)
  await passSyncOrPromise(db, keys, total)
  setCounting(false)
  const counted = new Map(calls)
  const preads = counted.get('pread') ?? 0
  return {
    per: (name: string) => (counted.get(name) ?? 0) / total,
    preadMicros: preads === 0 ? 0 : (preadMillis * 1000) / preads,
  }
}

async function scanMicros(db: Database): Promise<{ perEntry: number; entries: number }> {
  const iterator = db.iterator()
  let entries = 0
  const started = cpuMillis()
  for (;;) {
    const batch = await iterator.nextv(1000)
    if (batch.length === 0) break
    entries += batch.length
  }
  await iterator.close()
  return { perEntry: ((cpuMillis() - started) * 1000) / entries, entries }
}

const fmt = (value: number) => value.toFixed(value < 10 ? 2 : 1)

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2))
  const directory = freshDirectory('read-components')
  try {
    const filler = await openStrata(directory, { sync: false })
    await prefill(filler, flags.n, 1)
    await filler.close()
    const fs = Object.create(nodeFileSystem) as typeof nodeFileSystem
    const db = await open(directory, {
      sync: false,
      fs,
      ...(flags.cacheMiB === undefined ? {} : { blockCacheBytes: flags.cacheMiB * 1024 * 1024 }),
    })
    // Reads measured on a settled tree: compactions started by the reopen finish first.
    await new Promise((resolve) => setTimeout(resolve, 200))
    while (db.stats().compaction.running) await new Promise((resolve) => setTimeout(resolve, 50))
    hookCounters(db, fs)
    const shape = db.stats().levels.map((level) => level.files)
    console.log(
      `n=${flags.n} reads/pass=${flags.reads} cache=${db.stats().cache.capacityBytes / 1048576} MiB ` +
        `tables by level=[${shape.join(',')}]`,
    )
    let seed = 100
    const units = unitCosts(db, keysFor('readrandom', flags, seed++), keysFor('readmissing', flags, seed++))
    for (const kind of ['readrandom', 'readmissing'] as const) {
      await passSyncOrPromise(db, keysFor(kind, flags, seed++), flags.reads) // the cache fills
      const totals = {
        get: [] as number[],
        syncOrPromise: [] as number[],
        getSync: [] as number[],
        keys: [] as number[],
      }
      for (let round = 0; round < flags.rounds; round++) {
        totals.keys.push(passKeys(keysFor(kind, flags, seed), flags.reads))
        totals.get.push(await passGet(db, keysFor(kind, flags, seed++), flags.reads))
        totals.syncOrPromise.push(await passSyncOrPromise(db, keysFor(kind, flags, seed++), flags.reads))
        totals.getSync.push(passGetSync(db, keysFor(kind, flags, seed++), flags.reads))
      }
      const before = db.stats().cache
      const readsBefore = db.stats().reads
      const { per, preadMicros } = await countCalls(db, keysFor(kind, flags, seed++), flags.reads)
      const pread = preadMicros > 0 ? preadMicros : units.pread
      const after = db.stats().cache
      const readsAfter = db.stats().reads
      const keyCost = median(totals.keys)
      const get = median(totals.get) - keyCost
      const syncOrPromise = median(totals.syncOrPromise) - keyCost
      const rows: [string, number, string][] = [
        [
          'pread (syscall; timed where it runs)',
          per('pread') * pread,
          `${per('pread').toFixed(2)} × ${fmt(pread)} (${fmt(units.pread)} in sequence)`,
        ],
        [
          'checksum (crc32c)',
          per('block load') * units.crc,
          `${per('block load').toFixed(2)} × ${fmt(units.crc)} (${units.blockBytes} B)`,
        ],
        [
          'block decode (restart array; blocks stored raw)',
          per('block load') * units.decode,
          `${per('block load').toFixed(2)} × ${fmt(units.decode)}`,
        ],
        ['bloom probe', per('bloom') * units.bloom, `${per('bloom').toFixed(2)} × ${fmt(units.bloom)}`],
        [
          'index search',
          per('index search') * units.index,
          `${per('index search').toFixed(2)} × ${fmt(units.index)}`,
        ],
        [
          'rest of locate (key range, argument checks)',
          per('locate') * units.locate,
          `${per('locate').toFixed(2)} × ${fmt(units.locate)}`,
        ],
        [
          'block cache lookup',
          per('cache lookup') * units.cacheLookup,
          `${per('cache lookup').toFixed(2)} × ${fmt(units.cacheLookup)}`,
        ],
        [
          'block search (find; value copy incl.)',
          per('block search') * units.find,
          `${per('block search').toFixed(2)} × ${fmt(units.find)}`,
        ],
      ]
      const named = rows.reduce((sum, row) => sum + row[1], 0)
      console.log(`\n### ${kind} (µs per operation; ${flags.rounds} passes, key generation excluded)`)
      console.log(
        `cache per op: ${((after.hits - before.hits) / flags.reads).toFixed(2)} hits, ` +
          `${((after.misses - before.misses) / flags.reads).toFixed(2)} misses; synchronous reads ` +
          `${readsAfter.syncReads - readsBefore.syncReads} (${readsAfter.slowSyncReads - readsBefore.slowSyncReads} ` +
          `over 0.2 ms), switches to the thread pool ${readsAfter.switchesToAsync - readsBefore.switchesToAsync}\n`,
      )
      console.log('| component | µs/op | calls/op × µs/call |')
      console.log('| --- | --: | --- |')
      for (const [name, micros, detail] of rows) console.log(`| ${name} | ${fmt(micros)} | ${detail} |`)
      const copies = kind === 'readrandom' ? per('block search') : 0
      console.log(
        `| of which value copy (100 B) | ${fmt(copies * units.copy)} | ${copies.toFixed(2)} × ${fmt(units.copy)} |`,
      )
      console.log(
        `| engine rest (getSyncOrPromise − the above) | ${fmt(Math.max(0, syncOrPromise - named))} | |`,
      )
      console.log(`| promise/await (get − getSyncOrPromise) | ${fmt(Math.max(0, get - syncOrPromise))} | |`)
      console.log(`| **total, get (awaited)** | **${fmt(get)}** | |`)
      console.log(`| total, getSyncOrPromise | ${fmt(syncOrPromise)} | |`)
      console.log(`| total, getSync | ${fmt(median(totals.getSync) - keyCost)} | |`)
    }
    const scans: number[] = []
    for (let round = 0; round < flags.rounds; round++) scans.push((await scanMicros(db)).perEntry)
    calls.clear()
    setCounting(true)
    const { entries } = await scanMicros(db)
    setCounting(false)
    const preads = (calls.get('pread') ?? 0) / entries
    console.log(`\n### readseq (µs per entry, nextv(1000), median of ${flags.rounds} scans)\n`)
    console.log('| component | µs/entry | calls/entry × µs/call |')
    console.log('| --- | --: | --- |')
    console.log(
      `| pread (syscall, readahead runs) | ${fmt(preads * units.pread)} | ${preads.toFixed(4)} × ${fmt(units.pread)} (a run is several blocks: more per call) |`,
    )
    console.log(`| **total** | **${fmt(median(scans))}** | |`)
    await db.close()
  } finally {
    removeDirectory(directory)
  }
}

await main()
