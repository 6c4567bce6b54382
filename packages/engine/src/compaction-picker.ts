/**
 * Choosing a compaction: pure code over a `Version` and the options, no disk. `pickCompaction`
 * returns a plan (inputs, output level, reason) or nothing; the engine runs the plan.
 *
 * Leveled, LevelDB-style: level 0 compacts into level 1 when it holds `level0CompactionTrigger`
 * tables; level n (n >= 1) compacts into n+1 when it outgrows `level1Bytes *
 * levelSizeMultiplier^(n-1)`. The most urgent level (highest score) goes first. Within a level,
 * files are taken round-robin from a per-level pointer so every key range gets its turn. When
 * every level is within budget, a table that seeks keep passing on the way to another table goes
 * one level down (seek-compaction.ts), and then a table dense with tombstones
 * (tombstone-density.ts).
 */
import { compareBytes } from '@strata/base'
import { pickSeekCompaction, type SeekCandidate } from './seek-compaction.js'
import { pickDenseTable } from './tombstone-density.js'
import { NUM_LEVELS, type TableFileMeta, type Version } from './version.js'

export interface CompactionOptions {
  level0CompactionTrigger: number
  level1Bytes: number
  levelSizeMultiplier: number
  targetFileBytes: number
}

export type CompactionReason = 'level0-files' | 'level-size' | 'seek' | 'tombstone-density' | 'manual'

export interface CompactionPlan {
  reason: CompactionReason
  /** The level the inputs come from (the upper one). */
  level: number
  outputLevel: number
  /** Tables of `level` being compacted. */
  inputs: TableFileMeta[]
  /** Tables of `outputLevel` that overlap them and are merged too. */
  outputInputs: TableFileMeta[]
  /** True when the inputs move down by a manifest edit alone (nothing to merge). */
  trivialMove: boolean
  /** Score that chose this level (>= 1 means over its budget). */
  score: number
}

/** Bytes a level may hold before it is compacted further down (level >= 1). */
export function maxBytesForLevel(level: number, options: CompactionOptions): number {
  return options.level1Bytes * options.levelSizeMultiplier ** Math.max(0, level - 1)
}

/**
 * The size each level may reach before it is compacted further down. Static targets
 * (`maxBytesForLevel`) cap them; below the deepest level holding data, a level's target is also
 * at most that deepest level's size divided by the multiplier once per level between them (never
 * below one output file). So the tree's shape follows the data it holds: when the bottom level
 * holds 230 MB, level 1 keeps about a tenth of level 2, and overwritten versions do not linger
 * in a level 1 sized for a far bigger database — space amplification stays near
 * 1 + 1/multiplier, at the price of compacting a little earlier.
 */
export function levelTargets(version: Version, options: CompactionOptions): number[] {
  let bottom = 0
  for (let level = 1; level < NUM_LEVELS; level++) if (version.levelBytes(level) > 0) bottom = level
  const bottomBytes = bottom === 0 ? 0 : version.levelBytes(bottom)
  const targets: number[] = [0]
  for (let level = 1; level < NUM_LEVELS; level++) {
    let target = maxBytesForLevel(level, options)
    if (level < bottom) {
      const dynamic = bottomBytes / options.levelSizeMultiplier ** (bottom - level)
      target = Math.min(target, Math.max(dynamic, options.targetFileBytes))
    }
    targets.push(target)
  }
  return targets
}

/** Urgency of each level: >= 1 means it should be compacted. */
export function levelScores(version: Version, options: CompactionOptions): number[] {
  const targets = levelTargets(version, options)
  const scores: number[] = []
  for (let level = 0; level < NUM_LEVELS - 1; level++) {
    if (level === 0) scores.push((version.levels[0]?.length ?? 0) / options.level0CompactionTrigger)
    else scores.push(version.levelBytes(level) / targets[level]!)
  }
  return scores
}

/** Smallest and largest key over `files`. */
export function keyRange(files: readonly TableFileMeta[]): { smallest: Uint8Array; largest: Uint8Array } {
  let smallest = files[0]!.smallestKey
  let largest = files[0]!.largestKey
  for (const file of files) {
    if (compareBytes(file.smallestKey, smallest) < 0) smallest = file.smallestKey
    if (compareBytes(file.largestKey, largest) > 0) largest = file.largestKey
  }
  return { smallest, largest }
}

function totalBytes(files: readonly TableFileMeta[]): number {
  return files.reduce((total, file) => total + file.fileSize, 0)
}

/** Largest grandparent overlap a trivial move may create (beyond it, merge instead). */
export function maxGrandparentOverlapBytes(options: CompactionOptions): number {
  return 10 * options.targetFileBytes
}

