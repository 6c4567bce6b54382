import { join } from 'node:path'
import { MemoryFileSystem, NodeFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { entryFor, plain, random, seedFor, tempDirectory } from '../test/support.js'
import type { WALEntry } from './entry.js'
import { WALManager } from './manager.js'
import { WALWriter } from './writer.js'

const seqs = (entries: WALEntry[]) => entries.map((entry) => entry.seq)
/** Cuts the power, then replays /db/wal.log as a new open would: the seqs that survived. */
function seqsAfterPowerLoss(memory: MemoryFileSystem): number[] {
  memory.powerLoss()
  return seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

/**
 * A memory file system whose fdatasyncs take `delayMs`, counted by how they were called. The
 * time they take is on a clock of its own (`now`), which the WAL manager reads in these tests
 * (`performance.now` is pointed at it): copying the in-memory file at each fsync, or a loaded
 * machine, then never reads as a slow disk. A pooled fsync also waits `delayMs` of real time, so
 * timers run meanwhile as they would beside a slow disk.
 */
class SlowSyncFileSystem extends MemoryFileSystem {
  delayMs = 0
  now = 0
  readonly syncCalls = { sync: 0, pooled: 0 }
  constructor() {
    super()
    vi.spyOn(performance, 'now').mockImplementation(() => this.now)
  }
  override fdatasyncSync(fd: number): void {
    this.syncCalls.sync++
    this.now += this.delayMs
    super.fdatasyncSync(fd)
  }
  override async fdatasync(fd: number): Promise<void> {
    this.syncCalls.pooled++
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    else await Promise.resolve()
    this.now += this.delayMs
    MemoryFileSystem.prototype.fdatasyncSync.call(this, fd)
  }
}

const directories: Array<() => void> = []
afterEach(() => {
  for (const cleanup of directories.splice(0)) cleanup()
  vi.restoreAllMocks()
})

describe('WALManager', () => {
  it('appends asynchronously, synced or not, and replays everything in seq order', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs: memory })
    expect(manager.replay()).toEqual([])
    await manager.append(entryFor(1))
    await manager.append(entryFor(2), { sync: false })
    await manager.appendBatch([entryFor(3), entryFor(4)], { sync: true })
    await manager.appendBatch([])
    expect(manager.replay().map(plain)).toEqual(range(1, 4).map((seq) => plain(entryFor(seq))))
    expect(manager.lastSeq).toBe(4)
    await manager.close()
    expect(seqs(WALManager.open('/db/wal.log', { fs: memory }).replay())).toEqual(range(1, 4))
  })

  it('group commit: 200 concurrent synced appends share a handful of writes and fsyncs', async () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    const fsyncs = faulty.counts.fsync
    const writes = faulty.counts.write
    await Promise.all(range(1, 200).map((seq) => manager.append(entryFor(seq))))
    expect(faulty.counts.fsync - fsyncs).toBeLessThanOrEqual(3)
    expect(faulty.counts.write - writes).toBeLessThanOrEqual(3)
    expect(seqs(manager.replay())).toEqual(range(1, 200))
    await manager.close()
  })

  it('group commit on the real disk: 16 appenders in a loop need far fewer fsyncs than appends', async () => {
    const directory = tempDirectory()
    directories.push(directory.cleanup)
    const faulty = new FaultyFileSystem(new NodeFileSystem())
    const manager = WALManager.open(join(directory.path, 'wal.log'), { fs: faulty })
    const fsyncs = faulty.counts.fsync
    let seq = 0
    await Promise.all(
      range(1, 16).map(async () => {
        for (let round = 0; round < 25; round++) await manager.append(entryFor(++seq))
      }),
    )
    expect(faulty.counts.fsync - fsyncs).toBeLessThan(400 / 4)
    expect(seqs(manager.replay())).toEqual(range(1, 400))
    await manager.close()
  })

  it('a writer awaiting unsynced appends in a tight loop lets timers run, and every append lands', async () => {
    const directory = tempDirectory()
    directories.push(directory.cleanup)
    const manager = WALManager.open(join(directory.path, 'wal.log'))
    let ticks = 0
    const timer = setInterval(() => ticks++, 2)
    const started = performance.now()
    let seq = 0
    // Each append resolves in a microtask once written: without the per-turn budget this loop
    // would never give the event loop a turn, and the interval would not fire at all.
    while (performance.now() - started < 300) await manager.append(entryFor(++seq), { sync: false })
    clearInterval(timer)
    expect(seq).toBeGreaterThan(1000)
    expect(ticks).toBeGreaterThanOrEqual(10)
    await manager.close()
    expect(seqs(WALManager.open(join(directory.path, 'wal.log')).replay())).toEqual(range(1, seq))
  })

  it('resolves a synced append only once its bytes survive a power cut', async () => {
    const rng = random(seedFor('durable on resolve'))
    for (let trial = 0; trial < 20; trial++) {
      const memory = new MemoryFileSystem()
      const manager = WALManager.open('/db/wal.log', { fs: memory })
      const acknowledged: number[] = []
      const cutAfter = 1 + Math.floor(rng() * 150)
      let cut = false
      const appends = range(1, 200).map(async (seq) => {
        // Staggered arrival, so appends land in several groups.
        if (rng() < 0.5) await new Promise((resolve) => setImmediate(resolve))
        await manager.append(entryFor(seq), { sync: true })
        if (cut) return
        acknowledged.push(seq)
        if (acknowledged.length === cutAfter) {
          cut = true
          memory.powerLoss()
        }
      })
      await Promise.allSettled(appends)
      const replayed = new WALWriter('/db/wal.log', { fs: memory }).replay()
      const present = new Set(seqs(replayed))
      for (const seq of acknowledged) expect(present.has(seq)).toBe(true)
      expect(replayed.map(plain)).toEqual(replayed.map((entry) => plain(entryFor(entry.seq))))
    }
  })

  it('keeps sync: false appends through a process crash', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs: memory })
    await Promise.all(range(1, 50).map((seq) => manager.append(entryFor(seq), { sync: false })))
    memory.crash()
    expect(seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())).toEqual(range(1, 50))
  })

  it('poisons the log when fsync fails: that group and every later append reject, nothing after is acknowledged', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    await Promise.all(range(1, 10).map((seq) => manager.append(entryFor(seq))))
    faulty.inject({ operation: 'fsync' })
    const results = await Promise.allSettled(range(11, 20).map((seq) => manager.append(entryFor(seq))))
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { name: 'WALPoisonedError', code: 'STRATA_IO', cause: { code: 'EIO' } },
      })
    }
    faulty.heal()
    await expect(manager.append(entryFor(21))).rejects.toMatchObject({ name: 'WALPoisonedError' })
    await expect(manager.truncateBefore(5)).rejects.toMatchObject({ name: 'WALPoisonedError' })
    await manager.close()
    expect(seqsAfterPowerLoss(memory)).toEqual(range(1, 10))
  })

  it('poisons the log when a write fails (disk full) and recovers every acknowledged entry', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    faulty.spaceLimitBytes = faulty.bytesWritten + 1000
    const acknowledged: number[] = []
    const results = await Promise.allSettled(
      range(1, 100).map(async (seq) => {
        await new Promise((resolve) => setImmediate(resolve))
        await manager.append(entryFor(seq))
        acknowledged.push(seq)
      }),
    )
    const rejected = results.filter((result) => result.status === 'rejected')
    expect(rejected.length).toBeGreaterThan(0)
    expect(rejected[0]).toMatchObject({ reason: { code: 'STRATA_IO', systemCode: 'ENOSPC' } })
    for (const result of rejected) {
      expect(result).toMatchObject({ reason: { code: 'STRATA_IO', outcome: 'rejected' } })
    }
    await manager.close()
    // The failed write was cut back: exactly the acknowledged entries are replayed, no torn tail.
    const reopened = new WALWriter('/db/wal.log', { fs: memory })
    expect(seqs(reopened.replay())).toEqual(acknowledged)
    expect(reopened.replayReport.tornTail).toBeUndefined()
  })

  it('a rejected append whose cut-back fails too reports its outcome as unknown', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const manager = WALManager.open('/db/wal.log', { fs: faulty, onWarning: () => {} })
    await manager.append(entryFor(1))
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    faulty.inject({ operation: 'ftruncate', path: /wal\.log$/ })
    await expect(manager.append(entryFor(2))).rejects.toMatchObject({ code: 'STRATA_IO', outcome: 'unknown' })
    await expect(manager.append(entryFor(3))).rejects.toMatchObject({
      code: 'STRATA_IO',
      outcome: 'rejected',
    })
    await manager.close()
  })

  it('cuts rejected appends of a failed fsync back out of the file, many in flight', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    const acknowledged: number[] = []
    const appends = range(1, 200).map(async (seq) => {
      if (seq === 120) faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
      if (seq > 100) await new Promise((resolve) => setImmediate(resolve))
      await manager.append(entryFor(seq), { sync: seq % 3 !== 0 })
      acknowledged.push(seq)
    })
    const results = await Promise.allSettled(appends)
    expect(results.some((result) => result.status === 'rejected')).toBe(true)
    await manager.close()
    acknowledged.sort((a, b) => a - b)
    expect(seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())).toEqual(acknowledged)
  })

  it('truncates while appends keep running, losing no acknowledged entry above the cut', async () => {
    const rng = random(seedFor('truncate during appends'))
    for (const fs of [new MemoryFileSystem(), new NodeFileSystem()]) {
      const directory = tempDirectory()
      directories.push(directory.cleanup)
      const path = fs instanceof MemoryFileSystem ? '/db/wal.log' : join(directory.path, 'wal.log')
      const manager = WALManager.open(path, { fs })
      let seq = 0
      let acknowledged = 0
      let running = true
      const appenders = range(1, 8).map(async () => {
        while (running) {
          const next = ++seq
          await manager.append(entryFor(next, 200), { sync: rng() < 0.5 })
          acknowledged = Math.max(acknowledged, next)
        }
      })
      let floor = 0
      for (let round = 0; round < 12; round++) {
        await new Promise((resolve) => setTimeout(resolve, 5 + rng() * 10))
        floor = Math.max(floor, acknowledged - Math.floor(rng() * 50))
        await manager.truncateBefore(floor)
      }
      running = false
      await Promise.all(appenders)
      const replayed = manager.replay()
      expect(seqs(replayed)).toEqual(range(floor + 1, seq))
      await manager.close()
      const reopened = new WALWriter(path, { fs }).replay()
      expect(reopened.map(plain)).toEqual(range(floor + 1, seq).map((next) => plain(entryFor(next, 200))))
      expect(seq).toBeGreaterThan(100)
    }
  })

  it('a truncation copies what was appended meanwhile in bounded reads, however much it is', async () => {
    // Node refuses one read of 2 GiB or more; this file system refuses any read over 1 MiB, and
    // holds the truncation's first copy write until 3 MiB more are appended to the log.
    const limit = 1024 * 1024
    let hold: (() => Promise<void>) | undefined
    class BoundedReads extends MemoryFileSystem {
      private tempFd = -1
      override async open(path: string, flags: Parameters<MemoryFileSystem['open']>[1]): Promise<number> {
        const fd = await super.open(path, flags)
        if (path.endsWith('.tmp')) this.tempFd = fd
        return fd
      }
      override read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
        if (length > limit) {
          return Promise.reject(
            Object.assign(new RangeError(`read of ${length} bytes`), { code: 'ERR_OUT_OF_RANGE' }),
          )
        }
        return super.read(fd, buffer, offset, length, position)
      }
      override async write(
        fd: number,
        buffer: Uint8Array,
        offset: number,
        length: number,
        position: number | null,
      ) {
        if (fd === this.tempFd && hold !== undefined) {
          const work = hold
          hold = undefined
          await work()
        }
        return super.write(fd, buffer, offset, length, position)
      }
    }
    const manager = WALManager.open('/db/wal.log', { fs: new BoundedReads() })
    let seq = 0
    for (; seq < 100; ) await manager.append(entryFor(++seq, 1000))
    hold = async () => {
      const appends: Promise<unknown>[] = []
      for (let index = 0; index < 3000; index++) appends.push(manager.append(entryFor(++seq, 1000)))
      await Promise.all(appends)
    }
    await manager.truncateBefore(50)
    expect(hold).toBeUndefined()
    expect(seqs(manager.replay())).toEqual(range(51, seq))
    await manager.append(entryFor(++seq, 1000))
    expect(seqs(manager.replay())).toEqual(range(51, seq))
    await manager.close()
  })

  it('a truncation fsyncs its copy beside the appends: they go on while that fsync runs', async () => {
    // The copy's first fsync (the bulk of the kept bytes) is held until the test lets it go; an
    // append made meanwhile must not wait for it.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let reached: () => void = () => {}
    const fsyncReached = new Promise<void>((resolve) => {
      reached = resolve
    })
    class HeldFsync extends MemoryFileSystem {
      private tempFd = -1
      private fsyncs = 0
      override async open(path: string, flags: Parameters<MemoryFileSystem['open']>[1]): Promise<number> {
        const fd = await super.open(path, flags)
        if (path.endsWith('.tmp')) this.tempFd = fd
        return fd
      }
      override async fsync(fd: number): Promise<void> {
        if (fd === this.tempFd && this.fsyncs++ === 0) {
          reached()
          await held
        }
        return super.fsync(fd)
      }
    }
    const manager = WALManager.open('/db/wal.log', { fs: new HeldFsync() })
    let seq = 0
    for (; seq < 100; ) await manager.append(entryFor(++seq, 1000), { sync: false })
    const truncation = manager.truncateBefore(50)
    await fsyncReached
    const appended = manager.append(entryFor(++seq, 1000), { sync: false }).then(() => 'appended')
    const waited = new Promise((resolve) => setTimeout(() => resolve('waited'), 200))
    expect(await Promise.race([appended, waited])).toBe('appended')
    release()
    await truncation
    expect(seqs(manager.replay())).toEqual(range(51, seq))
    await manager.append(entryFor(++seq, 1000))
    expect(seqs(manager.replay())).toEqual(range(51, seq))
    await manager.close()
  })

  it('a failing truncation leaves the log whole and appends going', async () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    await Promise.all(range(1, 20).map((seq) => manager.append(entryFor(seq))))
    faulty.inject({ operation: 'rename', path: /wal\.log$/ })
    await expect(manager.truncateBefore(10)).rejects.toMatchObject({ code: 'STRATA_IO', systemCode: 'EIO' })
    await manager.append(entryFor(21))
    expect(seqs(manager.replay())).toEqual(range(1, 21))
    await manager.truncateBefore(10)
    expect(seqs(manager.replay())).toEqual(range(11, 21))
    await manager.close()
  })

  it('close() waits for in-flight appends, then refuses new ones with ClosedError', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs: memory })
    const appends = range(1, 100).map((seq) => manager.append(entryFor(seq)))
    const truncation = manager.truncateBefore(10)
    const closed = manager.close()
    await expect(manager.append(entryFor(101))).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await Promise.all([...appends, truncation, closed, manager.close()])
    expect(memory.openDescriptors).toBe(0)
    expect(seqsAfterPowerLoss(memory)).toEqual(range(11, 100))
  })

  it('a lone synced append is fsynced on the calling thread on a fast disk, a group in the pool', async () => {
    const memory = new SlowSyncFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs: memory })
    for (let seq = 1; seq <= 20; seq++) await manager.append(entryFor(seq))
    // The first fsync has no estimate yet and goes to the pool; the rest run inline.
    expect(manager.fsyncCounts).toEqual({ inline: 19, pooled: 1 })
    expect(memory.syncCalls).toEqual({ sync: 19, pooled: 1 })
    // Appends in flight together: their group is fsynced in the pool (group commit), none inline.
    await Promise.all(range(21, 84).map((seq) => manager.append(entryFor(seq))))
    expect(manager.fsyncCounts.inline).toBe(19)
    expect(manager.fsyncCounts.pooled).toBeGreaterThan(1)
    // Unsynced appends need no fsync at all.
    await manager.append(entryFor(85), { sync: false })
    expect(memory.syncCalls.sync + memory.syncCalls.pooled).toBe(
      manager.fsyncCounts.inline + manager.fsyncCounts.pooled,
    )
    await manager.close()
    expect(seqsAfterPowerLoss(memory)).toEqual(range(1, 85))
  })

  it('an append acknowledged after an inline fsync survives a power cut; a failed one rejects', async () => {
    for (const count of [2, 5, 12]) {
      const memory = new SlowSyncFileSystem()
      const manager = WALManager.open('/db/wal.log', { fs: memory })
      for (let seq = 1; seq <= count; seq++) await manager.append(entryFor(seq))
      expect(manager.fsyncCounts.inline).toBe(count - 1)
      expect(seqsAfterPowerLoss(memory)).toEqual(range(1, count))
    }
    const memory = new SlowSyncFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const manager = WALManager.open('/db/wal.log', { fs: faulty })
    for (let seq = 1; seq <= 5; seq++) await manager.append(entryFor(seq))
    faulty.inject({ operation: 'fsync' })
    await expect(manager.append(entryFor(6))).rejects.toMatchObject({
      name: 'WALPoisonedError',
      code: 'STRATA_IO',
    })
    expect(manager.fsyncCounts.inline).toBe(4)
    faulty.heal()
    await manager.close()
    expect(seqsAfterPowerLoss(memory)).toEqual(range(1, 5))
  })

  it('a slow fdatasync goes to the thread pool: the event loop does not wait on that disk', async () => {
    const memory = new SlowSyncFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs: memory })
    for (let seq = 1; seq <= 10; seq++) await manager.append(entryFor(seq))
    expect(manager.fsyncCounts.inline).toBe(9)
    // The disk turns slow: at most one more fsync runs inline before the estimate says so.
    memory.delayMs = 5
    for (let seq = 11; seq <= 30; seq++) await manager.append(entryFor(seq))
    expect(manager.fsyncCounts.inline).toBeLessThanOrEqual(10)
    expect(manager.fsyncCounts.pooled).toBeGreaterThanOrEqual(20)
    // A timer set now fires while the next slow synced appends run (they leave the loop free).
    let fired = false
    setTimeout(() => {
      fired = true
    }, 1)
    await manager.append(entryFor(31))
    expect(fired).toBe(true)
    // Fast again: the estimate comes back down and lone appends go inline again.
    memory.delayMs = 0
    const inlineBefore = manager.fsyncCounts.inline
    for (let seq = 32; seq <= 60; seq++) await manager.append(entryFor(seq))
    expect(manager.fsyncCounts.inline).toBeGreaterThan(inlineBefore + 10)
    await manager.close()
    expect(seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())).toEqual(range(1, 60))
  })

  it('syncAppend works when idle and refuses to race asynchronous appends', async () => {
    const manager = WALManager.open('/db/wal.log', { fs: new MemoryFileSystem() })
    manager.syncAppend(entryFor(1))
    const pending = manager.append(entryFor(2))
    expect(() => manager.syncAppend(entryFor(3))).toThrow(
      expect.objectContaining({
        code: 'STRATA_INVALID_ARGUMENT',
        message: expect.stringMatching(/in flight/),
      }),
    )
    await pending
    manager.syncAppend(entryFor(3))
    expect(seqs(manager.replay())).toEqual([1, 2, 3])
    await manager.close()
    expect(() => manager.syncAppend(entryFor(4))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
  })

  it('rejects bad input at call time without disturbing queued appends', async () => {
    const manager = WALManager.open('/db/wal.log', { fs: new MemoryFileSystem() })
    const first = manager.append(entryFor(5))
    await expect(manager.append(entryFor(5))).rejects.toMatchObject({ argument: 'entry.seq' })
    await expect(manager.append(entryFor(6), { sync: 'yes' as unknown as boolean })).rejects.toMatchObject({
      argument: 'options.sync',
    })
    await expect(manager.truncateBefore(Number.NaN)).rejects.toMatchObject({ argument: 'seq' })
    await first
    await manager.append(entryFor(6))
    expect(seqs(manager.replay())).toEqual([5, 6])
    await manager.close()
  })
})
