/**
 * Read-triggered compaction, after LevelDB's "seek compaction". A seek whose key falls inside two
 * or more tables positions an iterator in each of them; every table past the first is work a
 * settled tree would not ask for. After a bulk load a tree is rarely settled: the fill stops with
 * a few level-0 tables (below the compaction trigger, so no size rule ever moves them) and levels
 * that overlap, and every later seek pays for them (seekrandom at n = 1,000,000: 30,702 seeks/s
 * from a load's tree of 3 level-0 tables and two levels, 72,006 from the same keys compacted).
 *
 * So each table has an allowance of such seeks, sized so that the seeks it absorbs have cost
 * about what compacting it would: one seek per 512 bytes the compaction would read (the table,
 * with every level-0 table for level 0, plus what it overlaps one level down), at least 100.
 * Measured at n = 1,000,000 (apps/bench scripts/seek-settle.mjs): a source a seek positions for
 * nothing costs it about 8 µs (50,000–56,000 seeks/s against 85,000 settled), and the worker
 * compacts about 53 MB/s, so 16 KiB (LevelDB's figure, from disk seeks) would compact far too
 * eagerly here: a 1 MB level-1 table over a 111 MB level 2 would be rewritten with it after 100
 * seeks, where its wasted seeks only match that cost after about 220,000.
 *
 * An iterator seek (an iterator opened with a start bound, or `seek()`) whose key falls inside
 * two or more tables of the version charges the first of them it searches (the newest). A table
 * whose allowance is spent becomes the seek candidate; the compaction scheduler compacts it one
 * level down (level 0: every level-0 table, as for the level-0 trigger) once no level is over
 * its size budget. A tree left unsettled by writes then settles under reads alone.
 *
 * Point reads are not charged: a table without the key costs a point read a filter probe, not a
 * block read, except for the filter's false positives (about 1% at the default 10 bits per key).
 */
import type { CompactionOptions, CompactionPlan } from './compaction-picker.js'
import { keyRange, maxGrandparentOverlapBytes } from './compaction-picker.js'
import { holdsKey, NUM_LEVELS, type TableFileMeta, type Version } from './version.js'

/** A table's allowance: one seek per this many bytes its compaction would read... */
export const BYTES_PER_SEEK = 512
/** ...and at least this many seeks. */
export const MIN_ALLOWED_SEEKS = 100

/** The table whose allowance ran out first, by level and file number. */
export interface SeekCandidate {
  level: number
  fileNumber: number
}

/** The bytes compacting `file` of `level` one level down would read. */
export function compactionBytes(version: Version, level: number, file: TableFileMeta): number {
  const inputs = level === 0 ? (version.levels[0] ?? []) : [file]
  const { smallest, largest } = keyRange(inputs)
  let bytes = 0
  for (const input of inputs) bytes += input.fileSize
  for (const below of version.overlapping(level + 1, smallest, largest)) bytes += below.fileSize
  return bytes
}

/** The seeks `file` of `level` may absorb before it is compacted for them. */
export function allowedSeeks(version: Version, level: number, file: TableFileMeta): number {
  return Math.max(MIN_ALLOWED_SEEKS, Math.floor(compactionBytes(version, level, file) / BYTES_PER_SEEK))
}

function fileCount(version: Version): number {
  let count = 0
  for (const files of version.levels) count += files.length
  return count
}

/** The seeks charged per table, and the candidate they made. */
export class SeekCharges {
  private readonly remaining = new Map<number, number>()
  private candidateValue: SeekCandidate | undefined

  /** `onCandidate` runs when a table's allowance runs out and no candidate is waiting. */
  constructor(private readonly onCandidate: () => void) {}

  /** The table waiting to be compacted for its seeks, if it is still in `version` (one that left
   *  the tree has had its turn and is forgotten). */
  candidateIn(version: Version): SeekCandidate | undefined {
    const candidate = this.candidateValue
    if (candidate === undefined) return undefined
    if ((version.levels[candidate.level] ?? []).some((file) => file.fileNumber === candidate.fileNumber)) {
      return candidate
    }
    this.clearCandidate()
    return undefined
  }

  /** Forgets the candidate (its compaction started). */
  clearCandidate(): void {
    if (this.candidateValue !== undefined) this.remaining.delete(this.candidateValue.fileNumber)
    this.candidateValue = undefined
  }

  /** Tables with a charge on record (tests). */
  get tracked(): number {
    return this.remaining.size
  }

  /**
   * A seek to `key` over `version`: charges the first table it searches when the key falls in
   * two or more tables (level 0's newest first, then one table per deeper level).
   */
  chargeSeek(version: Version, key: Uint8Array): void {
    // The first table the seek searches, and whether it searches a second one.
    let first: TableFileMeta | undefined
    let firstLevel = 0
    let within = 0
    for (const file of version.levels[0] ?? []) {
      if (!holdsKey(file, key)) continue
      first ??= file
      if (++within === 2) break
    }
    for (let level = 1; within < 2 && level < version.levels.length; level++) {
      const file = version.fileFor(level, key)
      if (file === undefined || file.entryCount === 0) continue
      if (first === undefined) {
        first = file
        firstLevel = level
      }
      within++
    }
    if (within < 2 || first === undefined) return
    const left = (this.remaining.get(first.fileNumber) ?? allowedSeeks(version, firstLevel, first)) - 1
    this.remaining.set(first.fileNumber, left)
    if (left <= 0 && this.candidateValue === undefined) {
      this.candidateValue = { level: firstLevel, fileNumber: first.fileNumber }
      this.onCandidate()
    }
    // Tables compacted away leave their counts behind: drop those now and then.
    if (this.remaining.size > 64 && this.remaining.size > 2 * fileCount(version)) this.prune(version)
  }

  private prune(version: Version): void {
    const live = new Set<number>()
    for (const files of version.levels) for (const file of files) live.add(file.fileNumber)
    for (const fileNumber of this.remaining.keys())
      if (!live.has(fileNumber)) this.remaining.delete(fileNumber)
  }
}

/**
 * The compaction of the seek candidate one level down, or `undefined` when it is gone from
 * `version`, at the bottom level, or busy (or a table it must merge with is).
 */
export function pickSeekCompaction(
  version: Version,
  options: CompactionOptions,
  candidate: SeekCandidate | undefined,
  busy: ReadonlySet<number>,
): CompactionPlan | undefined {
  if (candidate === undefined || candidate.level >= NUM_LEVELS - 1) return undefined
  const { level, fileNumber } = candidate
  const file = (version.levels[level] ?? []).find((table) => table.fileNumber === fileNumber)
  if (file === undefined) return undefined
  // Level 0: every level-0 table (they may overlap, and a newer one shadows an older).
  const inputs = level === 0 ? [...(version.levels[0] ?? [])] : [file]
  if (inputs.some((input) => busy.has(input.fileNumber))) return undefined
  const { smallest, largest } = keyRange(inputs)
  const outputInputs = version.overlapping(level + 1, smallest, largest)
  if (outputInputs.some((other) => busy.has(other.fileNumber))) return undefined
  const grandparents = version.overlapping(level + 2, smallest, largest)
  const trivialMove =
    level > 0 &&
    outputInputs.length === 0 &&
    grandparents.reduce((sum, table) => sum + table.fileSize, 0) <= maxGrandparentOverlapBytes(options)
  return { reason: 'seek', level, outputLevel: level + 1, inputs, outputInputs, trivialMove, score: 0 }
}
