/**
 * @strata/wal benchmark: `npx pnpm@12.4.2 --filter @strata/wal bench`.
 *
 * Measures, in one run and in one directory (WAL_BENCH_DIR, default a fresh temp directory):
 * the disk's raw 4 KiB write+fdatasync rate, synced appends one at a time, 64 concurrent synced
 * appenders, sync: false appends of 16-byte keys and 100-byte values, and replay speed — and
 * prints each beside its target ratio. Figures are noisy on a shared machine: run it twice.
 */
import {
  closeSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { WALEntry, WALManager, WALWriter } from '../src/index.js'

const SECONDS = Number(process.env.WAL_BENCH_SECONDS ?? 2)
const directory = process.env.WAL_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'strata-wal-bench-'))
let fileNumber = 0
const freshPath = () => join(directory, `bench-${++fileNumber}.log`)

const value100 = Buffer.alloc(100, 0x61)
function entry(seq: number): WALEntry {
  const key = Buffer.allocUnsafe(16)
  key.writeUInt32BE(seq >>> 0, 12)
  key.fill(0x6b, 0, 12)
  return new WALEntry(seq, Date.now(), 1, key, value100)
}

/** Runs `step` until SECONDS have passed; returns operations per second. */
async function rate(step: () => Promise<number> | number): Promise<number> {
  const started = performance.now()
  let operations = 0
  while (performance.now() - started < SECONDS * 1000) operations += await step()
  return operations / ((performance.now() - started) / 1000)
}

async function rawFsync(): Promise<number> {
  const path = freshPath()
  const fd = openSync(path, 'a')
  const block = Buffer.alloc(4096, 1)
  const result = await rate(() => {
    writeSync(fd, block)
    fdatasyncSync(fd)
    return 1
  })
  closeSync(fd)
  unlinkSync(path)
  return result
}

async function syncedOneAtATime(): Promise<number> {
  const manager = WALManager.open(freshPath())
  let seq = 0
  const result = await rate(async () => {
    await manager.append(entry(++seq))
    return 1
  })
  await manager.close()
  return result
}

async function concurrentSynced(appenders: number): Promise<{ rate: number; perFsync: number }> {
  const manager = WALManager.open(freshPath())
  let seq = 0
  let done = 0
  let stop = false
  const started = performance.now()
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (!stop) {
        await manager.append(entry(++seq))
        done++
        if (performance.now() - started > SECONDS * 1000) stop = true
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  await manager.close()
  return { rate: done / elapsed, perFsync: 0 }
}

/** sync: false appends, `inFlight` at a time (1 = each awaited before the next). */
async function unsynced(count: number, inFlight: number, path = freshPath()): Promise<number> {
  const manager = WALManager.open(path)
  let seq = 0
  const started = performance.now()
  if (inFlight === 1) {
    for (let index = 0; index < count; index++) await manager.append(entry(++seq), { sync: false })
  } else {
    for (let index = 0; index < count; index += inFlight) {
      const window: Promise<void>[] = []
      for (let member = 0; member < inFlight; member++)
        window.push(manager.append(entry(++seq), { sync: false }))
      await Promise.all(window)
    }
  }
  const elapsed = (performance.now() - started) / 1000
  await manager.close()
  return count / elapsed
}

/** CPU seconds this process used since `since` (user + system). */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

function replaySpeed(path: string): {
  openAndReplay: number
  openAndReplayCpu: number
  replayAgain: number
  bytes: number
  entries: number
} {
  const bytes = statSync(path).size
  let started = performance.now()
  const cpu = process.cpuUsage()
  const writer = new WALWriter(path)
  const entries = writer.replay().length
  const openAndReplay = bytes / 1e6 / ((performance.now() - started) / 1000)
  const openAndReplayCpu = bytes / 1e6 / cpuSeconds(cpu)
  started = performance.now()
  writer.replay()
  const replayAgain = bytes / 1e6 / ((performance.now() - started) / 1000)
  writer.close()
  return { openAndReplay, openAndReplayCpu, replayAgain, bytes, entries }
}

const format = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
function line(
  name: string,
  figure: string,
  comparison: string,
  target: string,
  pass: boolean | undefined,
): void {
  const verdict = pass === undefined ? '' : pass ? 'PASS' : 'MISS'
  console.log(
    `${name.padEnd(44)} ${figure.padStart(18)}   ${comparison.padEnd(30)} ${target.padEnd(14)} ${verdict}`,
  )
}

async function main(): Promise<void> {
  console.log(
    `@strata/wal benchmark — directory ${directory}, ${SECONDS} s per timed run, Node ${process.version}`,
  )
  console.log(
    `load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  )
  console.log(
    `${'measure'.padEnd(44)} ${'figure'.padStart(18)}   ${'ratio'.padEnd(30)} ${'target'.padEnd(14)}`,
  )
  const raw = await rawFsync()
  line('raw 4 KiB write + fdatasync (sync syscalls)', `${format(raw)} /s`, '(reference)', '', undefined)
  const one = await syncedOneAtATime()
  line(
    'append, sync: true, one at a time',
    `${format(one)} /s`,
    `${format(one / raw, 2)} × raw fsync`,
    '≥ 0.90 ×',
    one / raw >= 0.9,
  )
  const group = await concurrentSynced(64)
  line(
    'append, sync: true, 64 concurrent appenders',
    `${format(group.rate)} /s`,
    `${format(group.rate / one, 1)} × one at a time`,
    '≥ 20 ×',
    group.rate / one >= 20,
  )
  const unsyncedCount = 400_000
  const pipelined = await unsynced(unsyncedCount, 1024)
  line(
    'append, sync: false, 16 B key + 100 B value',
    `${format(pipelined)} /s`,
    '(1024 in flight)',
    '≥ 400,000 /s',
    pipelined >= 400_000,
  )
  const sequential = await unsynced(100_000, 1)
  line(
    'append, sync: false, each awaited',
    `${format(sequential)} /s`,
    '(1 in flight; latency-bound)',
    '',
    undefined,
  )

  const replayPath = freshPath()
  await unsynced(600_000, 1024, replayPath)
  const replay = replaySpeed(replayPath)
  line(
    `replay: open + replay() (${format(replay.bytes / 1e6, 1)} MB)`,
    `${format(replay.openAndReplay)} MB/s`,
    `${format(replay.entries)} entries`,
    '≥ 200 MB/s',
    replay.openAndReplay >= 200,
  )
  line(
    'replay: open + replay(), per CPU second',
    `${format(replay.openAndReplayCpu)} MB/s`,
    '(the same run, CPU time)',
    '',
    undefined,
  )
  line(
    'replay: replay() again (re-read + decode)',
    `${format(replay.replayAgain)} MB/s`,
    '',
    '≥ 200 MB/s',
    replay.replayAgain >= 200,
  )
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    if (process.env.WAL_BENCH_DIR === undefined) rmSync(directory, { recursive: true, force: true })
  })
