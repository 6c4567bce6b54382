/**
 * The compaction scheduler: runs the picker's plans one at a time in the background (and
 * `compactRange`'s on request), each a merge in the merge runner (or a move), an fsync, one
 * manifest edit; the inputs leave the disk once nothing reads them.
 */
import { ClosedError, toIOError } from '@strata/base'
import { buildMergeJob, outputFileBudget, planInputs, untouchedRuns } from './compaction-job.js'
import { type CompactionPlan, keyRange, pickCompaction, planRangeCompaction } from './compaction-picker.js'
import { compactionRangeDeletes, rangeTombstoneCarrier } from './compaction-range-deletes.js'
import type { MergeRunner } from './compaction-runner.js'
import { tableView, totalBytes } from './event-views.js'
import type { EventHub } from './events.js'
import type { ResolvedOptions } from './options.js'
import { SeekCharges } from './seek-compaction.js'
import type { SnapshotList } from './snapshot.js'
import type { Tree } from './tree.js'
import { NUM_LEVELS, toFileMeta, type Version } from './version.js'
import type { WriteQueue } from './write-queue.js'

export class CompactionScheduler {
  private compacting: Promise<void> | undefined
  /** Per level, the largest key of its last compaction: the next one starts after it. */
  private readonly compactPointers: (Uint8Array | undefined)[] = []
  /** Files in a running compaction (its plan's inputs). */
  private readonly compactingFiles = new Set<number>()
  private compactionWaiters: (() => void)[] = []
  /** `compactRange` calls in progress: while any runs, background compactions wait. */
  private manualCompactions = 0
  /** `compactRange` calls in progress, which `close()` stops and waits for. */
  private readonly rangeCompactions = new Set<Promise<void>>()
  /** The job of the compaction started last (the one a failure comes from). */
  private lastJobId: number | undefined
  /** Seeks charged to tables (seek-compaction.ts); a spent table asks for a compaction. */
  private readonly seeks = new SeekCharges(() => queueMicrotask(() => this.schedule()))

  readonly counters = {
    compactions: 0,
    trivialMoves: 0,
    compactionBytesRead: 0,
    compactionBytesWritten: 0,
    compactionMs: 0,
    compactionsByLevel: Array.from({ length: NUM_LEVELS }, () => 0),
    droppedVersions: 0,
    droppedTombstones: 0,
  }

  constructor(
    private readonly directory: string,
    private readonly options: ResolvedOptions,
    private readonly tree: Tree,
    private readonly writes: WriteQueue,
    private readonly snapshots: SnapshotList,
    private readonly mergeRunner: MergeRunner,
    private readonly isOpen: () => boolean,
    private readonly events: EventHub,
  ) {}

  /** A seek to `key` over `version` (an iterator's start or `seek()`): charged to the first table
   *  it searches when it searches two or more (seek-compaction.ts). Nothing with
   *  `seekCompaction: false`, or when background compactions are off. */
  chargeSeek(version: Version, key: Uint8Array): void {
    if (!this.options.seekCompaction || !this.compactsInBackground) return
    this.seeks.chargeSeek(version, key)
  }

  /** True while a compaction runs. */
  get running(): boolean {
    return this.compacting !== undefined
  }

  /** Background compactions run (and level-0 backpressure applies) when the options allow them
   *  and no `compactRange` holds the tree. */
  get compactsInBackground(): boolean {
    return this.options.autoCompaction && this.manualCompactions === 0
  }

  /** Starts background compactions unless they run already, are off, or cannot run. */
  schedule(): void {
    if (!this.compactsInBackground || this.compacting !== undefined) return
    if (!this.isOpen() || this.writes.readOnlyReason !== undefined) return
    this.compacting = this.runCompactions().finally(() => {
      this.compacting = undefined
      const waiters = this.compactionWaiters
      this.compactionWaiters = []
      for (const wake of waiters) wake()
    })
  }

