/**
 * Benchmark of @strata/sstable (run: `pnpm --filter @strata/sstable bench`). One run, 1,000,000
 * random 16-byte keys with 100-byte values: build rate, bytes on disk per entry, full scans,
 * random gets (warm cache; cache 1/10 of the table), gets of absent keys. Each figure is printed
 * beside a reference measured in the same run on the same machine, and checked against its
 * target. Read measurements run ROUNDS times and report the best round. Options: --entries=N
 * (default 1000000), --seed=N.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as nodePath from 'node:path'
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import { type InternalEntry, OpType } from '@strata/base'
import { BlockCache, Table, TableBuilder } from '../src/index.js'
// The tests' xorshift32: deterministic, so runs are comparable.
import { generator } from '../test/helpers.js'

const argument = (name: string, fallback: number) => {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`))
  return given === undefined ? fallback : Number(given.slice(name.length + 3))
}
const ENTRIES = argument('entries', 1_000_000)
const SEED = argument('seed', 20_240_601)
const KEY_BYTES = 16
const VALUE_BYTES = 100
const LOOKUPS = Math.min(ENTRIES, 500_000)
/** Other engineers share this machine: each read measurement runs this many rounds and the
 *  best round is reported. */
const ROUNDS = 3
const MB = 1_000_000

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let index = 0; index < length; index += 4) {
    const word = next()
    for (let byte = 0; byte < 4 && index + byte < length; byte++)
      bytes[index + byte] = (word >>> (byte * 8)) & 0xff
  }
  return bytes
}

/** `count` fixed-size keys stored back to back in one buffer: views are made when needed, so the
 *  heap holds a few objects instead of millions and garbage collection stays out of the figures. */
class KeyList {
  constructor(
    readonly bytes: Buffer,
    readonly count: number,
  ) {}
  at(index: number): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + index * KEY_BYTES, KEY_BYTES)
  }
}

const rows: string[][] = []
function report(name: string, figure: string, reference: string, ratio: string, target: string) {
  rows.push([name, figure, reference, ratio, target])
  console.log(`  ${name}: ${figure}   [${reference}; ${ratio}; ${target}]`)
}
const format = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
function verdict(value: number, target: number, unit = '', higherIsBetter = true): string {
  const pass = higherIsBetter ? value >= target : value <= target
  return `${pass ? 'PASS' : 'MISS'} (target ${higherIsBetter ? '>=' : '<='} ${format(target, target < 10 ? 2 : 0)}${unit})`
}
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9

/** A full garbage collection before each measurement, so garbage left by the setup (a million
 *  keys sorted as separate Buffers) is not collected on a measurement's time. */
v8.setFlagsFromString('--expose-gc')
const collectGarbage = vm.runInNewContext('gc') as () => void

// Timed loops live in small functions: awaiting inside the large `main` would restore its big
// frame on every resumption, a cost of the benchmark rather than of the table.

/** CPU seconds (user + system) this process used since `since`. Printed beside wall-clock rates:
 *  when other work shares the machine, the CPU-time rate shows what the code itself costs. */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

async function timeGets(table: Table, probes: KeyList, sync: boolean) {
  let found = 0
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  if (sync) {
    for (let index = 0; index < probes.count; index++)
      if (table.getSync(probes.at(index)) !== undefined) found++
  } else {
    for (let index = 0; index < probes.count; index++)
      if ((await table.get(probes.at(index))) !== undefined) found++
  }
  return { rate: probes.count / seconds(start), cpuRate: probes.count / cpuSeconds(cpu), found }
}

async function bestGets(table: Table, probes: KeyList, sync: boolean, rounds = ROUNDS) {
  let best = { rate: 0, cpuRate: 0, found: 0 }
  for (let round = 0; round < rounds; round++) {
    collectGarbage()
    const result = await timeGets(table, probes, sync)
    if (result.rate > best.rate) best = result
  }
  return best
}

/** Binary search of the sorted key buffer: the reference for point reads. */
function timeReferenceSearch(keys: KeyList, probes: KeyList) {
  const sorted = keys.bytes
  let found = 0
  const start = process.hrtime.bigint()
  for (let index = 0; index < probes.count; index++) {
    const probe = probes.at(index)
    let low = 0
    let high = keys.count
    while (low < high) {
      const middle = (low + high) >>> 1
      if (sorted.compare(probe, 0, KEY_BYTES, middle * KEY_BYTES, middle * KEY_BYTES + KEY_BYTES) < 0)
        low = middle + 1
      else high = middle
    }
    if (
      low < keys.count &&
      sorted.compare(probe, 0, KEY_BYTES, low * KEY_BYTES, low * KEY_BYTES + KEY_BYTES) === 0
    ) {
      found++
    }
  }
  return { rate: probes.count / seconds(start), found }
}

