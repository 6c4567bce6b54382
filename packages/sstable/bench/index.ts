/**
 * Benchmark of @strata/sstable (run: `pnpm --filter @strata/sstable bench`). One run, 1,000,000
 * random 16-byte keys with 100-byte values: build rate, random gets (warm cache; cache 1/10 of
 * the table), gets of absent keys, full scans, bytes on disk per entry. Each figure is printed
 * beside a reference measured in the same run on the same machine, and checked against its
 * target. Options: --entries=N (default 1000000), --seed=N.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as nodePath from 'node:path'
import { type InternalEntry, OpType } from '@strata/base'
import { BlockCache, Table, TableBuilder } from '../src/index.js'

const argument = (name: string, fallback: number) => {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`))
  return given === undefined ? fallback : Number(given.slice(name.length + 3))
}
const ENTRIES = argument('entries', 1_000_000)
const SEED = argument('seed', 20_240_601)
const KEY_BYTES = 16
const VALUE_BYTES = 100
const MB = 1_000_000

/** xorshift32: a small deterministic generator, so runs are comparable. */
function generator(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let index = 0; index < length; index += 4) {
    const word = next()
    for (let byte = 0; byte < 4 && index + byte < length; byte++)
      bytes[index + byte] = (word >>> (byte * 8)) & 0xff
  }
  return bytes
}

const rows: string[][] = []
function report(name: string, value: number, unit: string, reference: string, ratio: string, target: string) {
  rows.push([
    name,
    `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`,
    reference,
    ratio,
    target,
  ])
  console.log(`  ${name}: ${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`)
}
function verdict(value: number, target: number, higherIsBetter = true): string {
  const pass = higherIsBetter ? value >= target : value <= target
  return `${pass ? 'PASS' : 'MISS'} (target ${higherIsBetter ? '>=' : '<='} ${target.toLocaleString('en-US')})`
}
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9

