/**
 * The merge at the heart of a compaction: read every version of every key from the input
 * tables in internal order, keep exactly what a reader can still see, write it to new tables cut
 * at the target size. Synchronous I/O: it runs in a worker thread (or, for file systems a worker
 * cannot reach, on the main thread in slices — see `runMergeSliced`).
 *
 * What is kept, per key (versions arrive newest first):
 * - the newest version (what a read at the latest seq sees);
 * - an older version only if some live snapshot sees it: a snapshot s with
 *   version.seq <= s < (seq of the next newer version);
 * - a tombstone is dropped when no snapshot older than it exists (so nobody can see anything
 *   beneath it) and no table below the output level may hold the key;
 * - a version a range tombstone deletes (the tombstone newer, its range holding the key) counts
 *   as overwritten at the tombstone's seq: it is kept only for a snapshot between the two.
 * The inputs' range tombstones go to the first output (to an output of their own when no entry
 * is written), except those compaction-range-deletes.ts finds nobody needs any more.
 */
import { compareBytes, compareInternal, type FileSystem, OpType, type RangeFragment } from '@strata/base'
import {
  type CompressionName,
  SCAN_CHUNK_BYTES,
  TableBuilder,
  type TableMeta,
  TableScan,
} from '@strata/sstable'
import { COMPACTION_SLICE_ENTRIES } from './budgets.js'
import { keptRangeFragments } from './compaction-range-deletes.js'
import { pathIn, tableFileName } from './filenames.js'
import { Heap } from './heap.js'
import { RangeFragments } from './range-fragments.js'

export interface KeySpan {
  smallest: Uint8Array
  largest: Uint8Array
  size: number
}

export interface MergeJob {
  /** Paths of the input tables. */
  inputs: string[]
  directory: string
  /** File numbers the outputs may use, in order. */
  fileNumbers: number[]
  targetFileBytes: number
  blockBytes: number
  bloomBitsPerKey: number
  /** Codec of the outputs' data blocks. */
  compression: CompressionName
  /** Seqs of live snapshots, ascending. */
  snapshots: number[]
  /** Per level below the output level, its tables' key spans sorted by smallest key. */
  deeperLevels: KeySpan[][]
  /** Tables of the level below the output level (sorted), to cut outputs that would overlap too
   *  much of it. */
  grandparents: KeySpan[]
  maxGrandparentOverlapBytes: number
  /** Every range tombstone of the version's tables, fragmented (none when absent). */
  rangeFragments?: RangeFragment[]
  /** The inputs' range tombstones, fragmented: carried to the outputs. */
  inputRangeFragments?: RangeFragment[]
  /** Key spans of every table outside the compaction. */
  otherSpans?: KeySpan[]
}

export interface MergeResult {
  outputs: { fileNumber: number; meta: TableMeta }[]
  bytesRead: number
  bytesWritten: number
  entriesRead: number
  entriesWritten: number
  droppedVersions: number
  droppedTombstones: number
}

/**
 * Read buffers for the scans of a merge (one per input table), kept from one merge to the next
 * (at most MAX_IDLE_CHUNKS of them): a compaction of up to that many inputs then allocates no
 * read memory of its own.
 */
const MAX_IDLE_CHUNKS = 16
export class MergeBuffers {
  private readonly free: Buffer[] = []

  constructor(readonly chunkBytes: number = SCAN_CHUNK_BYTES) {}

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes)
  }

  release(chunk: Buffer): void {
    if (this.free.length < MAX_IDLE_CHUNKS) this.free.push(chunk)
  }
}

/**
 * A k-way merge of table scans in internal order (key asc, seq desc). `next()` returns the scan
 * holding the next entry; that scan moves on only at the following `next()`, so the entry's
 * views stay valid until then.
 */
class InternalMerge {
  private readonly heap = new Heap<TableScan>((a, b) => compareInternal(a, b) < 0)
  /** The scan whose entry `next()` handed out last (the root of the heap). */
  private handedOut: TableScan | undefined

  constructor(scans: TableScan[]) {
    this.heap.reset(scans.filter((scan) => scan.next()))
  }

  next(): TableScan | undefined {
    if (this.handedOut !== undefined) {
      this.handedOut = undefined
      if (this.heap.top()!.next()) this.heap.topChanged()
      else this.heap.popTop()
    }
    const top = this.heap.top()
    this.handedOut = top
    return top
  }
}