async function timeScan(path: string, sync: boolean) {
  // A fresh table and cache each round: every round is a cold scan.
  collectGarbage()
  const table = await Table.open(path, { cache: new BlockCache() })
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const iterator = table.iterator()
  let count = 0
  if (sync) while (iterator.nextSync() !== undefined) count++
  else while ((await iterator.next()) !== undefined) count++
  const elapsed = seconds(start)
  const cpuElapsed = cpuSeconds(cpu)
  await table.close()
  return { count, elapsed, cpuElapsed }
}

/** Reads the file sequentially in 1 MiB chunks: the reference for scans. */
function timeFileRead(path: string): number {
  const chunk = Buffer.allocUnsafe(1024 * 1024)
  const start = process.hrtime.bigint()
  const fd = fs.openSync(path, 'r')
  let position = 0
  for (;;) {
    const read = fs.readSync(fd, chunk, 0, chunk.length, position)
    if (read === 0) break
    position += read
  }
  fs.closeSync(fd)
  return position / MB / seconds(start)
}

function buildInputs(next: () => number) {
  const unsorted: Buffer[] = []
  for (let index = 0; index < ENTRIES; index++) unsorted.push(randomBytes(next, KEY_BYTES))
  unsorted.sort(Buffer.compare)
  return {
    keys: new KeyList(Buffer.concat(unsorted), ENTRIES),
    values: randomBytes(next, ENTRIES * VALUE_BYTES),
  }
}

