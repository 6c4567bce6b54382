import type { LevelView, TableView } from '@strata/engine'
import { describe, expect, it } from 'vitest'
import { type Frame, FrameBuilder } from './frames.js'

function table(fileNumber: number, level: number): TableView {
  return {
    fileNumber,
    level,
    fileBytes: 1000 + fileNumber,
    entries: 10,
    tombstones: 0,
    smallestKey: '00',
    largestKey: 'ff',
    minSeq: 1,
    maxSeq: 2,
  }
}

/** Levels holding `tables` ([fileNumber, level] pairs). */
function tree(...tables: [number, number][]): LevelView[] {
  const levels: LevelView[] = Array.from({ length: 3 }, (_, level) => ({ level, bytes: 0, tables: [] }))
  for (const [fileNumber, level] of tables) levels[level]!.tables.push(table(fileNumber, level))
  return levels
}

/** The tree `frames` lead to from `base`, as sorted `fileNumber@level` strings. */
function replayed(base: TableView[], frames: Frame[]): string[] {
  const tables = new Map(base.map((view) => [view.fileNumber, view]))
  for (const frame of frames) {
    for (const fileNumber of frame.removed) tables.delete(fileNumber)
    for (const view of frame.added) tables.set(view.fileNumber, view)
  }
  return [...tables.values()].map((view) => `${view.fileNumber}@${view.level}`).sort()
}

function flat(levels: LevelView[]): string[] {
  return levels.flatMap((level) => level.tables.map((view) => `${view.fileNumber}@${view.level}`)).sort()
}

describe('FrameBuilder', () => {
  it('caps the events of one tick and counts the rest by kind', () => {
    const builder = new FrameBuilder({ maxEventsPerTick: 50 })
    builder.startFrom(tree())
    for (let index = 0; index < 300; index++) {
      builder.add({
        type: 'wal-truncate',
        timestampMs: index,
        seq: index,
        bytesBefore: 2,
        bytesAfter: 1,
      } as never)
    }
    for (let index = 0; index < 20; index++) {
      builder.add({ type: 'stall', phase: 'end', cause: 'memtables', timestampMs: index } as never)
    }
    const frame = builder.tick(1000, undefined, undefined)!
    expect(frame.events).toHaveLength(50)
    expect(frame.dropped).toEqual({ 'wal-truncate': 250, stall: 20 })
    expect(builder.seen).toEqual({ 'wal-truncate': 300, stall: 20 })
    // The next tick starts empty.
    expect(builder.tick(1001, undefined, undefined)).toBeUndefined()
  })

  it('sends a quiet frame only once idleFrameMs has passed', () => {
    const builder = new FrameBuilder({ idleFrameMs: 1000 })
    builder.startFrom(tree([1, 0]))
    expect(builder.tick(0, tree([1, 0]), undefined)).toBeDefined()
    expect(builder.tick(500, tree([1, 0]), undefined)).toBeUndefined()
    expect(builder.tick(1000, tree([1, 0]), undefined)?.seq).toBe(2)
  })

  it('tells each change of the tree exactly, a trivial move as removed then added', () => {
    const builder = new FrameBuilder()
    builder.startFrom(tree([1, 0], [2, 0]))
    const flushed = builder.tick(0, tree([1, 0], [2, 0], [3, 0]), undefined)!
    expect(flushed.removed).toEqual([])
    expect(flushed.added.map((view) => view.fileNumber)).toEqual([3])
    const moved = builder.tick(1, tree([1, 0], [2, 0], [3, 1]), undefined)!
    expect(moved.removed).toEqual([3])
    expect(moved.added.map((view) => `${view.fileNumber}@${view.level}`)).toEqual(['3@1'])
    const compacted = builder.tick(2, tree([3, 1], [4, 1]), undefined)!
    expect(compacted.removed.sort()).toEqual([1, 2])
    const { base, frames } = builder.replay()
    expect(replayed(base, frames)).toEqual(flat(tree([3, 1], [4, 1])))
  })

  it('keeps historyFrames frames and folds older ones into the base', () => {
    const builder = new FrameBuilder({ historyFrames: 5 })
    builder.startFrom(tree())
    const files: [number, number][] = []
    for (let fileNumber = 1; fileNumber <= 12; fileNumber++) {
      files.push([fileNumber, fileNumber % 3])
      if (fileNumber % 4 === 0) files.shift()
      builder.tick(fileNumber, tree(...files), undefined)
    }
    const { base, frames } = builder.replay()
    expect(frames.map((frame) => frame.seq)).toEqual([8, 9, 10, 11, 12])
    expect(replayed(base, frames)).toEqual(flat(tree(...files)))
    expect(replayed(base, [])).not.toEqual(flat(tree(...files)))
  })

  it('tracks the jobs running and the current stall from begin and end events', () => {
    const builder = new FrameBuilder()
    builder.add({
      type: 'compaction',
      phase: 'begin',
      jobId: 7,
      level: 0,
      outputLevel: 1,
      inputs: [table(1, 0), table(2, 0)],
      inputBytes: 2003,
      timestampMs: 10,
    } as never)
    builder.add({ type: 'stall', phase: 'begin', cause: 'level0-stop', timestampMs: 11 } as never)
    const running = builder.tick(20, undefined, undefined)!
    expect(running.running).toEqual([
      { jobId: 7, kind: 'compaction', startedMs: 10, level: 0, outputLevel: 1, tables: [1, 2], bytes: 2003 },
    ])
    expect(running.stall).toEqual({ cause: 'level0-stop', sinceMs: 11 })
    builder.add({ type: 'compaction', phase: 'end', jobId: 7, trivialMove: false, timestampMs: 30 } as never)
    builder.add({ type: 'stall', phase: 'end', cause: 'level0-stop', timestampMs: 31 } as never)
    const ended = builder.tick(40, undefined, undefined)!
    expect(ended.running).toEqual([])
    expect(ended.stall).toBeUndefined()
    expect(builder.seen).toEqual({ compaction: 1, stall: 1 })
  })

  it('sends a version event without its levels, and an error as name, code and message', () => {
    const builder = new FrameBuilder()
    builder.add({ type: 'version', levels: tree([1, 0]), added: [1], removed: [], timestampMs: 1 } as never)
    const error = Object.assign(new Error('disk full'), { code: 'STRATA_IO' })
    builder.add({ type: 'background-error', operation: 'flush', error, timestampMs: 2 } as never)
    const [version, failure] = builder.tick(3, undefined, undefined)!.events
    expect(version).not.toHaveProperty('levels')
    expect(version).toMatchObject({ type: 'version', added: [1] })
    expect(JSON.parse(JSON.stringify(failure))).toMatchObject({
      error: { name: 'Error', code: 'STRATA_IO', message: 'disk full' },
    })
  })
})
