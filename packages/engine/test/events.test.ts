/**
 * The database's events: each fires in order with figures that match what the engine did
 * (checked against `levels()`, `stats()` and the data), and a listener that throws never
 * reaches the engine.
 */
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DATABASE_EVENT_NAMES,
  type Database,
  type DatabaseEventName,
  type DatabaseEvents,
  type OpenOptions,
  open,
} from '../src/index.js'

type Recorded = DatabaseEvents[DatabaseEventName]

const key = (index: number) => `key-${String(index).padStart(5, '0')}`
const value = (index: number) => `value-${index}-${'v'.repeat(20)}`
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex')

async function openOn(fs: MemoryFileSystem | FaultyFileSystem, options: OpenOptions<string, string> = {}) {
  return open<string, string>('/db', {
    fs,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    autoCompaction: false,
    ...options,
  })
}

/** Records every event of `database`, in order. */
function record(database: Database<string, string>): Recorded[] {
  const events: Recorded[] = []
  for (const name of DATABASE_EVENT_NAMES) database.on(name, (event) => void events.push(event))
  return events
}

/** `flush:begin`, `version`, … : the order of what happened. */
function names(events: Recorded[]): string[] {
  return events.map((event) => ('phase' in event ? `${event.type}:${event.phase}` : event.type))
}

function only<Name extends DatabaseEventName>(events: Recorded[], name: Name): DatabaseEvents[Name][] {
  return events.filter((event) => event.type === name) as DatabaseEvents[Name][]
}

