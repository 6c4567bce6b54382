/**
 * Checkpoint and refresh costs (`node --import tsx bench/checkpoint.ts --n 1000000`): loads N keys
 * (16 B / 100 B, batches of 1,000, sync: false), then, while a writer keeps putting, alternates
 * checkpoints with hard links and with copies (a file system whose link fails, as across devices)
 * and prints each one's time and bytes, then the medians; then the cost of a read-only opener's
 * refresh() beside the writer (median of 20, with the WAL at its size then).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { NodeFileSystem } from '@strata/base'
import { open } from '@strata/engine'

const { values: flags } = parseArgs({
  options: { n: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' } },
})
const n = Number(flags.n)
const rounds = Number(flags.rounds)
const root = mkdtempSync(join(tmpdir(), 'strata-checkpoint-bench-'))

class SwitchableLinks extends NodeFileSystem {
  linksFail = false
  /** Milliseconds spent in fsync and directory fsync (all callers: the writer's too). */
  syncMs = 0
  override async fsync(fd: number): Promise<void> {
    const started = performance.now()
    try {
      await super.fsync(fd)
    } finally {
      this.syncMs += performance.now() - started
    }
  }
  /** Milliseconds in synchronous fsyncs (they block the event loop). */
  syncBlockingMs = 0
  override fsyncSync(fd: number): void {
    const started = performance.now()
    super.fsyncSync(fd)
    this.syncBlockingMs += performance.now() - started
  }
  override fdatasyncSync(fd: number): void {
    const started = performance.now()
    super.fdatasyncSync(fd)
    this.syncBlockingMs += performance.now() - started
  }
  override syncDirSync(path: string): void {
    const started = performance.now()
    super.syncDirSync(path)
    this.syncBlockingMs += performance.now() - started
  }
  override async syncDir(path: string): Promise<void> {
    const started = performance.now()
    try {
      await super.syncDir(path)
    } finally {
      this.syncMs += performance.now() - started
    }
  }
  override linkSync(existingPath: string, newPath: string): void {
    if (this.linksFail && existingPath.endsWith('.sst'))
      throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' })
    super.linkSync(existingPath, newPath)
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const key = (index: number) => {
  const buffer = Buffer.alloc(16)
  buffer.writeUInt32BE(((Math.imul(index, 2654435761) >>> 0) ^ 0x5bd1e995) >>> 0, 0)
  buffer.writeUInt32BE(index, 4)
  return buffer
}
const value = Buffer.alloc(100, 7)

const fs = new SwitchableLinks()
const directory = join(root, 'db')
const database = await open(directory, { sync: false, fs })
const loadStarted = performance.now()
for (let start = 0; start < n; start += 1000) {
  const operations = []
  for (let index = start; index < Math.min(n, start + 1000); index++)
    operations.push({ type: 'put' as const, key: key(index), value })
  await database.batch(operations)
}
await database.flush()
console.log(
  `loaded ${n} keys in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; tables ${database.stats().tableFiles}, ${(database.stats().tableBytes / 1048576).toFixed(1)} MiB`,
)

let writing = true
let written = 0
const writer = (async () => {
  for (let index = n; writing; index++) {
    await database.put(key(index), value)
    written++
  }
})()

const results: Record<string, { ms: number[]; written: number[]; linked: number[] }> = {
  links: { ms: [], written: [], linked: [] },
  copies: { ms: [], written: [], linked: [] },
}
for (let round = 0; round < rounds; round++) {
  for (const mode of ['links', 'copies'] as const) {
    fs.linksFail = mode === 'copies'
    const target = join(root, `copy-${mode}-${round}`)
    const started = performance.now()
    const syncBefore = fs.syncMs
    const blockingBefore = fs.syncBlockingMs
    const result = await database.checkpoint(target)
    const ms = performance.now() - started
    const syncMs = fs.syncMs - syncBefore
    const blockingMs = fs.syncBlockingMs - blockingBefore
    results[mode]!.ms.push(ms)
    results[mode]!.written.push(result.bytesWritten)
    results[mode]!.linked.push(result.bytesLinked)
    console.log(
      `${mode}: ${ms.toFixed(0)} ms (fsync waits, all callers: ${syncMs.toFixed(0)} ms async, ${blockingMs.toFixed(0)} ms sync), seq ${result.seq}, ${result.linkedTables} linked (${(result.bytesLinked / 1048576).toFixed(1)} MiB), ${result.copiedTables} copied, ${(result.bytesWritten / 1048576).toFixed(2)} MiB written`,
    )
    rmSync(target, { recursive: true, force: true })
  }
}
for (const [mode, figures] of Object.entries(results)) {
  console.log(
    `median ${mode}: ${median(figures.ms).toFixed(0)} ms, ${(median(figures.written) / 1048576).toFixed(2)} MiB written, ${(median(figures.linked) / 1048576).toFixed(1)} MiB linked`,
  )
}

const reader = await open(directory, { readOnly: true })
const refreshes: number[] = []
for (let round = 0; round < 20; round++) {
  const started = performance.now()
  await reader.refresh()
  refreshes.push(performance.now() - started)
  await new Promise((resolve) => setTimeout(resolve, 20))
}
const stats = reader.stats()
console.log(
  `refresh: median ${median(refreshes).toFixed(1)} ms, max ${Math.max(...refreshes).toFixed(1)} ms (WAL ${(stats.walBytes / 1048576).toFixed(2)} MiB, manifest ${(stats.manifestBytes / 1024).toFixed(0)} KiB, ${stats.tableFiles} tables); writer put ${written} meanwhile`,
)
await reader.close()
writing = false
await writer
await database.close()
rmSync(root, { recursive: true, force: true })