/**
 * The compaction to run next, or `undefined` when every level is within budget.
 * `pointers[level]` is the largest key of the last compaction at that level (round-robin).
 * `busy` lists file numbers already being compacted; plans never touch them. `oldestSnapshot`:
 * the seq of the oldest live snapshot, if any (tombstone-density.ts). `seekCandidate`: the table
 * whose seeks ran out (seek-compaction.ts), compacted when every level is within budget.
 */
export function pickCompaction(
  version: Version,
  options: CompactionOptions,
  pointers: readonly (Uint8Array | undefined)[] = [],
  busy: ReadonlySet<number> = new Set(),
  oldestSnapshot?: number,
  seekCandidate?: SeekCandidate,
): CompactionPlan | undefined {
  const scores = levelScores(version, options)
  const order = scores
    .map((score, level) => ({ score, level }))
    .filter(({ score }) => score >= 1)
    .sort((a, b) => b.score - a.score)
  for (const { score, level } of order) {
    const plan =
      level === 0
        ? pickLevel0(version, score, options, busy)
        : pickLevelFile(version, level, score, options, pointers, busy)
    if (plan !== undefined) return plan
  }
  return (
    pickSeekCompaction(version, options, seekCandidate, busy) ??
    pickDenseTable(version, options, busy, oldestSnapshot)
  )
}

function anyBusy(files: readonly TableFileMeta[], busy: ReadonlySet<number>): boolean {
  return files.some((file) => busy.has(file.fileNumber))
}

/** Level 0 into level 1: every level-0 table (they may overlap, and newer ones shadow older). */
function pickLevel0(
  version: Version,
  score: number,
  options: CompactionOptions,
  busy: ReadonlySet<number>,
): CompactionPlan | undefined {
  const inputs = [...(version.levels[0] ?? [])]
  if (inputs.length === 0 || anyBusy(inputs, busy)) return undefined
  const { smallest, largest } = keyRange(inputs)
  const outputInputs = version.overlapping(1, smallest, largest)
  if (anyBusy(outputInputs, busy)) return undefined
  // Sequential loads make level-0 tables that overlap neither each other nor level 1: they move
  // down by a manifest edit, with nothing to rewrite.
  const trivialMove =
    outputInputs.length === 0 &&
    !overlapEachOther(inputs) &&
    totalBytes(version.overlapping(2, smallest, largest)) <= maxGrandparentOverlapBytes(options)
  return { reason: 'level0-files', level: 0, outputLevel: 1, inputs, outputInputs, trivialMove, score }
}

function overlapEachOther(files: readonly TableFileMeta[]): boolean {
  const sorted = [...files].sort((a, b) => compareBytes(a.smallestKey, b.smallestKey))
  for (let index = 1; index < sorted.length; index++) {
    if (compareBytes(sorted[index]!.smallestKey, sorted[index - 1]!.largestKey) <= 0) return true
  }
  return false
}

function pickLevelFile(
  version: Version,
  level: number,
  score: number,
  options: CompactionOptions,
  pointers: readonly (Uint8Array | undefined)[],
  busy: ReadonlySet<number>,
): CompactionPlan | undefined {
  const files = version.levels[level] ?? []
  if (files.length === 0) return undefined
  const pointer = pointers[level]
  let start =
    pointer === undefined ? 0 : files.findIndex((file) => compareBytes(file.largestKey, pointer) > 0)
  if (start < 0) start = 0
  for (let step = 0; step < files.length; step++) {
    const file = files[(start + step) % files.length]!
    if (busy.has(file.fileNumber)) continue
    const outputInputs = version.overlapping(level + 1, file.smallestKey, file.largestKey)
    if (anyBusy(outputInputs, busy)) continue
    const grandparents = version.overlapping(level + 2, file.smallestKey, file.largestKey)
    const trivialMove =
      outputInputs.length === 0 && totalBytes(grandparents) <= maxGrandparentOverlapBytes(options)
    return {
      reason: 'level-size',
      level,
      outputLevel: level + 1,
      inputs: [file],
      outputInputs,
      trivialMove,
      score,
    }
  }
  return undefined
}

/**
 * A manual compaction of `level` into `level + 1` over [start, end] (either open), for
 * `compactRange`; `undefined` when the level holds nothing in the range.
 */
export function planRangeCompaction(
  version: Version,
  level: number,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
): CompactionPlan | undefined {
  let inputs = version.overlapping(level, start, end)
  if (inputs.length === 0) return undefined
  // Level-0 tables overlap each other: leaving an older one behind while a newer one moves down
  // would let the older shadow it. Take them all.
  if (level === 0) inputs = [...(version.levels[0] ?? [])]
  const { smallest, largest } = keyRange(inputs)
  const outputInputs = version.overlapping(level + 1, smallest, largest)
  return {
    reason: 'manual',
    level,
    outputLevel: level + 1,
    inputs,
    outputInputs,
    trivialMove: false,
    score: 0,
  }
}
