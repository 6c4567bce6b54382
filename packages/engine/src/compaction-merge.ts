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
 *   beneath it) and no table below the output level may hold the key.
 */
import { compareBytes, compareInternal, type FileSystem, type InternalEntry, OpType } from '@strata/base'
import { Table, TableBuilder, type TableIterator, type TableMeta } from '@strata/sstable'
import { pathIn, tableFileName } from './filenames.js'

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
  /** Seqs of live snapshots, ascending. */
  snapshots: number[]
  /** Per level below the output level, its tables' key spans sorted by smallest key. */
  deeperLevels: KeySpan[][]
  /** Tables of the level below the output level (sorted), to cut outputs that would overlap too
   *  much of it. */
  grandparents: KeySpan[]
  maxGrandparentOverlapBytes: number
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

/** A k-way merge of table iterators in internal order (key asc, seq desc). */
class InternalMerge {
  private readonly heap: { entry: InternalEntry; iterator: TableIterator }[] = []

  constructor(iterators: TableIterator[]) {
    for (const iterator of iterators) {
      const entry = iterator.nextSync()
      if (entry !== undefined) this.heap.push({ entry, iterator })
    }
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index)
  }

  next(): InternalEntry | undefined {
    const top = this.heap[0]
    if (top === undefined) return undefined
    const entry = top.entry
    const following = top.iterator.nextSync()
    if (following === undefined) {
      const last = this.heap.pop()!
      if (this.heap.length > 0) {
        this.heap[0] = last
        this.siftDown(0)
      }
    } else {
      top.entry = following
      this.siftDown(0)
    }
    return entry
  }

  private siftDown(start: number): void {
    const heap = this.heap
    let index = start
    for (;;) {
      const left = 2 * index + 1
      let smallest = index
      if (left < heap.length && compareInternal(heap[left]!.entry, heap[smallest]!.entry) < 0) smallest = left
      if (left + 1 < heap.length && compareInternal(heap[left + 1]!.entry, heap[smallest]!.entry) < 0) {
        smallest = left + 1
      }
      if (smallest === index) return
      ;[heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!]
      index = smallest
    }
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
  sliceEntries = 8192,
): Generator<number, MergeResult> {
  const tables = job.inputs.map((path) => Table.openSync(path, { fs }))
  const result: MergeResult = {
    outputs: [],
    bytesRead: tables.reduce((total, table) => total + table.meta.fileSize, 0),
    bytesWritten: 0,
    entriesRead: 0,
    entriesWritten: 0,
    droppedVersions: 0,
    droppedTombstones: 0,
  }
  const iterators = tables.map((table) => table.iterator({ versions: 'all' }))
  const merge = new InternalMerge(iterators)
  const deeper = new DeeperLevels(job.deeperLevels)
  const oldestSnapshot = job.snapshots[0]

  let builder: TableBuilder | undefined
  let builderFileNumber = 0
  let nextNumber = 0
  let lastWrittenKey: Uint8Array | undefined
  let grandparentIndex = 0
  let overlappedBytes = 0
  let currentKey: Uint8Array | undefined
  let newerSeq = Number.POSITIVE_INFINITY

  const finishOutput = () => {
    if (builder === undefined) return
    const meta = builder.finishSync()
    result.outputs.push({ fileNumber: builderFileNumber, meta })
    result.bytesWritten += meta.fileSize
    builder = undefined
  }

  try {
    for (;;) {
      const entry = merge.next()
      if (entry === undefined) break
      result.entriesRead++
      if (result.entriesRead % sliceEntries === 0) yield result.entriesRead

      const sameKey = currentKey !== undefined && compareBytes(currentKey, entry.key) === 0
      if (!sameKey) {
        currentKey = entry.key
        newerSeq = Number.POSITIVE_INFINITY
      }
      // Visible to someone? The newest version always is; an older one only to a snapshot
      // taken between it and the next newer version.
      let keep = true
      if (newerSeq !== Number.POSITIVE_INFINITY) {
        const snapshot = firstSnapshotAtOrAfter(job.snapshots, entry.seq)
        keep = snapshot !== undefined && snapshot < newerSeq
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
      const atKeyBoundary = lastWrittenKey === undefined || compareBytes(lastWrittenKey, entry.key) !== 0
      if (builder !== undefined && atKeyBoundary) {
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
      if (builder === undefined) {
        builderFileNumber = job.fileNumbers[nextNumber++]!
        builder = new TableBuilder(pathIn(job.directory, tableFileName(builderFileNumber)), {
          fs,
          blockBytes: job.blockBytes,
          bloomBitsPerKey: job.bloomBitsPerKey,
        })
      }
      builder.add(entry)
      lastWrittenKey = entry.key
      result.entriesWritten++
    }
    finishOutput()
  } catch (error) {
    // Leave nothing behind: the half-written output and the finished ones are not in any
    // manifest; remove them now rather than at the next open.
    // The half-written output: abandon() closes its descriptor and removes the file.
    if (builder !== undefined) builder.abandon().catch(() => {})
    for (const output of result.outputs) {
      try {
        fs.unlinkSync(pathIn(job.directory, tableFileName(output.fileNumber)))
      } catch {}
    }
    throw error
  } finally {
    for (const iterator of iterators) iterator.close()
    // Nothing to do about a failing close of a table only read here (its descriptor may be gone
    // already): never let it become an unhandled rejection.
    for (const table of tables) table.close().catch(() => {})
  }
  return result
}

/** Runs the whole merge synchronously (inside a worker thread). */
export function runMergeSync(job: MergeJob, fs: FileSystem): MergeResult {
  const steps = mergeSteps(job, fs)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}

/** Runs the merge on the calling thread, giving the event loop a turn between slices. */
export async function runMergeSliced(job: MergeJob, fs: FileSystem): Promise<MergeResult> {
  const steps = mergeSteps(job, fs, 2048)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    await new Promise((resolve) => setImmediate(resolve))
  }
}
