/**
 * CRC32C throughput, MB/s, of the three implementations side by side: native (@node-rs/crc32,
 * hardware CRC), JavaScript (src/crc32c-portable.ts, slicing-by-8) and WebAssembly (the same
 * table algorithm, src/crc32c.wat), at 64 B, 4 KiB, 64 KiB and 1 MiB. Each cell: the best of 5 runs
 * of about 200 ms. Every implementation is first checked against the native one.
 *
 *   npx pnpm@12.4.2 --filter @strata/base bench
 */
import { createRequire } from 'node:module'
import { crc32cPortable } from '../src/crc32c-portable.js'
import { loadWasmCrc32c } from '../src/crc32c-wasm.js'
import { seededRandom } from '../src/random.js'

const nativeCrc32c = createRequire(import.meta.url)('@node-rs/crc32').crc32c as (
  data: Buffer,
  initial?: number,
) => number
const wasmCrc32c = loadWasmCrc32c()!
const implementations: [string, (bytes: Uint8Array) => number][] = [
  ['native', (bytes) => nativeCrc32c(bytes as Buffer, 0) >>> 0],
  ['JavaScript', (bytes) => crc32cPortable(bytes)],
  ['WebAssembly', (bytes) => wasmCrc32c(bytes, 0, bytes.length)],
]

const random = seededRandom(15)
const sizes: [string, number][] = [
  ['64 B', 64],
  ['4 KiB', 4096],
  ['64 KiB', 65_536],
  ['1 MiB', 1_048_576],
]

function megabytesPerSecond(crc: (bytes: Uint8Array) => number, inputs: Buffer[]): number {
  let best = 0
  for (let run = 0; run < 5; run++) {
    let bytes = 0
    let sink = 0
    const started = performance.now()
    let elapsed = 0
    for (let round = 0; elapsed < 200; round++) {
      const input = inputs[round % inputs.length]!
      sink ^= crc(input)
      bytes += input.length
      if ((round & 63) === 0) elapsed = performance.now() - started
    }
    elapsed = performance.now() - started
    if (sink === 0.5) console.log(sink)
    best = Math.max(best, bytes / 1e6 / (elapsed / 1000))
  }
  return best
}

const rows: string[] = []
for (const [label, size] of sizes) {
  const inputs = Array.from({ length: 16 }, () =>
    Buffer.from(Uint8Array.from({ length: size }, () => random() * 256)),
  )
  for (const [name, crc] of implementations) {
    for (const input of inputs) {
      if (crc(input) !== nativeCrc32c(input, 0) >>> 0)
        throw new Error(`${name} disagrees with native at ${label}`)
    }
  }
  const cells = implementations.map(([, crc]) => megabytesPerSecond(crc, inputs))
  rows.push(`| ${label} | ${cells.map((value) => value.toFixed(0)).join(' | ')} |`)
}
console.log(`Node ${process.version}, ${process.arch}`)
console.log(`| size | ${implementations.map(([name]) => `${name} MB/s`).join(' | ')} |`)
console.log(`| --- | ${implementations.map(() => '---:').join(' | ')} |`)
for (const row of rows) console.log(row)