  private async runCompactions(): Promise<void> {
    while (this.isOpen() && this.writes.readOnlyReason === undefined) {
      const version = this.tree.current
      const plan = pickCompaction(
        version,
        this.options,
        this.compactPointers,
        this.compactingFiles,
        this.snapshots.seqs()[0],
        this.seeks.candidateIn(version),
      )
      if (plan === undefined) return
      if (plan.reason === 'seek') this.seeks.clearCandidate()
      try {
        await this.runCompaction(plan)
      } catch (error) {
        if (!this.isOpen()) return
        this.writes.enterReadOnly(error, { operation: 'compaction', jobId: this.lastJobId })
        return
      }
      this.writes.wakeRoomWaiters()
    }
  }

  /** Runs one plan: merge in the worker (or move), fsync, one manifest edit, then the inputs go
   *  once nothing reads them. */
  private async runCompaction(plan: CompactionPlan): Promise<void> {
    const started = performance.now()
    const inputs = planInputs(plan)
    const jobId = this.events.nextJobId()
    this.lastJobId = jobId
    const inputViews = inputs.map((file) =>
      tableView(plan.inputs.includes(file) ? plan.level : plan.outputLevel, file),
    )
    const described = {
      jobId,
      reason: plan.reason,
      level: plan.level,
      outputLevel: plan.outputLevel,
      trivialMove: plan.trivialMove,
      inputs: inputViews,
      inputBytes: totalBytes(inputViews),
    }
    this.events.emit('compaction', { phase: 'begin', ...described })
    for (const file of inputs) this.compactingFiles.add(file.fileNumber)
    try {
      if (plan.trivialMove) {
        await this.tree.applyEdit(
          {
            removed: plan.inputs.map((file) => ({ level: plan.level, fileNumber: file.fileNumber })),
            added: plan.inputs.map((table) => ({ level: plan.outputLevel, table })),
          },
          { cause: 'compaction', jobId },
        )
        this.counters.trivialMoves++
        const outputs = plan.inputs.map((table) => tableView(plan.outputLevel, table))
        this.events.emit('compaction', () => ({
          phase: 'end' as const,
          ...described,
          outputs,
          outputBytes: totalBytes(outputs),
          bytesRead: 0,
          bytesWritten: 0,
          droppedVersions: 0,
          droppedTombstones: 0,
          durationMs: performance.now() - started,
        }))
      } else {
        const fileNumbers: number[] = []
        const budget = outputFileBudget(inputs, this.options)
        for (let index = 0; index < budget; index++) fileNumbers.push(this.tree.newFileNumber())
        const job = {
          ...buildMergeJob(
            plan,
            this.tree.current,
            this.directory,
            this.options,
            fileNumbers,
            this.snapshots.seqs(),
          ),
          ...compactionRangeDeletes(this.tree.current, inputs, this.tree),
        }
        const result = await this.mergeRunner.run(job)
        await this.options.fs.syncDir(this.directory)
        const added = result.outputs.map(({ fileNumber, meta }) => ({
          level: plan.outputLevel,
          table: rangeTombstoneCarrier(toFileMeta(fileNumber, meta), inputs),
        }))
        await this.tree.applyEdit(
          {
            removed: inputs.map((file) => ({
              level: plan.inputs.includes(file) ? plan.level : plan.outputLevel,
              fileNumber: file.fileNumber,
            })),
            added,
            nextFileNumber: this.tree.nextFileNumber,
          },
          { cause: 'compaction', jobId },
        )
        this.counters.compactions++
        this.counters.compactionsByLevel[plan.level]!++
        this.counters.compactionBytesRead += result.bytesRead
        this.counters.compactionBytesWritten += result.bytesWritten
        this.counters.droppedVersions += result.droppedVersions
        this.counters.droppedTombstones += result.droppedTombstones
        const outputs = added.map(({ table }) => tableView(plan.outputLevel, table))
        this.events.emit('compaction', () => ({
          phase: 'end' as const,
          ...described,
          outputs,
          outputBytes: totalBytes(outputs),
          bytesRead: result.bytesRead,
          bytesWritten: result.bytesWritten,
          droppedVersions: result.droppedVersions,
          droppedTombstones: result.droppedTombstones,
          durationMs: performance.now() - started,
        }))
      }
      this.compactPointers[plan.level] = keyRange(plan.inputs).largest
    } finally {
      for (const file of inputs) this.compactingFiles.delete(file.fileNumber)
      this.counters.compactionMs += performance.now() - started
    }
  }

