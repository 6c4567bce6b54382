/**
 * The manifest: a log of version edits, framed with the WAL's frame codec, one frame per edit.
 * `CURRENT` names the live manifest and is replaced atomically (temp file, rename, directory
 * fsync). The first edit of a manifest is a full snapshot of the tree; when the manifest grows
 * past `rewriteBytes`, or past `HISTORY_CHECK_BYTES` and `HISTORY_RATIO` times the snapshot of
 * the state it describes (a tree that shrank: its history outweighs it), a fresh one is written
 * from a snapshot and CURRENT switched to it.
 * Format: docs/format.md, "Manifest".
 */
import {
  CorruptionError,
  decodeMsgpack,
  encodeMsgpack,
  type FileSystem,
  type MsgpackValue,
  toIOError,
} from '@strata/base'
import { CURRENT_FILE, manifestFileName, pathIn } from './filenames.js'
import { decodeManifestFrames, encodeManifestFrame, readManifestFrames } from './manifest-frames.js'
import { type TableFileMeta, Version, type VersionEdit, type WalRecord } from './version.js'

/** Version of the manifest's edit encoding. On disk. Version 2 added the `wal` key; edits of
 *  version 1 are still read (a manifest without a `wal` record cannot verify its WAL). */
export const MANIFEST_FORMAT_VERSION = 2

/** Every this many bytes of growth, a manifest compares its size with its state's snapshot... */
export const HISTORY_CHECK_BYTES = 16 * 1024
/** ...and is rewritten when it is more than this many times that snapshot. */
export const HISTORY_RATIO = 4

/** The state a manifest replays to. */
export interface ManifestState {
  version: Version
  flushedSeq: number
  lastSeq: number
  nextFileNumber: number
  /** The id of the directory's IDENTITY marker; `undefined` in a database of directory format 1. */
  identity?: string | undefined
  /** What the WAL must hold; `undefined` for a database written before WAL records existed. */
  wal: WalRecord | undefined
}

function encodeTable(table: TableFileMeta): MsgpackValue[] {
  return [
    table.fileNumber,
    table.fileSize,
    table.smallestKey,
    table.largestKey,
    table.minSeq,
    table.maxSeq,
    table.entryCount,
    table.tombstoneCount,
    table.rawKeyBytes,
    table.rawValueBytes,
  ]
}

function decodeTable(value: unknown, file: string, offset: number): TableFileMeta {
  const fields = value as unknown[]
  const numbers = [0, 1, 4, 5, 6, 7, 8, 9].map((index) => fields?.[index])
  if (
    !Array.isArray(fields) ||
    numbers.some((number) => typeof number !== 'number') ||
    !(fields[2] instanceof Uint8Array) ||
    !(fields[3] instanceof Uint8Array)
  ) {
    throw new CorruptionError({ file, offset, reason: 'a manifest edit holds a malformed table record' })
  }
  const [fileNumber, fileSize, minSeq, maxSeq, entryCount, tombstoneCount, rawKeyBytes, rawValueBytes] =
    numbers as number[]
  return {
    fileNumber: fileNumber!,
    fileSize: fileSize!,
    smallestKey: fields[2] as Uint8Array,
    largestKey: fields[3] as Uint8Array,
    minSeq: minSeq!,
    maxSeq: maxSeq!,
    entryCount: entryCount!,
    tombstoneCount: tombstoneCount!,
    rawKeyBytes: rawKeyBytes!,
    rawValueBytes: rawValueBytes!,
  }
}

/** The msgpack payload of one edit (docs/format.md lists the keys). */
export function encodeEdit(edit: VersionEdit): Uint8Array {
  const record: Record<string, MsgpackValue> = {}
  if (edit.added !== undefined)
    record.added = edit.added.map(({ level, table }) => [level, ...encodeTable(table)])
  if (edit.removed !== undefined)
    record.removed = edit.removed.map(({ level, fileNumber }) => [level, fileNumber])
  if (edit.flushedSeq !== undefined) record.flushedSeq = edit.flushedSeq
  if (edit.lastSeq !== undefined) record.lastSeq = edit.lastSeq
  if (edit.nextFileNumber !== undefined) record.nextFileNumber = edit.nextFileNumber
  if (edit.identity !== undefined) record.identity = edit.identity
  if (edit.wal !== undefined)
    record.wal = edit.wal.bytes === undefined ? [edit.wal.seq] : [edit.wal.seq, edit.wal.bytes]
  // An array (not a bare map): [format version, edit]. The frame reader recognises msgpack
  // arrays when it must tell a torn tail from a damaged length.
  return encodeMsgpack([MANIFEST_FORMAT_VERSION, record])
}