async function main() {
  console.log(
    `@strata/sstable benchmark: ${format(ENTRIES)} entries, ${KEY_BYTES}-byte random keys, ${VALUE_BYTES}-byte values, seed ${SEED}, best of ${ROUNDS} rounds for reads`,
  )
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os.loadavg()[0]!.toFixed(2)}`,
  )
  const directory = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'strata-sstable-bench-'))
  const path = nodePath.join(directory, '000001.sst')
  try {
    const next = generator(SEED)
    const { keys, values } = buildInputs(next)
    collectGarbage()
    const entryAt = (index: number): InternalEntry => ({
      key: keys.at(index),
      seq: ((index * 7919) % ENTRIES) + 1,
      op: OpType.Put,
      value: new Uint8Array(values.buffer, values.byteOffset + index * VALUE_BYTES, VALUE_BYTES),
    })
    const rawBytes = ENTRIES * (KEY_BYTES + VALUE_BYTES)

    console.log('build')
    // Reference: writing the same raw bytes (key then value, back to back) and fsyncing them.
    const referencePath = nodePath.join(directory, 'raw.bin')
    const referenceStart = process.hrtime.bigint()
    {
      const raw = Buffer.allocUnsafe(256 * 1024)
      const fd = fs.openSync(referencePath, 'w')
      let used = 0
      for (let index = 0; index < ENTRIES; index++) {
        const entry = entryAt(index)
        if (used + KEY_BYTES + VALUE_BYTES > raw.length) {
          fs.writeSync(fd, raw, 0, used)
          used = 0
        }
        raw.set(entry.key, used)
        raw.set(entry.value!, used + KEY_BYTES)
        used += KEY_BYTES + VALUE_BYTES
      }
      fs.writeSync(fd, raw, 0, used)
      fs.fsyncSync(fd)
      fs.closeSync(fd)
    }
    const rawRate = rawBytes / MB / seconds(referenceStart)
    fs.rmSync(referencePath)
    collectGarbage()
    const buildStart = process.hrtime.bigint()
    const builder = new TableBuilder(path)
    for (let index = 0; index < ENTRIES; index++) builder.add(entryAt(index))
    const meta = await builder.finish()
    const buildRate = rawBytes / MB / seconds(buildStart)
    report(
      'build rate (raw key+value input, fsync included)',
      `${format(buildRate, 1)} MB/s`,
      `raw write+fsync of the same bytes: ${format(rawRate, 1)} MB/s`,
      `${(buildRate / rawRate).toFixed(2)}x`,
      verdict(buildRate, 50, ' MB/s'),
    )
    const perEntry = meta.fileSize / ENTRIES
    const sizeRatio = perEntry / (KEY_BYTES + VALUE_BYTES)
    report(
      'bytes on disk per entry',
      `${format(perEntry, 2)} B (${format(meta.fileSize)} B file)`,
      `raw key+value: ${KEY_BYTES + VALUE_BYTES} B`,
      `${sizeRatio.toFixed(3)}x`,
      verdict(sizeRatio, 1.15, 'x', false),
    )

    console.log('scans')
    const readRate = timeFileRead(path)
    for (const sync of [false, true]) {
      let best = { count: 0, elapsed: Number.POSITIVE_INFINITY, cpuElapsed: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const result = await timeScan(path, sync)
        if (result.elapsed < best.elapsed) best = result
      }
      if (best.count !== ENTRIES) throw new Error(`the scan saw ${best.count} entries`)
      const rate = best.count / best.elapsed
      report(
        `full scan with ${sync ? 'nextSync()' : 'await next()'} (cold 32 MiB cache)`,
        `${format(rate)} entries/s = ${format(rawBytes / MB / best.elapsed, 1)} MB/s raw (${format(best.count / best.cpuElapsed)} per CPU-second)`,
        `sequential 1 MiB reads of the file: ${format(readRate)} MB/s`,
        `${(meta.fileSize / MB / best.elapsed / readRate).toFixed(3)}x`,
        verdict(rate, 2_000_000, ' entries/s'),
      )
    }

    console.log('point reads')
    const probes = new KeyList(Buffer.allocUnsafe(LOOKUPS * KEY_BYTES), LOOKUPS)
    for (let index = 0; index < LOOKUPS; index++)
      probes.bytes.set(keys.at(next() % ENTRIES), index * KEY_BYTES)
    const absent = new KeyList(randomBytes(next, LOOKUPS * KEY_BYTES), LOOKUPS)
    let referenceRate = 0
    for (let round = 0; round < ROUNDS; round++) {
      const result = timeReferenceSearch(keys, probes)
      if (result.found !== LOOKUPS) throw new Error('the reference search lost keys')
      referenceRate = Math.max(referenceRate, result.rate)
    }
    const reference = `binary search of the sorted keys in memory: ${format(referenceRate)}/s`
    const ratio = (rate: number) => `${(rate / referenceRate).toFixed(2)}x`

    const warmCache = new BlockCache(512 * 1024 * 1024)
    const table = await Table.open(path, { cache: warmCache })
    const warmIterator = table.iterator() // one scan puts every block in the cache
    while (warmIterator.nextSync() !== undefined) {}
    const warm = await bestGets(table, probes, false)
    if (warm.found !== LOOKUPS) throw new Error('a present key was not found')
    report(
      'random get, present keys, warm cache',
      `${format(warm.rate)} gets/s (${format(warm.cpuRate)} per CPU-second)`,
      reference,
      ratio(warm.rate),
      verdict(warm.rate, 300_000, ' gets/s'),
    )
    const warmSync = await bestGets(table, probes, true)
    if (warmSync.found !== LOOKUPS) throw new Error('a present key was not found')
    report(
      'random getSync, present keys, warm cache',
      `${format(warmSync.rate)} gets/s (${format(warmSync.cpuRate)} per CPU-second)`,
      reference,
      ratio(warmSync.rate),
      'no target',
    )
    const missing = await bestGets(table, absent, false)
    if (missing.found !== 0) throw new Error('an absent key was found')
    report(
      'random get, absent keys (bloom filter)',
      `${format(missing.rate)} gets/s (${format(missing.cpuRate)} per CPU-second)`,
      reference,
      ratio(missing.rate),
      verdict(missing.rate, 1_000_000, ' gets/s'),
    )
    await table.close()

    const smallCache = new BlockCache(Math.floor(meta.fileSize / 10))
    const small = await Table.open(path, { cache: smallCache })
    const sample = new KeyList(probes.bytes.subarray(0, 100_000 * KEY_BYTES), Math.min(LOOKUPS, 100_000))
    await timeGets(small, sample, false) // fill the cache
    const hitsBefore = smallCache.hits
    const lookupsBefore = smallCache.hits + smallCache.misses
    const cold = await bestGets(small, sample, false, 1)
    if (cold.found !== sample.count) throw new Error('a present key was not found')
    const hitRate = (smallCache.hits - hitsBefore) / (smallCache.hits + smallCache.misses - lookupsBefore)
    report(
      `random get, present keys, cache 1/10 of the table (hit rate ${(hitRate * 100).toFixed(1)}%)`,
      `${format(cold.rate)} gets/s`,
      reference,
      ratio(cold.rate),
      'no target',
    )
    await small.close()

    console.log('\n| measure | figure | reference (same run) | ratio | target |')
    console.log('| --- | --- | --- | --- | --- |')
    for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  } finally {
    fs.rmSync(directory, { recursive: true, force: true })
  }
}

await main()
