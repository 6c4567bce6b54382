/**
 * What changed between two pictures of the tree, told as the work that changed it — for a
 * source that sees versions but not the work (a read-only open following another process's
 * writer, which looks again now and then). Tables that appeared in level 0 were flushed; a
 * table found one level down under the same file number was moved (a trivial move); tables
 * that left while others appeared in a deeper level were compacted. Several edits between two
 * looks fold into one line per kind, and a table made and compacted away between them is never
 * seen. Pure: no I/O.
 */
import type { LevelView, TableView } from '@strata/engine'
import { formatBytes } from './format.js'
import type { WatchedEvent } from './watch.js'

function tables(count: number): string {
  return `${count} table${count === 1 ? '' : 's'}`
}

function bytesOf(views: readonly TableView[]): number {
  return views.reduce((total, table) => total + table.fileBytes, 0)
}

function byNumber(levels: readonly LevelView[]): Map<number, TableView> {
  const found = new Map<number, TableView>()
  for (const level of levels) for (const table of level.tables) found.set(table.fileNumber, table)
  return found
}

/** `L0 2 · L1 4` of the tables in `views`, by level. */
function levelsOf(views: readonly TableView[]): string {
  const counts = new Map<number, number>()
  for (const view of views) counts.set(view.level, (counts.get(view.level) ?? 0) + 1)
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, count]) => `L${level} ${count}`)
    .join(' + ')
}

/** The work that turned `before` into `after`, as lines (empty when nothing changed). */
export function describeChange(before: readonly LevelView[], after: readonly LevelView[]): WatchedEvent[] {
  const old = byNumber(before)
  const now = byNumber(after)
  const removed: TableView[] = []
  const moved: { from: TableView; to: TableView }[] = []
  for (const [fileNumber, table] of old) {
    const found = now.get(fileNumber)
    if (found === undefined) removed.push(table)
    else if (found.level !== table.level) moved.push({ from: table, to: found })
  }
  const added = [...now.values()].filter((table) => !old.has(table.fileNumber))
  const flushed = added.filter((table) => table.level === 0)
  const compacted = added.filter((table) => table.level > 0)
  const events: WatchedEvent[] = []
  if (flushed.length > 0) {
    events.push({
      kind: 'flush',
      text: `flush${flushed.length > 1 ? ` ×${flushed.length}` : ''}: memtable written to a level-0 table (${formatBytes(bytesOf(flushed))})`,
    })
  }
  if (removed.length > 0 || compacted.length > 0) {
    const outputLevels = [...new Set(compacted.map((table) => table.level))].sort((a, b) => a - b)
    const into = outputLevels.length === 0 ? '' : ` → ${outputLevels.map((level) => `L${level}`).join(', ')}`
    events.push({
      kind: 'compaction',
      text:
        `compaction${into}: ${tables(removed.length)} in (${removed.length === 0 ? 'none' : levelsOf(removed)}, ${formatBytes(bytesOf(removed))}), ` +
        `${tables(compacted.length)} out (${formatBytes(bytesOf(compacted))})`,
    })
  }
  if (moved.length > 0) {
    const steps = [...new Set(moved.map(({ from, to }) => `L${from.level}→L${to.level}`))]
    events.push({
      kind: 'trivial-move',
      text: `trivial move ${steps.join(', ')}: ${tables(moved.length)} moved down without being rewritten`,
    })
  }
  return events
}