async function putAll(database: Database<string, string>, from: number, to: number) {
  for (let index = from; index < to; index++) await database.put(key(index), value(index))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('flush and wal-truncate events', () => {
  it('fire begin, version, end, then the WAL truncation, with the table the flush wrote', async () => {
    const database = await openOn(new MemoryFileSystem())
    await putAll(database, 0, 100)
    const events = record(database)
    const walBefore = database.stats().walBytes
    await database.flush()
    expect(names(events)).toEqual(['flush:begin', 'version', 'flush:end', 'wal-truncate'])
    const [begin, end] = only(events, 'flush')
    if (begin?.phase !== 'begin' || end?.phase !== 'end') throw new Error('flush events out of order')
    const [table] = database.levels()[0]!.tables
    expect(table).toBeDefined()
    expect(begin).toMatchObject({
      jobId: end.jobId,
      fileNumber: table!.fileNumber,
      entries: 100,
      maxSeq: 100,
    })
    expect(begin.memtableBytes).toBeGreaterThan(100 * value(0).length)
    expect(begin.memtableLimitBytes).toBe(4 * 1024 * 1024)
    expect(end.table).toEqual(table)
    expect(end.fileBytes).toBe(database.stats().tableBytes)
    expect(end.table.smallestKey).toBe(hex(key(0)))
    expect(end.table.largestKey).toBe(hex(key(99)))
    expect(end.durationMs).toBeGreaterThanOrEqual(0)
    expect(end.timestampMs).toBeGreaterThanOrEqual(begin.timestampMs)
    const [version] = only(events, 'version')
    expect(version).toMatchObject({
      cause: 'flush',
      jobId: end.jobId,
      added: [table!.fileNumber],
      removed: [],
    })
    expect(version!.levels).toEqual(database.levels())
    const [truncate] = only(events, 'wal-truncate')
    expect(truncate).toMatchObject({ seq: 100, bytesBefore: walBefore })
    expect(truncate!.bytesAfter).toBeLessThan(walBefore)
    expect(truncate!.bytesAfter).toBe(database.stats().walBytes)
    await database.close()
  })
})

describe('compaction events', () => {
  it('fire begin, version, end with the inputs, the outputs and the bytes of a merge', async () => {
    const database = await openOn(new MemoryFileSystem())
    await putAll(database, 0, 200)
    await database.flush()
    await putAll(database, 100, 300) // overwrites 100..199
    await database.flush()
    const level0 = database.levels()[0]!.tables
    const events = record(database)
    await database.compactRange()
    expect(names(events)).toEqual(['compaction:begin', 'version', 'compaction:end'])
    const [begin, end] = only(events, 'compaction')
    if (begin?.phase !== 'begin' || end?.phase !== 'end') throw new Error('compaction events out of order')
    expect(begin).toMatchObject({ reason: 'manual', level: 0, outputLevel: 1, trivialMove: false })
    expect(begin.inputs.map((table) => table.fileNumber).sort()).toEqual(
      level0.map((table) => table.fileNumber).sort(),
    )
    expect(begin.inputBytes).toBe(level0.reduce((total, table) => total + table.fileBytes, 0))
    const level1 = database.levels()[1]!.tables
    expect(end.outputs).toEqual(level1)
    expect(end.jobId).toBe(begin.jobId)
    expect(end.bytesRead).toBe(begin.inputBytes)
    expect(end.bytesWritten).toBe(end.outputBytes)
    expect(end.outputBytes).toBe(database.stats().tableBytes)
    expect(end.droppedVersions).toBe(100)
    expect(end.outputs.reduce((total, table) => total + table.entries, 0)).toBe(300)
    const [version] = only(events, 'version')
    expect(version!.removed.sort()).toEqual(level0.map((table) => table.fileNumber).sort())
    expect(version!.added).toEqual(level1.map((table) => table.fileNumber))
    expect(database.stats().compaction.droppedVersions).toBe(end.droppedVersions)
    await database.close()
  })

  it('report a trivial move with its tables as both inputs and outputs, and no bytes', async () => {
    const database = await openOn(new MemoryFileSystem(), {
      autoCompaction: true,
      level0CompactionTrigger: 2,
    })
    const events = record(database)
    await putAll(database, 0, 50)
    await database.flush()
    await putAll(database, 50, 100) // after every earlier key: the tables do not overlap
    await database.flush()
    while (database.stats().compaction.running || database.levels()[0]!.tables.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const [begin, end] = only(events, 'compaction')
    if (begin?.phase !== 'begin' || end?.phase !== 'end') throw new Error('compaction events out of order')
    expect(begin).toMatchObject({ reason: 'level0-files', trivialMove: true, level: 0, outputLevel: 1 })
    expect(end.outputs.map((table) => table.fileNumber).sort()).toEqual(
      begin.inputs.map((table) => table.fileNumber).sort(),
    )
    expect(end.outputs.every((table) => table.level === 1)).toBe(true)
    expect(end).toMatchObject({ bytesRead: 0, bytesWritten: 0, outputBytes: begin.inputBytes })
    expect(database.stats().compaction.trivialMoves).toBe(1)
    await database.close()
  })

  it('reach listeners added right after open, for a compaction the open starts', async () => {
    const fs = new MemoryFileSystem()
    const first = await openOn(fs)
    await putAll(first, 0, 20)
    await first.flush()
    await putAll(first, 10, 30)
    await first.flush()
    await first.close()
    const database = await openOn(fs, { autoCompaction: true, level0CompactionTrigger: 2 })
    const events = record(database)
    while (only(events, 'compaction').length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(names(events).slice(0, 3)).toEqual(['compaction:begin', 'version', 'compaction:end'])
    await database.close()
  })
})

describe('stall events', () => {
  it('begin when writers wait for a flush and end once they pass, counting the stalled writes', async () => {
    const database = await openOn(new MemoryFileSystem(), { memtableBytes: 1024, maxFrozenMemtables: 1 })
    const events = record(database)
    await Promise.all(Array.from({ length: 300 }, (_, index) => database.put(key(index), value(index))))
    await database.put('after', 'the stall')
    const stalls = only(events, 'stall')
    expect(stalls.length).toBeGreaterThanOrEqual(2)
    expect(stalls.map((event) => event.phase)).toEqual(
      stalls.map((_, index) => (index % 2 === 0 ? 'begin' : 'end')),
    )
    let stalledWrites = 0
    for (const event of stalls) {
      expect(event.cause).toBe('memtables')
      if (event.phase === 'begin') expect(event.frozenMemtables).toBeGreaterThanOrEqual(1)
      else {
        expect(event.durationMs).toBeGreaterThanOrEqual(0)
        stalledWrites += event.writesStalled
      }
    }
    expect(stalledWrites).toBeGreaterThan(0)
    expect(stalledWrites).toBeLessThanOrEqual(database.stats().stalls.count)
    expect(only(events, 'flush').length).toBeGreaterThan(2)
    for (let index = 0; index < 300; index++) expect(await database.get(key(index))).toBe(value(index))
    await database.close()
  })

  it.each([
    ['level0-stop', 2],
    ['level0-slowdown', 1000],
  ] as const)('name %s as the cause when level 0 holds writes back', async (cause, level0StopTrigger) => {
    const database = await openOn(new MemoryFileSystem(), {
      autoCompaction: true,
      memtableBytes: 16 * 1024,
      maxFrozenMemtables: 64,
      level0CompactionTrigger: 2,
      level0SlowdownTrigger: 2,
      level0StopTrigger,
    })
    // A large level 1, so that each compaction of level 0 (which overlaps all of it) takes a
    // while, and the flushes meanwhile fill level 0 up to the trigger.
    await database.batch(
      Array.from({ length: 20_000 }, (_, index) => ({ type: 'put', key: key(index), value: value(index) })),
    )
    await database.compactRange()
    const events = record(database)
    const seen = () => events.some((event) => event.type === 'stall' && event.cause === cause)
    for (let round = 0; round < 400 && !seen(); round++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          database.put(key((index * 197 + round) % 20_000), value(round)),
        ),
      )
    }
    await database.close()
    const stalls = only(events, 'stall')
    expect(stalls.some((event) => event.cause === cause)).toBe(true)
    expect(stalls.map((event) => event.phase)).toEqual(
      stalls.map((_, index) => (index % 2 === 0 ? 'begin' : 'end')),
    )
    for (const event of stalls) {
      if (event.phase === 'begin' && event.cause === cause)
        expect(event.level0Files).toBeGreaterThanOrEqual(2)
    }
  })
})

describe('background-error, read-only and close events', () => {
  it('a failed flush reports its job, then read-only with the cause', async () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const database = await openOn(faulty)
    await putAll(database, 0, 20)
    const events = record(database)
    faulty.inject({ operation: 'fsync', path: /\.sst$/ })
    await expect(database.flush()).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
    expect(names(events)).toEqual(['flush:begin', 'background-error', 'read-only'])
    const [begin] = only(events, 'flush')
    const [failure] = only(events, 'background-error')
    const [readOnly] = only(events, 'read-only')
    expect(failure).toMatchObject({ operation: 'flush', jobId: begin!.jobId, error: { code: 'STRATA_IO' } })
    expect(failure!.error.message).toMatch(/EIO/)
    expect(readOnly).toMatchObject({ operation: 'flush', cause: failure!.error })
    expect(database.stats().readOnlyReason).toBe(readOnly!.cause.message)
    await database.close()
    expect(names(events).at(-1)).toBe('close')
  })

  it('a failed compaction reports its job, then read-only', async () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const database = await openOn(faulty)
    for (let table = 0; table < 2; table++) {
      await putAll(database, 0, 50)
      await database.flush()
    }
    const events = record(database)
    faulty.inject({ operation: 'fsync', path: /\.sst$/ })
    await expect(database.compactRange()).rejects.toMatchObject({ code: 'STRATA_IO' })
    expect(names(events)).toEqual(['compaction:begin', 'background-error', 'read-only'])
    const [begin] = only(events, 'compaction')
    expect(only(events, 'background-error')[0]).toMatchObject({
      operation: 'compaction',
      jobId: begin!.jobId,
    })
    expect(only(events, 'read-only')[0]).toMatchObject({
      operation: 'compaction',
      cause: { code: 'STRATA_IO' },
    })
    await database.close()
  })

  it('a failed WAL append reports once, however many writes it fails', async () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const database = await openOn(faulty)
    const events = record(database)
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) => database.put(key(index), 'x')),
    )
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(names(events)).toEqual(['background-error', 'read-only'])
    expect(only(events, 'read-only')[0]).toMatchObject({
      operation: 'wal-append',
      cause: { code: 'STRATA_IO' },
    })
    await database.close()
  })

  it('close is the last event, once the database is closed', async () => {
    const database = await openOn(new MemoryFileSystem())
    await putAll(database, 0, 10)
    const seen: string[] = []
    database.on('close', (event) => {
      seen.push(`${event.type} ${database.status}`)
      expect(event.durationMs).toBeGreaterThanOrEqual(0)
    })
    await Promise.all([database.close(), database.close()])
    expect(seen).toEqual(['close closed'])
  })
})

