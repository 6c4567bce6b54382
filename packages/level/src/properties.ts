/**
 * classic-level's `getProperty(name)` names that map onto strata's statistics: `leveldb.stats`
 * (a text table of files and bytes per level, then the engine's totals), `leveldb.num-files-at-
 * level<N>`, `leveldb.sstables` (the table count per level), `leveldb.approximate-memory-usage`
 * (memtables and block cache). Any other name is `LEVEL_INVALID_VALUE`, listing the names known.
 */
import type { DatabaseStats } from '@strata/engine'
import { LevelError } from './errors.js'

const NUM_FILES_AT_LEVEL = /^leveldb\.num-files-at-level(\d+)$/

/** The names `propertyOf` answers (`<N>`: a level number). */
export const PROPERTY_NAMES = [
  'leveldb.stats',
  'leveldb.num-files-at-level<N>',
  'leveldb.sstables',
  'leveldb.approximate-memory-usage',
] as const

/** The value of property `name` from `stats`. */
export function propertyOf(name: unknown, stats: DatabaseStats): string {
  if (typeof name !== 'string') {
    throw new LevelError(
      'LEVEL_INVALID_VALUE',
      `getProperty() needs a property name (a string), not ${typeof name}`,
    )
  }
  const atLevel = NUM_FILES_AT_LEVEL.exec(name)
  if (atLevel !== null) {
    const level = Number(atLevel[1])
    return String(stats.levels[level]?.files ?? 0)
  }
  switch (name) {
    case 'leveldb.stats':
      return statsText(stats)
    case 'leveldb.sstables':
      return stats.levels.map((level) => `--- level ${level.level} ---\n${level.files} files\n`).join('')
    case 'leveldb.approximate-memory-usage':
      return String(stats.memtableBytes + stats.frozenMemtableBytes + stats.cache.usedBytes)
    default:
      throw new LevelError(
        'LEVEL_INVALID_VALUE',
        `unknown property ${JSON.stringify(name)}; strata knows ${PROPERTY_NAMES.join(', ')}`,
      )
  }
}

function statsText(stats: DatabaseStats): string {
  const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(2)
  const lines = [
    '                               Compactions',
    'Level  Files Size(MB)',
    '--------------------',
  ]
  for (const level of stats.levels) {
    if (level.files === 0) continue
    lines.push(
      `${String(level.level).padStart(3)} ${String(level.files).padStart(8)} ${mb(level.bytes).padStart(8)}`,
    )
  }
  lines.push(
    `memtable ${mb(stats.memtableBytes)} MB, frozen ${stats.frozenMemtables} (${mb(stats.frozenMemtableBytes)} MB)`,
    `last seq ${stats.lastSeq}, flushed seq ${stats.flushedSeq}, WAL ${mb(stats.walBytes)} MB`,
    `write amplification ${stats.writeAmplification.toFixed(2)}, space amplification ${stats.spaceAmplification.toFixed(2)}`,
    `stalls ${stats.stalls.count} (${stats.stalls.totalMs.toFixed(0)} ms)`,
  )
  return `${lines.join('\n')}\n`
}
