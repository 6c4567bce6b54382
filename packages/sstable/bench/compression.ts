/**
 * Block compression bench (run: `pnpm --filter @strata/sstable bench:compression`). For every
 * candidate codec (compression-candidates.ts) and every dataset of 4 KiB blocks
 * (compression-data.ts: the demo's events, apps/bench's values, random bytes), in one run:
 *
 * - ratio: raw bytes / compressed bytes over all blocks;
 * - compress and decompress MB/s (MB of raw block bytes per second of wall time, and per second
 *   of this process's CPU time, which shows the code's own cost when other work shares the
 *   machine), the median of ROUNDS rounds; in each round every candidate runs once per dataset, in a rotated order, so a
 *   burst of load from other work on the machine hits all candidates alike;
 * - raw: blocks that do not shrink by at least 12.5% (stored raw by the format's rule), and the
 *   ratio once those are stored raw.
 *
 * Every candidate's output is first decompressed and compared with the block, untimed.
 * Options: --blocks=N (per dataset, default 1024), --rounds=N (default 9), --seed=N,
 * --only=NAME,NAME (the candidates whose name contains one of these).
 */
import * as os from 'node:os'
import { worthStoringCompressed } from '../src/compression/codec.js'
import { type Candidate, loadCandidates } from './compression-candidates.js'
import { benchValueBlocks, type Dataset, eventBlocks, randomBlocks } from './compression-data.js'

const argument = (name: string, fallback: number) => {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`))
  return given === undefined ? fallback : Number(given.slice(name.length + 3))
}
const BLOCKS = argument('blocks', 1024)
const ROUNDS = argument('rounds', 9)
const SEED = argument('seed', 20_261_204)
const ONLY = process.argv
  .find((value) => value.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
/** Each measurement repeats passes over the dataset until this process has used this much CPU
 *  time: on a shared machine a wall-clock window can pass with little of it spent here. */
const MIN_CPU_MS = 40
const MB = 1_000_000

interface Measure {
  compressed: Uint8Array[]
  rawBytes: number
  compressedBytes: number
  /** Bytes with blocks that do not shrink by 12.5% stored raw. */
  storedBytes: number
  storedRaw: number
  compressRates: Rate[]
  decompressRates: Rate[]
}

/** MB/s of wall time, and MB per second of this process's CPU time (user + system). */
interface Rate {
  wall: number
  cpu: number
}

function verify(candidate: Candidate, dataset: Dataset): Measure {
  const compressed: Uint8Array[] = []
  let compressedBytes = 0
  let storedBytes = 0
  let storedRaw = 0
  let rawBytes = 0
  for (const block of dataset.blocks) {
    const output = candidate.compress(block).slice()
    const back = candidate.decompress(output, block.length)
    if (back.length !== block.length || Buffer.compare(Buffer.from(back), Buffer.from(block)) !== 0) {
      throw new Error(`${candidate.name} does not round-trip a ${dataset.name} block`)
    }
    compressed.push(output)
    rawBytes += block.length
    compressedBytes += output.length
    if (worthStoringCompressed(block.length, output.length)) storedBytes += output.length
    else {
      storedBytes += block.length
      storedRaw++
    }
  }
  return {
    compressed,
    rawBytes,
    compressedBytes,
    storedBytes,
    storedRaw,
    compressRates: [],
    decompressRates: [],
  }
}

/** Runs `pass` until MIN_CPU_MS of CPU time are used; returns the rates of `bytes` per pass. */
function rate(bytes: number, pass: () => number): Rate {
  let passes = 0
  let sink = 0
  const start = performance.now()
  const startCpu = process.cpuUsage()
  let cpuMicroseconds = 0
  do {
    sink += pass()
    passes++
    const cpu = process.cpuUsage(startCpu)
    cpuMicroseconds = cpu.user + cpu.system
  } while (cpuMicroseconds < MIN_CPU_MS * 1000)
  const elapsed = performance.now() - start
  if (sink < 0) console.log(sink)
  const megabytes = (bytes * passes) / MB
  return { wall: megabytes / (elapsed / 1000), cpu: megabytes / (cpuMicroseconds / 1e6) }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function main(): Promise<void> {
  console.log(
    `compression bench: ${BLOCKS} blocks of 4 KiB per dataset, ${ROUNDS} rounds, seed ${SEED}; ` +
      `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, load ${os.loadavg()[0]!.toFixed(1)}`,
  )
  const datasets = [eventBlocks(BLOCKS), benchValueBlocks(BLOCKS, SEED), randomBlocks(BLOCKS, SEED + 1)]
  const loaded = await loadCandidates()
  const missing = loaded.missing
  const candidates = loaded.candidates.filter(
    (candidate) => ONLY === undefined || ONLY.some((name) => candidate.name.includes(name)),
  )
  for (const name of missing) console.log(`  not measured (did not load): ${name}`)
  const measures = new Map<string, Measure>()
  const keyOf = (candidate: Candidate, dataset: Dataset) => `${candidate.name}\u0000${dataset.name}`
  for (const candidate of candidates)
    for (const dataset of datasets) measures.set(keyOf(candidate, dataset), verify(candidate, dataset))

  for (let round = 0; round < ROUNDS; round++) {
    for (let turn = 0; turn < candidates.length; turn++) {
      const candidate = candidates[(turn + round) % candidates.length]!
      for (const dataset of datasets) {
        const measure = measures.get(keyOf(candidate, dataset))!
        const blocks = dataset.blocks
        measure.compressRates.push(
          rate(measure.rawBytes, () => {
            let total = 0
            for (const block of blocks) total += candidate.compress(block).length
            return total
          }),
        )
        const compressed = measure.compressed
        measure.decompressRates.push(
          rate(measure.rawBytes, () => {
            let total = 0
            for (let index = 0; index < compressed.length; index++)
              total += candidate.decompress(compressed[index]!, blocks[index]!.length).length
            return total
          }),
        )
      }
    }
    process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`)
  }

  const header = [
    'codec',
    'runtime',
    'data',
    'ratio',
    'compress MB/s',
    'decompress MB/s',
    'compress MB/CPU-s',
    'decompress MB/CPU-s',
    'stored raw (< 12.5% saved)',
    'ratio, raw rule',
  ]
  const rows: string[][] = []
  for (const kind of ['fast', 'strong'] as const) {
    for (const candidate of candidates.filter((each) => each.kind === kind)) {
      for (const dataset of datasets) {
        const measure = measures.get(keyOf(candidate, dataset))!
        rows.push([
          candidate.name,
          candidate.runtime,
          dataset.name,
          (measure.rawBytes / measure.compressedBytes).toFixed(2),
          median(measure.compressRates.map((each) => each.wall)).toFixed(0),
          median(measure.decompressRates.map((each) => each.wall)).toFixed(0),
          median(measure.compressRates.map((each) => each.cpu)).toFixed(0),
          median(measure.decompressRates.map((each) => each.cpu)).toFixed(0),
          `${((100 * measure.storedRaw) / dataset.blocks.length).toFixed(0)}%`,
          (measure.rawBytes / measure.storedBytes).toFixed(2),
        ])
      }
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`
  console.log()
  console.log(line(header))
  console.log(
    `| ${widths.map((width, column) => (column < 3 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`,
  )
  for (const row of rows) console.log(line(row))
  console.log(`\nload average after the run: ${os.loadavg()[0]!.toFixed(1)}`)
}

await main()
