/**
 * The shape of the tree as a compact text picture: one row per level (one per table in level 0,
 * whose tables overlap), each table drawn over the part of the key space it covers, then the
 * tables themselves with their sizes and key ranges. Read from the live manifest
 * (`inspectManifest`), which lists every table with its key range.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { nodeFileSystem } from '@strata/base'
import { inspectManifest } from '@strata/engine'
import { formatBytes, formatCount, padEnd, padStart, showBytes } from './format.js'

export interface TableView {
  level: number
  fileNumber: number
  fileSize: number
  entryCount: number
  smallestKey: Uint8Array
  largestKey: Uint8Array
}

/** The tables of the database in `directory`, level by level, from the manifest CURRENT names. */
export async function readTree(directory: string): Promise<TableView[][]> {
  const current = readFileSync(join(directory, 'CURRENT'), 'utf8').trim()
  const manifest = await inspectManifest(nodeFileSystem, join(directory, current))
  return manifest.state.version.levels.map((files, level) =>
    files.map((file) => ({
      level,
      fileNumber: file.fileNumber,
      fileSize: file.fileSize,
      entryCount: file.entryCount,
      smallestKey: file.smallestKey,
      largestKey: file.largestKey,
    })),
  )
}

/** Where `key` lies between `low` and `high` (0..1), by the bytes after their common prefix. */
function between(key: Uint8Array, low: Uint8Array, high: Uint8Array): number {
  let common = 0
  while (common < low.length && common < high.length && low[common] === high[common]) common++
  const value = (bytes: Uint8Array) => {
    let result = 0
    let scale = 1
    for (let index = 0; index < 6; index++) {
      scale /= 256
      result += (bytes[common + index] ?? 0) * scale
    }
    return result
  }
  const span = value(high) - value(low)
  return span <= 0 ? 0 : Math.min(1, Math.max(0, (value(key) - value(low)) / span))
}

/** Maps keys to [0, 1] "by data": the tables of the level holding the most bytes split the bar
 *  into equal parts (they are cut at about the same size), and a key falls inside its part by
 *  interpolating its bytes between that table's smallest and largest key. */
export function keySpace(levels: readonly (readonly TableView[])[]): (key: Uint8Array) => number {
  let reference: TableView[] = []
  let referenceBytes = -1
  for (const files of levels) {
    const bytes = files.reduce((total, file) => total + file.fileSize, 0)
    if (files.length > 0 && bytes > referenceBytes) {
      reference = [...files].sort((a, b) => Buffer.compare(a.smallestKey, b.smallestKey))
      referenceBytes = bytes
    }
  }
  const count = reference.length
  return (key) => {
    let low = 0
    let high = count
    while (low < high) {
      const middle = (low + high) >>> 1
      if (Buffer.compare(reference[middle]!.largestKey, key) < 0) low = middle + 1
      else high = middle
    }
    if (low === count) return 1
    const table = reference[low]!
    if (Buffer.compare(key, table.smallestKey) < 0) return low / count
    return (low + between(key, table.smallestKey, table.largestKey)) / count
  }
}

export interface RenderOptions {
  /** Width of the key-space bar, in characters. */
  width?: number
  /** List each table (up to `tablesPerLevel` per level) under the picture. */
  listTables?: boolean
  tablesPerLevel?: number
  /** How a table's file is named in the list (default `000012.sst`). */
  tableName?: (table: TableView) => string
}

export function renderTree(levels: TableView[][], options: RenderOptions = {}): string[] {
  const width = options.width ?? 50
  const tables = levels.flat()
  if (tables.length === 0) return ['  (no tables yet: everything is still in the memtable and the WAL)']
  let smallest = tables[0]!.smallestKey
  let largest = tables[0]!.largestKey
  for (const table of tables) {
    if (Buffer.compare(table.smallestKey, smallest) < 0) smallest = table.smallestKey
    if (Buffer.compare(table.largestKey, largest) > 0) largest = table.largestKey
  }
  const position = keySpace(levels)
  const lines: string[] = []
  const labelWidth = 27
  const low = showBytes(smallest, 24)
  const high = showBytes(largest, 24)
  lines.push(
    `${padEnd('  key space (by data)', labelWidth)} ${low}${' '.repeat(Math.max(1, width + 2 - low.length - high.length))}${high}`,
  )
  const draw = (row: TableView[]) => {
    const cells = Array.from({ length: width }, () => ' ')
    row.forEach((table, index) => {
      const from = Math.floor(position(table.smallestKey) * (width - 1))
      const to = Math.floor(position(table.largestKey) * (width - 1))
      for (let cell = from; cell <= to; cell++) cells[cell] = index % 2 === 0 ? '█' : '▒'
    })
    return `│${cells.join('')}│`
  }
  levels.forEach((files, level) => {
    if (files.length === 0) return
    const bytes = files.reduce((total, file) => total + file.fileSize, 0)
    const label = `  L${level} ${padStart(formatCount(files.length), 4)} table${files.length === 1 ? ' ' : 's'} ${padStart(formatBytes(bytes), 9)}`
    if (level === 0) {
      for (const [index, file] of files.entries()) {
        lines.push(`${padEnd(index === 0 ? label : '', labelWidth)} ${draw([file])}`)
      }
    } else {
      lines.push(`${padEnd(label, labelWidth)} ${draw(files)}`)
    }
  })
  if (options.listTables) {
    const limit = options.tablesPerLevel ?? 4
    const name =
      options.tableName ?? ((table: TableView) => `${String(table.fileNumber).padStart(6, '0')}.sst`)
    levels.forEach((files, level) => {
      files.slice(0, limit).forEach((file) => {
        lines.push(
          `    L${level} ${name(file)} ${padStart(formatBytes(file.fileSize), 9)} ${padStart(formatCount(file.entryCount), 8)} entries  ` +
            `${showBytes(file.smallestKey, 24)} … ${showBytes(file.largestKey, 24)}`,
        )
      })
      if (files.length > limit) lines.push(`    L${level} … and ${files.length - limit} more tables`)
    })
  }
  return lines
}
