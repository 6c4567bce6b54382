/**
 * From a compaction plan to the job a merge runner runs: pure code (no I/O). The job names the
 * input files, the file numbers its outputs may take, the live snapshots, and the deeper levels'
 * key spans (to drop tombstones nothing below can hold, and to cut outputs that would overlap
 * too much of the level below the output level).
 */
import type { KeySpan, MergeJob } from './compaction-merge.js'
import { type CompactionPlan, keyRange, maxGrandparentOverlapBytes } from './compaction-picker.js'
import { pathIn, tableFileName } from './filenames.js'
import type { ResolvedOptions } from './options.js'
import { NUM_LEVELS, type TableFileMeta, type Version } from './version.js'

/** Every table a plan reads: its inputs, then the output level's tables it merges with. */
export function planInputs(plan: CompactionPlan): TableFileMeta[] {
  return [...plan.inputs, ...plan.outputInputs]
}

/** How many output file numbers to reserve for merging `inputs` (a generous upper bound). */
export function outputFileBudget(inputs: readonly TableFileMeta[], options: ResolvedOptions): number {
  const inputBytes = inputs.reduce((total, file) => total + file.fileSize, 0)
  return inputs.length + Math.ceil(inputBytes / options.targetFileBytes) * 2 + 8
}

function span(file: TableFileMeta): KeySpan {
  return { smallest: file.smallestKey, largest: file.largestKey, size: file.fileSize }
}

/** The merge job for `plan` over `version`. */
export function buildMergeJob(
  plan: CompactionPlan,
  version: Version,
  directory: string,
  options: ResolvedOptions,
  fileNumbers: number[],
  snapshots: number[],
): MergeJob {
  const inputs = planInputs(plan)
  const { smallest, largest } = keyRange(inputs)
  const deeperLevels: KeySpan[][] = []
  for (let level = plan.outputLevel + 1; level < NUM_LEVELS; level++) {
    deeperLevels.push(version.overlapping(level, smallest, largest).map(span))
  }
  return {
    inputs: inputs.map((file) => pathIn(directory, tableFileName(file.fileNumber))),
    directory,
    fileNumbers,
    targetFileBytes: options.targetFileBytes,
    blockBytes: options.blockBytes,
    bloomBitsPerKey: options.bloomBitsPerKey,
    // Bottommost: no deeper level holds data in the outputs' key range.
    compression: deeperLevels.every((spans) => spans.length === 0)
      ? options.bottommostCompression
      : options.compression,
    snapshots,
    deeperLevels,
    grandparents: version.overlapping(plan.outputLevel + 1, smallest, largest).map(span),
    maxGrandparentOverlapBytes: maxGrandparentOverlapBytes(options),
  }
}

/** The tables of `level` in [start, end] that were there before the passes above it (`before`
 *  lists the files present then), in runs of neighbours, so an output never spans a table
 *  rewritten above (levels stay disjoint). */
export function untouchedRuns(
  version: Version,
  level: number,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
  before: ReadonlySet<number>,
): TableFileMeta[][] {
  let run: TableFileMeta[] = []
  const runs: TableFileMeta[][] = []
  for (const file of version.overlapping(level, start, end)) {
    if (before.has(file.fileNumber)) run.push(file)
    else if (run.length > 0) {
      runs.push(run)
      run = []
    }
  }
  if (run.length > 0) runs.push(run)
  return runs
}