export function decodeEdit(payload: Uint8Array, file: string, offset: number): VersionEdit {
  let decoded: unknown
  try {
    decoded = decodeMsgpack(payload)
  } catch (cause) {
    throw new CorruptionError({ file, offset, reason: 'a manifest edit is not valid msgpack', cause })
  }
  const malformed = (what: string) =>
    new CorruptionError({ file, offset, reason: `a manifest edit has ${what}` })
  if (!Array.isArray(decoded) || decoded.length !== 2) throw malformed('no [version, record] pair')
  if (decoded[0] !== MANIFEST_FORMAT_VERSION && decoded[0] !== 1) {
    throw malformed(`format version ${String(decoded[0])} (this strata reads ${MANIFEST_FORMAT_VERSION})`)
  }
  const record = decoded[1] as Record<string, unknown>
  if (typeof record !== 'object' || record === null) throw malformed('no record')
  const edit: VersionEdit = {}
  if (record.added !== undefined) {
    if (!Array.isArray(record.added)) throw malformed('a malformed added list')
    edit.added = record.added.map((entry: unknown) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number') throw malformed('a malformed added table')
      return { level: entry[0], table: decodeTable(entry.slice(1), file, offset) }
    })
  }
  if (record.removed !== undefined) {
    if (!Array.isArray(record.removed)) throw malformed('a malformed removed list')
    edit.removed = record.removed.map((entry: unknown) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1] !== 'number') {
        throw malformed('a malformed removed table')
      }
      return { level: entry[0], fileNumber: entry[1] }
    })
  }
  for (const name of ['flushedSeq', 'lastSeq', 'nextFileNumber'] as const) {
    const value = record[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw malformed(`a bad ${name}`)
    edit[name] = value
  }
  if (record.identity !== undefined) {
    if (typeof record.identity !== 'string' || !/^[0-9a-f]{32}$/.test(record.identity))
      throw malformed('a bad identity')
    edit.identity = record.identity
  }
  if (record.wal !== undefined) {
    const wal = record.wal
    const valid = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    if (!Array.isArray(wal) || wal.length < 1 || wal.length > 2 || !wal.every(valid))
      throw malformed('a malformed wal record')
    edit.wal = wal.length === 1 ? { seq: wal[0] } : { seq: wal[0], bytes: wal[1] }
  }
  return edit
}

function applyToState(state: ManifestState, edit: VersionEdit, file: string): ManifestState {
  return {
    version: state.version.apply(edit, file),
    flushedSeq: edit.flushedSeq ?? state.flushedSeq,
    lastSeq: Math.max(state.lastSeq, edit.lastSeq ?? 0),
    nextFileNumber: Math.max(state.nextFileNumber, edit.nextFileNumber ?? 0),
    identity: edit.identity ?? state.identity,
    wal: edit.wal ?? state.wal,
  }
}

function snapshotEdit(state: ManifestState): VersionEdit {
  return {
    added: [...state.version.files()],
    flushedSeq: state.flushedSeq,
    lastSeq: state.lastSeq,
    nextFileNumber: state.nextFileNumber,
    ...(state.identity === undefined ? {} : { identity: state.identity }),
    ...(state.wal === undefined ? {} : { wal: state.wal }),
  }
}

export const EMPTY_STATE: ManifestState = {
  version: new Version(),
  flushedSeq: 0,
  lastSeq: 0,
  nextFileNumber: 1,
  wal: undefined,
}

/** The state a new database starts from: its WAL is tracked from the first edit on. */
export const NEW_DATABASE_STATE: ManifestState = { ...EMPTY_STATE, wal: { seq: 0 } }

/** Reads `CURRENT`; `undefined` when the directory holds no database. */
export function readCurrent(fs: FileSystem, directory: string): string | undefined {
  const path = pathIn(directory, CURRENT_FILE)
  if (fs.statSync(path) === undefined) return undefined
  const name = Buffer.from(fs.readFileSync(path)).toString('utf8')
  if (!/^MANIFEST-\d{6,}\n$/.test(name)) {
    throw new CorruptionError({ file: path, offset: 0, reason: 'CURRENT does not name a manifest' })
  }
  return name.trimEnd()
}

