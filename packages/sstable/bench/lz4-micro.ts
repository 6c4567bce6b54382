/**
 * Micro-bench of strata's two lz4 implementations on the demo's event blocks (the compression
 * bench's data): best of ROUNDS passes, CPU time, MB/s of raw bytes. Run from packages/sstable:
 * `node --import tsx bench/lz4-micro.ts [--blocks=N] [--rounds=N]`.
 */
import type { BlockCodec } from '../src/compression/codec.js'
import { lz4JavascriptCodec } from '../src/compression/lz4-js.js'
import { createLz4WebAssemblyCodec, runtimeWebAssembly } from '../src/compression/lz4-wasm.js'
import { eventBlocks } from './compression-data.js'

const argument = (name: string, fallback: number) => {
  const given = process.argv.find((value) => value.startsWith(`--${name}=`))
  return given === undefined ? fallback : Number(given.slice(name.length + 3))
}
const blocks = eventBlocks(argument('blocks', 1024)).blocks
const ROUNDS = argument('rounds', 15)
const rawBytes = blocks.reduce((sum, block) => sum + block.length, 0)
const codecs: [string, BlockCodec][] = [
  ['webassembly', createLz4WebAssemblyCodec(runtimeWebAssembly)!],
  ['typescript', lz4JavascriptCodec],
]
const compressed = blocks.map((block) => lz4JavascriptCodec.compress(block).slice())
const output = new Uint8Array(lz4JavascriptCodec.maxCompressedLength(1 << 16))
const into = new Uint8Array(1 << 16)

function cpuMegabytesPerSecond(run: () => void): number {
  const start = process.cpuUsage()
  run()
  const used = process.cpuUsage(start)
  return rawBytes / (used.user + used.system)
}

function compressAll(codec: BlockCodec): void {
  for (const block of blocks) codec.compress(block, output)
}
function decompressAll(codec: BlockCodec, given?: Uint8Array): void {
  for (let index = 0; index < blocks.length; index++)
    codec.decompress(compressed[index]!, blocks[index]!.length, given)
}

const best = new Map<string, number>()
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, codec] of round % 2 === 0 ? codecs : [...codecs].reverse()) {
    const measures: [string, () => void][] = [
      [`${name} compress`, () => compressAll(codec)],
      [`${name} decompress`, () => decompressAll(codec, into)],
      [`${name} decompress (fresh)`, () => decompressAll(codec)],
    ]
    for (const [label, run] of measures)
      best.set(label, Math.max(best.get(label) ?? 0, cpuMegabytesPerSecond(run)))
  }
}
for (const [label, rate] of best) console.log(`${label.padEnd(28)} ${rate.toFixed(0).padStart(6)} MB/CPU-s`)