  /** Waits until no compaction is running. */
  async waitIdle(): Promise<void> {
    while (this.compacting !== undefined) await this.compacting
  }

  /**
   * Compacts the keys in [start, end] (either bound open) down to the bottom-most level holding
   * data (the memtables must be flushed first). A failure turns the database read-only. Once
   * `close()` begins, it stops at the next pass (a merge in flight is stopped by close) and
   * rejects with `ClosedError`.
   */
  compactRange(start: Uint8Array | undefined, end: Uint8Array | undefined): Promise<void> {
    const running = this.compactRangeNow(start, end)
    this.rangeCompactions.add(running)
    void running.catch(() => {}).finally(() => this.rangeCompactions.delete(running))
    return running
  }

  private checkOpen(): void {
    if (!this.isOpen()) throw new ClosedError(`the database at ${this.directory}`)
  }

  /** The error of work that `close()` cut short (`cause`: how it stopped). */
  private cutShortByClose(work: string, error: unknown): ClosedError {
    if (error instanceof ClosedError) return error
    return new ClosedError(`the database at ${this.directory} (${work} was cut short by close())`, {
      cause: error,
    })
  }

  private async compactRangeNow(start: Uint8Array | undefined, end: Uint8Array | undefined): Promise<void> {
    // The automatic compactions would race for the same files: let them finish, then hold them.
    this.manualCompactions++
    try {
      await this.waitIdle()
      let bottom = -1
      for (let level = 0; level < NUM_LEVELS; level++) {
        if ((this.tree.current.levels[level]?.length ?? 0) > 0) bottom = level
      }
      if (bottom < 0) return
      const target = Math.max(bottom, 1)
      const before = new Set([...this.tree.current.files()].map(({ table }) => table.fileNumber))
      for (let level = 0; level < target; level++) {
        this.checkOpen()
        const plan = planRangeCompaction(this.tree.current, level, start, end)
        if (plan !== undefined) await this.runCompaction(plan)
      }
      // Tables of the bottom level that no pass above rewrote may still hold versions or
      // tombstones nobody can see any more: one pass over them in place — run by run of
      // neighbours, so an output never spans a table rewritten above (levels stay disjoint).
      for (const inputs of untouchedRuns(this.tree.current, target, start, end, before)) {
        this.checkOpen()
        await this.runCompaction({
          reason: 'manual',
          level: target,
          outputLevel: target,
          inputs,
          outputInputs: [],
          trivialMove: false,
          score: 0,
        })
      }
    } catch (error) {
      if (!this.isOpen()) throw this.cutShortByClose('compactRange', error)
      this.writes.enterReadOnly(error, { operation: 'compaction', jobId: this.lastJobId })
      throw toIOError(error, 'compacting a range')
    } finally {
      this.manualCompactions--
    }
    this.schedule()
  }

  /** Where merges run (see `MergeRunner.thread`). */
  get thread(): 'worker' | 'main' {
    return this.mergeRunner.thread
  }

  get threadReason(): string | undefined {
    return this.mergeRunner.threadReason
  }

  /** Waits for the running compaction, stops the merge runner, then waits for every
   *  `compactRange` to settle (each stops at its next pass). */
  async close(): Promise<void> {
    await this.waitIdle()
    await this.mergeRunner.close()
    await Promise.allSettled(this.rangeCompactions)
  }
}