/** Answers "may a table below the output level hold this key?" for ascending keys. */
class DeeperLevels {
  private readonly positions: number[]

  constructor(private readonly levels: KeySpan[][]) {
    this.positions = levels.map(() => 0)
  }

  mayHold(key: Uint8Array): boolean {
    for (let level = 0; level < this.levels.length; level++) {
      const spans = this.levels[level]!
      let position = this.positions[level]!
      while (position < spans.length && compareBytes(spans[position]!.largest, key) < 0) position++
      this.positions[level] = position
      const span = spans[position]
      if (span !== undefined && compareBytes(span.smallest, key) <= 0) return true
    }
    return false
  }
}

/** Whether `bytes` begins with `prefix`. */
function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  for (let index = prefix.length - 1; index >= 0; index--) if (bytes[index] !== prefix[index]) return false
  return true
}

/** The first snapshot >= seq, or undefined. */
function firstSnapshotAtOrAfter(snapshots: number[], seq: number): number | undefined {
  let low = 0
  let high = snapshots.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (snapshots[middle]! < seq) low = middle + 1
    else high = middle
  }
  return snapshots[low]
}

/**
 * The merge as a generator: it yields (a count of entries read) every `sliceEntries` entries so
 * a caller on the main thread can give the event loop a turn; it returns the result.
 */