async function main() {
  console.log(
    `@strata/sstable benchmark: ${ENTRIES.toLocaleString('en-US')} entries, ${KEY_BYTES}-byte random keys, ${VALUE_BYTES}-byte values, seed ${SEED}`,
  )
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`)
  const directory = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'strata-sstable-bench-'))
  const path = nodePath.join(directory, '000001.sst')
  try {
    const next = generator(SEED)
    const keys: Buffer[] = []
    for (let index = 0; index < ENTRIES; index++) keys.push(randomBytes(next, KEY_BYTES))
    keys.sort(Buffer.compare)
    const entries: InternalEntry[] = keys.map((key, index) => ({
      key,
      seq: ((index * 7919) % ENTRIES) + 1,
      op: OpType.Put,
      value: randomBytes(next, VALUE_BYTES),
    }))
    const rawBytes = ENTRIES * (KEY_BYTES + VALUE_BYTES)

    // Reference for the build: writing the same raw bytes to a file and fsyncing it.
    {
      const raw = Buffer.allocUnsafe(256 * 1024)
      const referencePath = nodePath.join(directory, 'raw.bin')
      const start = process.hrtime.bigint()
      const fd = fs.openSync(referencePath, 'w')
      let used = 0
      for (const entry of entries) {
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
      const rawRate = rawBytes / MB / seconds(start)
      fs.rmSync(referencePath)

      const buildStart = process.hrtime.bigint()
      const builder = new TableBuilder(path)
      for (const entry of entries) builder.add(entry)
      const meta = await builder.finish()
      const buildRate = rawBytes / MB / seconds(buildStart)
      console.log('build')
      report(
        'build rate (raw key+value input)',
        buildRate,
        'MB/s',
        `raw write+fsync of the same bytes: ${rawRate.toFixed(1)} MB/s`,
        `${(buildRate / rawRate).toFixed(2)}x of raw`,
        verdict(buildRate, 50),
      )
      const perEntry = meta.fileSize / ENTRIES
      report(
        'bytes on disk per entry',
        perEntry,
        'B',
        `raw key+value: ${KEY_BYTES + VALUE_BYTES} B`,
        `${(perEntry / (KEY_BYTES + VALUE_BYTES)).toFixed(3)}x of raw`,
        verdict(perEntry / (KEY_BYTES + VALUE_BYTES), 1.15, false).replace(
          'target <= 1.15',
          'target <= 1.15x',
        ),
      )
    }

    // Reference for point reads: binary search of the sorted in-memory key array.
    const lookups = Math.min(ENTRIES, 500_000)
    const probes: Buffer[] = []
    for (let index = 0; index < lookups; index++) probes.push(keys[next() % ENTRIES]!)
    const absent: Buffer[] = []
    for (let index = 0; index < lookups; index++) absent.push(randomBytes(next, KEY_BYTES))
    let referenceGetRate: number
    {
      const start = process.hrtime.bigint()
      let found = 0
      for (const probe of probes) {
        let low = 0
        let high = keys.length
        while (low < high) {
          const middle = (low + high) >>> 1
          if (Buffer.compare(keys[middle]!, probe) < 0) low = middle + 1
          else high = middle
        }
        if (low < keys.length && keys[low]!.equals(probe)) found++
      }
      referenceGetRate = lookups / seconds(start)
      if (found !== lookups) throw new Error('reference search lost keys')
    }
    const referenceText = `in-memory binary search: ${Math.round(referenceGetRate).toLocaleString('en-US')}/s`

    const bigCache = new BlockCache(512 * 1024 * 1024)
    const table = await Table.open(path, { cache: bigCache })
    const fileSize = table.meta.fileSize
    {
      // Warm the cache with one full scan.
      const iterator = table.iterator()
      while (iterator.nextSync() !== undefined) {}
      const start = process.hrtime.bigint()
      for (const probe of probes) {
        const entry = await table.get(probe)
        if (entry === undefined) throw new Error('present key not found')
      }
      const rate = lookups / seconds(start)
      console.log('point reads')
      report(
        'random get, present keys, warm cache',
        rate,
        'gets/s',
        referenceText,
        `${(rate / referenceGetRate).toFixed(2)}x`,
        verdict(rate, 300_000),
      )
      const syncStart = process.hrtime.bigint()
      for (const probe of probes)
        if (table.getSync(probe) === undefined) throw new Error('present key not found')
      const syncRate = lookups / seconds(syncStart)
      report(
        'random getSync, present keys, warm cache',
        syncRate,
        'gets/s',
        referenceText,
        `${(syncRate / referenceGetRate).toFixed(2)}x`,
        'info',
      )

      const absentStart = process.hrtime.bigint()
      let falsePositives = 0
      for (const probe of absent) if ((await table.get(probe)) !== undefined) falsePositives++
      const absentRate = lookups / seconds(absentStart)
      report(
        'random get, absent keys (bloom filter)',
        absentRate,
        'gets/s',
        referenceText,
        `${(absentRate / referenceGetRate).toFixed(2)}x`,
        verdict(absentRate, 1_000_000),
      )
      if (falsePositives !== 0) throw new Error('absent key found')
    }
    {
      const smallCache = new BlockCache(Math.floor(fileSize / 10))
      const small = await Table.open(path, { cache: smallCache })
      const count = Math.min(lookups, 100_000)
      for (let index = 0; index < count; index++) await small.get(probes[index]!)
      const hitsBefore = smallCache.hits
      const missesBefore = smallCache.misses
      const start = process.hrtime.bigint()
      for (let index = 0; index < count; index++) {
        if ((await small.get(probes[(index + count) % lookups]!)) === undefined) throw new Error('lost key')
      }
      const rate = count / seconds(start)
      const hits = smallCache.hits - hitsBefore
      const hitRate = hits / (hits + smallCache.misses - missesBefore)
      report(
        `random get, present keys, cache 1/10 of table (hit rate ${(hitRate * 100).toFixed(1)}%)`,
        rate,
        'gets/s',
        referenceText,
        `${(rate / referenceGetRate).toFixed(2)}x`,
        'info (no target)',
      )
      await small.close()
    }
    // Reference for scans: reading the file sequentially in 1 MiB chunks.
    {
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
      const readRate = fileSize / MB / seconds(start)
      const scanTable = await Table.open(path, { cache: new BlockCache() })
      console.log('scans')
      for (const mode of ['next', 'nextSync'] as const) {
        const scanStart = process.hrtime.bigint()
        const iterator = scanTable.iterator()
        let count = 0
        if (mode === 'next') while ((await iterator.next()) !== undefined) count++
        else while (iterator.nextSync() !== undefined) count++
        const elapsed = seconds(scanStart)
        if (count !== ENTRIES) throw new Error(`scan saw ${count} entries`)
        const rate = count / elapsed
        report(
          `full scan with ${mode}() (32 MiB cache, cold)`,
          rate,
          `entries/s (${(rawBytes / MB / elapsed).toFixed(1)} MB/s raw)`,
          `sequential file read: ${readRate.toFixed(0)} MB/s`,
          `${(fileSize / MB / elapsed / readRate).toFixed(2)}x of read`,
          verdict(rate, 2_000_000),
        )
      }
      await scanTable.close()
    }
    await table.close()
    console.log('\n| measure | figure | reference (same run) | ratio | target |')
    console.log('| --- | --- | --- | --- | --- |')
    for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  } finally {
    fs.rmSync(directory, { recursive: true, force: true })
  }
}

await main()
