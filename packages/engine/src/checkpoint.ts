/**
 * Checkpoints: an openable copy of a database, cut at one seq, made while writes continue.
 *
 * The cut is the acknowledged seq S at the call. In that same tick the current version is pinned
 * (its tables stay on disk until the copy is made) and the memtables are read: every write up to S
 * is either in a table of that version or in a memtable (a frozen memtable leaves the read path
 * only after its table is installed). The copy gets the version's tables (hard-linked, or copied
 * where the file system cannot link, e.g. across devices), a WAL holding every entry and range
 * tombstone of the memtables above the tables' largest seq and up to S, a manifest whose
 * flushedSeq is the seq just below the WAL's first (S when the WAL is empty), its own IDENTITY
 * (a new database id: the copy is another database), and CURRENT last.
 *
 * Writes enter the memtables in seq order, and a memtable is flushed whole: a memtable whose
 * entries are at or below the tables' largest seq (range tombstones counted) is one whose table
 * is installed already (it leaves the list just after), and is not copied twice. The memtables
 * left hold one unbroken run of seqs ending at S, and every seq below that run is in the tables or
 * was dropped from them by a compaction (an overwritten version, a tombstone at the bottom, a
 * range tombstone with nothing left to hide): so the flushedSeq is taken from that run, never
 * from the tables' largest seq.
 */
import {
  ErrorCode,
  type FileSystem,
  InvalidArgumentError,
  OpType,
  StrataError,
  toIOError,
} from '@strata/base'
import type { Table } from '@strata/sstable'
import { WALEntry, WALManager } from '@strata/wal'
import { pathIn, tableFileName, WAL_FILE } from './filenames.js'
import { newDatabaseId, writeIdentity } from './identity.js'
import { Manifest } from './manifest.js'
import type { Memtables } from './memtables.js'
import type { Tree } from './tree.js'

/** What a checkpoint made. */
export interface CheckpointResult {
  /** The copy holds exactly the acknowledged writes up to this seq. */
  seq: number
  /** Tables hard-linked into the copy. */
  linkedTables: number
  /** Tables copied byte by byte (the file system refused the link). */
  copiedTables: number
  /** Bytes written into the copy: copied tables, WAL, manifest, IDENTITY, CURRENT. */
  bytesWritten: number
  /** Bytes of the tables shared through hard links. */
  bytesLinked: number
}

const COPY_CHUNK_BYTES = 1024 * 1024
/** About the bytes of entries per frame of the copy's WAL (all acknowledged: batching them is safe). */
const WAL_FRAME_BYTES = 4 * 1024 * 1024

/** The parts of a database a checkpoint reads. */
export interface CheckpointSource {
  fs: FileSystem
  directory: string
  tree: Tree
  memtables: Memtables
  visibleSeq: number
}