describe('listeners', () => {
  it('a throwing listener is reported as a background-error and breaks nothing', async () => {
    const database = await openOn(new MemoryFileSystem())
    const after: string[] = []
    const failures: DatabaseEvents['background-error'][] = []
    database.on('flush', () => {
      throw new Error('listener bug')
    })
    database.on('flush', (event) => void after.push(event.phase))
    database.on('background-error', (event) => void failures.push(event))
    await putAll(database, 0, 10)
    await database.flush()
    await putAll(database, 10, 20)
    await database.flush()
    expect(after).toEqual(['begin', 'end', 'begin', 'end'])
    expect(failures).toHaveLength(4)
    expect(failures[0]).toMatchObject({
      operation: 'listener',
      event: 'flush',
      error: { message: 'listener bug' },
    })
    expect(database.stats()).toMatchObject({ flushes: 2, readOnlyReason: undefined })
    expect(await database.get(key(15))).toBe(value(15))
    await database.close()
  })

  it('a listener whose promise rejects is reported the same way', async () => {
    const database = await openOn(new MemoryFileSystem())
    const failures: DatabaseEvents['background-error'][] = []
    database.on('version', async () => {
      throw new Error('async listener bug')
    })
    database.on('background-error', (event) => void failures.push(event))
    await putAll(database, 0, 10)
    await database.flush()
    await new Promise((resolve) => setImmediate(resolve))
    expect(failures).toMatchObject([
      { operation: 'listener', event: 'version', error: { message: 'async listener bug' } },
    ])
    await database.close()
  })

  it('with no background-error listener (or a throwing one), warns once per listener', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const database = await openOn(new MemoryFileSystem())
    database.on('flush', () => {
      throw new Error('unheard')
    })
    database.on('background-error', () => {
      throw new Error('the error listener throws too')
    })
    for (let round = 0; round < 3; round++) {
      await putAll(database, round * 10, round * 10 + 10)
      await database.flush()
    }
    expect(warning).toHaveBeenCalledTimes(1)
    expect(String(warning.mock.calls[0]![0])).toMatch(
      /'background-error' event threw .*the error listener throws too/,
    )
    expect(database.stats().flushes).toBe(3)
    await database.close()
  })

  it('on, once and off add and remove listeners; a bad name or listener is refused', async () => {
    const database = await openOn(new MemoryFileSystem())
    const every: number[] = []
    const first: number[] = []
    const removed: number[] = []
    const listener = (event: DatabaseEvents['flush']) => void removed.push(event.jobId)
    database
      .on('flush', (event) => void every.push(event.jobId))
      .once('flush', (event) => void first.push(event.jobId))
      .on('flush', listener)
      .off('flush', listener)
    expect(database.listenerCount('flush')).toBe(2)
    await putAll(database, 0, 10)
    await database.flush()
    expect(every).toHaveLength(2)
    expect(first).toEqual([every[0]])
    expect(removed).toEqual([])
    expect(database.listenerCount('flush')).toBe(1)
    expect(() => database.on('flushed' as DatabaseEventName, () => {})).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'name' }),
    )
    expect(() => database.once('flush', 'log' as never)).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'listener' }),
    )
    await database.close()
  })
})