/** Writes a small file durably and atomically: temp file, fsync, rename, directory fsync. */
export async function writeFileAtomically(fs: FileSystem, directory: string, name: string, data: Uint8Array) {
  const path = pathIn(directory, name)
  const temporary = `${path}.tmp`
  const fd = await fs.open(temporary, 'w')
  try {
    await fs.write(fd, data, 0, data.length, 0)
    await fs.fsync(fd)
  } finally {
    await fs.close(fd)
  }
  await fs.rename(temporary, path)
  await fs.syncDir(directory)
}

export class Manifest {
  private constructor(
    private readonly fs: FileSystem,
    private readonly directory: string,
    /** File number of the live manifest. */
    public fileNumber: number,
    private fd: number,
    private size: number,
    private state: ManifestState,
    private readonly rewriteBytes: number,
    /** Tables an edit of the live manifest removed: proven obsolete (file numbers are never
     *  reused), so cleanup at open may delete them. */
    readonly removedFileNumbers: ReadonlySet<number> = new Set(),
  ) {}

  get current(): ManifestState {
    return this.state
  }

  get sizeBytes(): number {
    return this.size
  }

  /** Replays the live manifest. A torn final frame (a crash mid-append) is dropped: that edit was
   *  never acknowledged. Any other damage is a `CorruptionError`. */
  static async recover(fs: FileSystem, directory: string, rewriteBytes: number): Promise<Manifest> {
    const name = readCurrent(fs, directory)
    if (name === undefined) throw new Error('no CURRENT file: the caller checks this first')
    const path = pathIn(directory, name)
    if (fs.statSync(path) === undefined) {
      throw new CorruptionError({
        file: path,
        offset: 0,
        reason: 'CURRENT names a manifest that does not exist',
      })
    }
    const data = await fs.readFile(path)
    const { frames, validBytes } = decodeManifestFrames(data, path)
    if (frames.length === 0) {
      // Its first edit was fsynced before CURRENT named it: an empty manifest is damage.
      throw new CorruptionError({
        file: path,
        offset: 0,
        reason: `the manifest CURRENT names holds no complete edit (${data.length} bytes); run repair to rebuild it`,
      })
    }
    let state = EMPTY_STATE
    const removedFileNumbers = new Set<number>()
    for (const { payload, offset } of frames) {
      const edit = decodeEdit(payload, path, offset)
      for (const { fileNumber } of edit.removed ?? []) removedFileNumbers.add(fileNumber)
      state = applyToState(state, edit, path)
    }
    const fileNumber = Number(name.slice('MANIFEST-'.length))
    const fd = await fs.open(path, 'r+')
    state = { ...state, nextFileNumber: Math.max(state.nextFileNumber, fileNumber + 1) }
    const manifest = new Manifest(
      fs,
      directory,
      fileNumber,
      fd,
      validBytes,
      state,
      rewriteBytes,
      removedFileNumbers,
    )
    manifest.tornBytes = data.length - validBytes
    return manifest
  }

  /** The size at which the manifest next compares itself with its state's snapshot. */
  private nextHistoryCheck = HISTORY_CHECK_BYTES

  /** Whether the manifest's history outweighs the state `next` it describes (checked once per
   *  `HISTORY_CHECK_BYTES` of growth: the snapshot is encoded to be measured). */
  private historyOutweighs(next: ManifestState): boolean {
    if (this.size < this.nextHistoryCheck) return false
    this.nextHistoryCheck = this.size + HISTORY_CHECK_BYTES
    return this.size > HISTORY_RATIO * encodeEdit(snapshotEdit(next)).length
  }

  /** Bytes of a torn final frame after the last whole edit, found by `recover`. */
  private tornBytes = 0

  /** Cuts a torn final frame off the file (`recover` only reads, so that an open that fails
   *  writes nothing); the caller does it once the open has validated, before any edit. */
  async cutTornTail(): Promise<void> {
    if (this.tornBytes === 0) return
    try {
      await this.fs.ftruncate(this.fd, this.size)
      await this.fs.fsync(this.fd)
    } catch (error) {
      throw toIOError(
        error,
        'cutting a torn manifest edit',
        pathIn(this.directory, manifestFileName(this.fileNumber)),
      )
    }
    this.tornBytes = 0
  }

