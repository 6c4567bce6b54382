/**
 * A source that sees versions but not the work behind them (a read-only open following
 * another process): the watcher tells the work from two pictures of the tree, and the watch
 * command looks again through the source's `refresh`.
 */
import { PassThrough } from 'node:stream'
import type { DatabaseEventListener, DatabaseEventName, LevelView, TableView } from '@strata/engine'
import { describe, expect, it } from 'vitest'
import type { Output } from '../src/keyvalue.js'
import { Reporter } from '../src/reporter.js'
import { describeChange } from '../src/version-diff.js'
import { EventWatcher } from '../src/watch.js'
import { watchCommand } from '../src/watch-command.js'

function table(fileNumber: number, level: number, fileBytes = 1024): TableView {
  return {
    fileNumber,
    level,
    fileBytes,
    entries: 10,
    tombstones: 0,
    smallestKey: '61',
    largestKey: '7a',
    minSeq: 1,
    maxSeq: 10,
  }
}

/** A tree of `tables`, over the seven levels. */
function tree(...tables: TableView[]): LevelView[] {
  return Array.from({ length: 7 }, (_, level) => {
    const atLevel = tables.filter((view) => view.level === level)
    return { level, bytes: atLevel.reduce((total, view) => total + view.fileBytes, 0), tables: atLevel }
  })
}

/** A source with no events of its own and a tree the test sets. */
class FollowingSource {
  current: LevelView[] = tree()
  next: LevelView[][] = []
  readonly readOnly = true
  refreshes = 0
  closed = false
  on<Name extends DatabaseEventName>(_name: Name, _listener: DatabaseEventListener<Name>) {}
  off<Name extends DatabaseEventName>(_name: Name, _listener: DatabaseEventListener<Name>) {}
  levels(): LevelView[] {
    return this.current
  }
  async refresh(): Promise<void> {
    this.refreshes++
    this.current = this.next.shift() ?? this.current
  }
  async close(): Promise<void> {
    this.closed = true
  }
}

describe('describeChange', () => {
  it('tells a flush, a compaction and a trivial move apart', () => {
    const before = tree(table(4, 0), table(5, 0), table(2, 1), table(3, 2))
    const after = tree(table(8, 0, 2048), table(6, 1), table(7, 1), table(3, 3))
    const changes = describeChange(before, after)
    expect(changes.map((change) => change.kind)).toEqual(['flush', 'compaction', 'trivial-move'])
    expect(changes[0]!.text).toBe('flush: memtable written to a level-0 table (2.00 KiB)')
    expect(changes[1]!.text).toBe(
      'compaction → L1: 3 tables in (L0 2 + L1 1, 3.00 KiB), 2 tables out (2.00 KiB)',
    )
    expect(changes[2]!.text).toBe('trivial move L2→L3: 1 table moved down without being rewritten')
  })

  it('says nothing when the tree is the same', () => {
    const same = tree(table(4, 0), table(2, 1))
    expect(describeChange(same, tree(table(4, 0), table(2, 1)))).toEqual([])
  })

  it('lets the watcher count what it told, with the tree after', () => {
    const source = new FollowingSource()
    const lines: string[] = []
    const watcher = new EventWatcher(source, (event) => lines.push(event.text))
    watcher.observe(tree(table(1, 0), table(2, 0)))
    watcher.observe(tree(table(3, 1)))
    expect(lines).toEqual([
      'flush ×2: memtable written to a level-0 table (2.00 KiB) · tree now L0 2',
      'compaction → L1: 2 tables in (L0 2, 2.00 KiB), 1 table out (1.00 KiB) · tree now L1 1',
    ])
    expect([watcher.flushes, watcher.compactions, watcher.trivialMoves]).toEqual([1, 1, 0])
  })
})

describe('strata watch on a source that refreshes', () => {
  it('looks again through refresh and prints what changed, then closes the source', async () => {
    const source = new FollowingSource()
    source.next = [tree(table(1, 0)), tree(table(1, 0)), tree(table(2, 1))]
    const stream = new PassThrough()
    let printed = ''
    stream.on('data', (chunk) => {
      printed += String(chunk)
    })
    const out: Output = { write: async () => {} } as unknown as Output
    const code = await watchCommand(
      '/followed',
      { seconds: 1 },
      new Reporter({ stream }),
      out,
      async () => source,
    )
    expect(code).toBe(0)
    expect(source.refreshes).toBeGreaterThanOrEqual(3)
    expect(source.closed).toBe(true)
    const lines = printed.trimEnd().split('\n')
    expect(lines[0]).toBe('watching /followed: tree empty (0 tables) for 1 s')
    expect(lines.slice(1, 3)).toEqual([
      '· flush: memtable written to a level-0 table (1.00 KiB) · tree now L0 1',
      '· compaction → L1: 1 table in (L0 1, 1.00 KiB), 1 table out (1.00 KiB) · tree now L1 1',
    ])
    expect(lines[3]).toMatch(
      /^watched .*: 1 flushes, 0 WAL truncations, 1 compactions, 0 trivial moves, 0 write stalls · tree L1 1$/,
    )
  })
  it('with --json, prints each new tree as a version object with cause refresh', async () => {
    const source = new FollowingSource()
    source.next = [tree(table(1, 0)), tree(table(1, 0)), tree(table(2, 1))]
    const written: string[] = []
    const out = { write: async (text: string) => void written.push(text) } as Output
    const code = await watchCommand(
      '/followed',
      { seconds: 1, json: true },
      new Reporter(),
      out,
      async () => source,
    )
    expect(code).toBe(0)
    expect(source.closed).toBe(true)
    const events = written
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map(({ type, cause, added, removed }) => ({ type, cause, added, removed }))).toEqual([
      { type: 'version', cause: 'refresh', added: [1], removed: [] },
      { type: 'version', cause: 'refresh', added: [2], removed: [1] },
    ])
    expect(events[1].levels[1].tables[0].fileNumber).toBe(2)
  })
})