export function* mergeSteps(
  job: MergeJob,
  fs: FileSystem,
  buffers: MergeBuffers = new MergeBuffers(),
  sliceEntries = COMPACTION_SLICE_ENTRIES,
  durability?: Promise<void>[],
): Generator<number, MergeResult> {
  // One scan per input, each reading through a buffer of `buffers` (given back at the end).
  const scans: TableScan[] = []
  const chunks: Buffer[] = []
  const closeInputs = () => {
    for (const scan of scans) scan.close()
    for (const chunk of chunks) buffers.release(chunk)
    scans.length = 0
    chunks.length = 0
  }
  try {
    for (const path of job.inputs) {
      const chunk = buffers.acquire()
      chunks.push(chunk)
      scans.push(TableScan.openSync(path, fs, chunk))
    }
  } catch (error) {
    closeInputs()
    throw error
  }
  const result: MergeResult = {
    outputs: [],
    bytesRead: scans.reduce((total, scan) => total + scan.fileSize, 0),
    bytesWritten: 0,
    entriesRead: 0,
    entriesWritten: 0,
    droppedVersions: 0,
    droppedTombstones: 0,
  }
  const deeper = new DeeperLevels(job.deeperLevels)
  const oldestSnapshot = job.snapshots[0]
  const covers = new RangeFragments(job.rangeFragments ?? [])
  const rangeFragments = keptRangeFragments(
    job.inputRangeFragments ?? [],
    job.otherSpans ?? [],
    oldestSnapshot,
  )
  result.droppedTombstones += rangeFragments.dropped
  let rangeFragmentsWritten = rangeFragments.kept.length === 0

  let builder: TableBuilder | undefined
  let builderFileNumber = 0
  let nextNumber = 0
  let grandparentIndex = 0
  let overlappedBytes = 0
  // The key being merged (a copy: the scans' views change as they move on), and whether some
  // version of it was written (then the output cannot be cut before its next version).
  let currentKey = new Uint8Array(64)
  let currentKeyLength = -1
  let wroteCurrentKey = false
  let newerSeq = Number.POSITIVE_INFINITY

  const startOutput = () => {
    builderFileNumber = job.fileNumbers[nextNumber++]!
    builder = new TableBuilder(pathIn(job.directory, tableFileName(builderFileNumber)), {
      fs,
      blockBytes: job.blockBytes,
      bloomBitsPerKey: job.bloomBitsPerKey,
      compression: job.compression,
    })
    if (!rangeFragmentsWritten) {
      builder.setRangeTombstones(rangeFragments.kept)
      rangeFragmentsWritten = true
    }
  }

  const finishOutput = () => {
    if (builder === undefined) return
    let meta: TableMeta
    if (durability === undefined) meta = builder.finishSync()
    else {
      const finished = builder.finishDeferringSync()
      meta = finished.meta
      durability.push(finished.durable)
    }
    result.outputs.push({ fileNumber: builderFileNumber, meta })
    result.bytesWritten += meta.fileSize
    builder = undefined
  }

  try {
    const merge = new InternalMerge(scans)
    for (;;) {
      const entry = merge.next()
      if (entry === undefined) break
      result.entriesRead++
      if (result.entriesRead % sliceEntries === 0) yield result.entriesRead

      const key = entry.key
      const sameKey = currentKeyLength === key.length && startsWith(currentKey, key)
      if (!sameKey) {
        if (key.length > currentKey.length)
          currentKey = new Uint8Array(Math.max(key.length, 2 * currentKey.length))
        currentKey.set(key)
        currentKeyLength = key.length
        wroteCurrentKey = false
        newerSeq = Number.POSITIVE_INFINITY
      }
      // Visible to someone? The newest version always is; an older one only to a snapshot
      // taken between it and the next newer version.
      // A range tombstone newer than the version hides it as a newer version would.
      const hiddenAt = covers.isEmpty ? newerSeq : Math.min(newerSeq, covers.firstAbove(key, entry.seq))
      let keep = true
      if (hiddenAt !== Number.POSITIVE_INFINITY) {
        const snapshot = firstSnapshotAtOrAfter(job.snapshots, entry.seq)
        keep = snapshot !== undefined && snapshot < hiddenAt
      }
      newerSeq = entry.seq
      if (!keep) {
        result.droppedVersions++
        continue
      }
      if (
        entry.op === OpType.Delete &&
        (oldestSnapshot === undefined || oldestSnapshot >= entry.seq) &&
        !deeper.mayHold(entry.key)
      ) {
        result.droppedTombstones++
        continue
      }

      // Cut the output at a key boundary when it is big enough or overlaps too much below.
      if (builder !== undefined && !wroteCurrentKey) {
        while (
          grandparentIndex < job.grandparents.length &&
          compareBytes(job.grandparents[grandparentIndex]!.largest, entry.key) < 0
        ) {
          overlappedBytes += job.grandparents[grandparentIndex]!.size
          grandparentIndex++
        }
        const tooBig = builder.estimatedFileBytes >= job.targetFileBytes
        const tooMuchOverlap = overlappedBytes > job.maxGrandparentOverlapBytes
        if ((tooBig || tooMuchOverlap) && nextNumber < job.fileNumbers.length) {
          finishOutput()
          overlappedBytes = 0
        }
      }
      if (builder === undefined) startOutput()
      builder!.add(entry)
      wroteCurrentKey = true
      result.entriesWritten++
    }
    // Range tombstones still needed, and no entry written: an output of their own.
    if (!rangeFragmentsWritten) startOutput()
    finishOutput()
  } catch (error) {
    // Leave nothing behind: the half-written output and the finished ones are not in any
    // manifest; remove them now rather than at the next open.
    // The half-written output: abandon() closes its descriptor and removes the file.
    if (builder !== undefined) builder.abandon().catch(() => {})
    removeOutputs(job, result, fs)
    throw error
  } finally {
    closeInputs()
  }
  return result
}

/** Removes a failed merge's finished outputs (none is in a manifest), ignoring files already
 *  gone. */
export function removeOutputs(job: MergeJob, result: MergeResult | undefined, fs: FileSystem): void {
  for (const output of result?.outputs ?? []) {
    try {
      fs.unlinkSync(pathIn(job.directory, tableFileName(output.fileNumber)))
    } catch {}
  }
}

/**
 * Runs the whole merge synchronously (inside a worker thread). With `durability`, each output's
 * fsync runs on the thread pool while the merge goes on, and its promise is pushed there: the
 * outputs are durable only once all of them resolve (see `TableBuilder.finishDeferringSync`).
 */
export function runMergeSync(
  job: MergeJob,
  fs: FileSystem,
  buffers?: MergeBuffers,
  durability?: Promise<void>[],
): MergeResult {
  const steps = mergeSteps(job, fs, buffers, undefined, durability)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}

/** Runs the merge on the calling thread, giving the event loop a turn between slices. */
export async function runMergeSliced(
  job: MergeJob,
  fs: FileSystem,
  buffers?: MergeBuffers,
): Promise<MergeResult> {
  const steps = mergeSteps(job, fs, buffers, 2048)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    await new Promise((resolve) => setImmediate(resolve))
  }
}