  /** Creates a new manifest holding `state` and points CURRENT at it. */
  static async create(
    fs: FileSystem,
    directory: string,
    state: ManifestState,
    rewriteBytes: number,
  ): Promise<Manifest> {
    const fileNumber = state.nextFileNumber
    const next = { ...state, nextFileNumber: fileNumber + 1 }
    const path = pathIn(directory, manifestFileName(fileNumber))
    const frame = encodeManifestFrame(encodeEdit(snapshotEdit(next)))
    let fd: number
    try {
      fd = await fs.open(path, 'w')
      await fs.write(fd, frame, 0, frame.length, 0)
      await fs.fsync(fd)
      await fs.syncDir(directory)
      await writeFileAtomically(fs, directory, CURRENT_FILE, Buffer.from(`${manifestFileName(fileNumber)}\n`))
    } catch (error) {
      throw toIOError(error, 'writing a new manifest', path)
    }
    return new Manifest(fs, directory, fileNumber, fd, frame.length, next, rewriteBytes)
  }

  /** Records `edit` durably (write + fsync) and returns the new state. The caller serialises
   *  edits (one at a time). When the manifest has grown past its budget, switches to a fresh one
   *  and deletes the old. */
  async apply(edit: VersionEdit): Promise<ManifestState> {
    await this.cutTornTail()
    const next = applyToState(this.state, edit, manifestFileName(this.fileNumber))
    if (this.size >= this.rewriteBytes || this.historyOutweighs(next)) {
      const old = this.fileNumber
      const oldFd = this.fd
      const fresh = await Manifest.create(this.fs, this.directory, next, this.rewriteBytes)
      this.fileNumber = fresh.fileNumber
      this.fd = fresh.fd
      this.size = fresh.size
      this.state = fresh.state
      this.nextHistoryCheck = HISTORY_CHECK_BYTES
      await this.fs.close(oldFd).catch(() => {})
      await this.fs.unlink(pathIn(this.directory, manifestFileName(old))).catch(() => {})
      return this.state
    }
    const frame = encodeManifestFrame(encodeEdit(edit))
    try {
      await this.fs.write(this.fd, frame, 0, frame.length, this.size)
      await this.fs.fsync(this.fd)
    } catch (error) {
      throw toIOError(
        error,
        'recording a manifest edit',
        pathIn(this.directory, manifestFileName(this.fileNumber)),
      )
    }
    this.size += frame.length
    this.state = next
    return next
  }

  async close(): Promise<void> {
    await this.fs.close(this.fd).catch(() => {})
  }
}

/** One edit of a manifest file, as `inspectManifest` reports it. */
export interface ManifestRecord {
  /** Byte offset of the edit's frame. */
  offset: number
  edit: VersionEdit
}

/**
 * Reads a manifest file for inspection (the operator's tool): every edit with its byte offset,
 * the state they replay to, and where the file stops being readable. Never throws for damage:
 * a torn tail or a damaged frame is reported in `problem` (with its offset), and the edits
 * before it are returned.
 */
export async function inspectManifest(
  fs: FileSystem,
  path: string,
): Promise<{
  records: ManifestRecord[]
  state: ManifestState
  fileBytes: number
  problem: { offset: number; reason: string; kind: 'torn' | 'damaged' } | undefined
}> {
  const data = await fs.readFile(path)
  const scan = readManifestFrames(data)
  const records: ManifestRecord[] = []
  let state = EMPTY_STATE
  let problem: { offset: number; reason: string; kind: 'torn' | 'damaged' } | undefined =
    scan.problem === undefined
      ? undefined
      : { ...scan.problem, kind: scan.status === 'torn' ? 'torn' : 'damaged' }
  for (const { payload, offset } of scan.frames) {
    try {
      const edit = decodeEdit(payload, path, offset)
      state = applyToState(state, edit, path)
      records.push({ offset, edit })
    } catch (error) {
      problem = { offset, reason: (error as CorruptionError).reason ?? String(error), kind: 'damaged' }
      break
    }
  }
  return { records, state, fileBytes: data.length, problem }
}