/** Makes the checkpoint of `source` in `target`, which must not exist or be an empty directory. */
export async function makeCheckpoint(source: CheckpointSource, target: string): Promise<CheckpointResult> {
  const { fs, directory, tree, memtables } = source
  if (typeof target !== 'string' || target.length === 0) {
    throw new InvalidArgumentError('the checkpoint directory must be a non-empty string path', {
      argument: 'targetDirectory',
    })
  }
  prepareTarget(fs, target)
  // One tick: the seq, the pinned version and the memtables' entries agree.
  const seq = source.visibleSeq
  const handle = tree.acquire()
  // The entries below are views into the memtables, written out after awaits: pinned till then.
  const unpinMemtables = memtables.pin()
  // A frozen memtable leaves the read path only after its table is installed: one still listed
  // may be in the version already, and its entries are then at or below the tables' largest seq.
  let inTables = 0
  for (const { table } of handle.version.files()) {
    inTables = Math.max(inTables, largestSeqOf(tree.table(table.fileNumber)))
  }
  const entries: WALEntry[] = []
  for (const memtable of memtables.newestFirst()) {
    for (const entry of memtable.iterator({ versions: 'all', atSeq: seq })) {
      if (entry.seq > inTables) entries.push(new WALEntry(entry.seq, 0, entry.op, entry.key, entry.value))
    }
    for (const tombstone of memtable.rangeTombstones) {
      if (tombstone.seq > inTables && tombstone.seq <= seq) {
        entries.push(new WALEntry(tombstone.seq, 0, OpType.RangeDelete, tombstone.start, tombstone.end))
      }
    }
  }
  let flushedSeq = seq
  for (const entry of entries) if (entry.seq <= flushedSeq) flushedSeq = entry.seq - 1
  const result: CheckpointResult = { seq, linkedTables: 0, copiedTables: 0, bytesWritten: 0, bytesLinked: 0 }
  try {
    const version = handle.version
    for (const { table } of version.files()) {
      const name = tableFileName(table.fileNumber)
      const linked = await linkOrCopy(fs, pathIn(directory, name), pathIn(target, name))
      if (linked) {
        result.linkedTables++
        result.bytesLinked += table.fileSize
      } else {
        result.copiedTables++
        result.bytesWritten += table.fileSize
      }
    }
    entries.sort((a, b) => a.seq - b.seq)
    // The asynchronous WAL (its fsyncs never block the event loop), in a few large frames;
    // fsynced once, at close.
    let closeFailure: unknown
    const wal = WALManager.open(pathIn(target, WAL_FILE), {
      fs,
      onWarning: (_message, error) => {
        closeFailure ??= error
      },
    })
    try {
      for (let start = 0; start < entries.length; ) {
        let end = start
        let bytes = 0
        while (end < entries.length && bytes < WAL_FRAME_BYTES) {
          bytes += entries[end]!.key.length + (entries[end]!.value?.length ?? 0) + 16
          end++
        }
        await wal.appendBatch(entries.slice(start, end), { sync: false })
        start = end
      }
      result.bytesWritten += wal.sizeBytes
    } finally {
      await wal.close()
    }
    if (closeFailure !== undefined) throw closeFailure
    const id = newDatabaseId()
    await writeIdentity(fs, target, id)
    const manifest = await Manifest.create(
      fs,
      target,
      {
        version,
        flushedSeq,
        lastSeq: seq,
        nextFileNumber: tree.nextFileNumber,
        identity: id,
        // The copy's WAL holds every seq above flushedSeq up to seq, closed (and fsynced) above.
        wal: { seq },
      },
      Number.MAX_SAFE_INTEGER,
    )
    result.bytesWritten += manifest.sizeBytes
    await manifest.close()
    await fs.syncDir(target)
    return result
  } catch (error) {
    throw toIOError(error, 'making a checkpoint', target)
  } finally {
    unpinMemtables()
    tree.release(handle)
  }
}

/** The largest seq `table` holds, of an entry or of a range tombstone (its properties count
 *  entries only). */
function largestSeqOf(table: Table): number {
  let largest = table.meta.maxSeq
  for (const fragment of table.rangeFragments) {
    const newest = fragment.seqs[fragment.seqs.length - 1]
    if (newest !== undefined && newest > largest) largest = newest
  }
  return largest
}

/** Creates `target`, or accepts it empty; anything else is refused before a file is made. */
function prepareTarget(fs: FileSystem, target: string): void {
  const stat = fs.statSync(target)
  if (stat === undefined) {
    try {
      fs.mkdirSync(target)
    } catch (error) {
      throw toIOError(error, 'creating the checkpoint directory', target)
    }
    return
  }
  if (!stat.isDirectory || fs.readdirSync(target).length > 0) {
    throw new StrataError(
      ErrorCode.Exists,
      `${target} exists and is not an empty directory: a checkpoint goes into a new or empty directory`,
    )
  }
}

/** Hard-links `from` to `to` (true), or copies it and fsyncs the copy when the file system
 *  refuses the link (false). */
async function linkOrCopy(fs: FileSystem, from: string, to: string): Promise<boolean> {
  try {
    fs.linkSync(from, to)
    return true
  } catch {}
  const input = await fs.open(from, 'r')
  const output = await fs.open(to, 'w')
  try {
    const size = fs.fstatSync(input).size
    const buffer = Buffer.alloc(Math.min(COPY_CHUNK_BYTES, Math.max(size, 1)))
    for (let position = 0; position < size; ) {
      const read = await fs.read(input, buffer, 0, Math.min(buffer.length, size - position), position)
      if (read === 0) throw new Error(`${from} ended at ${position} of ${size} bytes`)
      await fs.write(output, buffer, 0, read, position)
      position += read
    }
    await fs.fsync(output)
  } finally {
    await fs.close(input)
    await fs.close(output)
  }
  return false
}
