/**
 * Snapshots: a read position (a seq). Reads through a snapshot see exactly the writes
 * acknowledged before it was taken. While a snapshot is held, compaction keeps every version it
 * can see; `release()` lets them go.
 */
import { describeType, InvalidArgumentError } from '@strata/base'

export class Snapshot {
  private released = false

  /** @internal created by `Database.snapshot()` */
  constructor(
    /** Every write with seq <= this one is visible through the snapshot. */
    readonly seq: number,
    private readonly onRelease: (snapshot: Snapshot) => void,
  ) {}

  get isReleased(): boolean {
    return this.released
  }

  /** Lets compaction drop the versions only this snapshot could see. Safe to call twice. */
  release(): void {
    if (this.released) return
    this.released = true
    this.onRelease(this)
  }

  /** Throws if the snapshot can no longer be read through. */
  check(): void {
    if (this.released) {
      throw new InvalidArgumentError('the snapshot was released; take a new one with database.snapshot()', {
        argument: 'options.snapshot',
      })
    }
  }
}

/** The snapshots of one database: those held open, for compaction (the oldest seq any of them
 *  reads), and every one it took, so a snapshot of another database is refused. */
export class SnapshotList {
  private readonly held = new Set<Snapshot>()
  private readonly taken = new WeakSet<Snapshot>()

  create(seq: number): Snapshot {
    const snapshot = new Snapshot(seq, (released) => this.held.delete(released))
    this.held.add(snapshot)
    this.taken.add(snapshot)
    return snapshot
  }

  /**
   * The seq a read through `snapshot` (a `snapshot` read or iterator option) sees. Throws
   * `InvalidArgumentError` (argument `options.snapshot`) when it is not a `Snapshot`, was taken
   * from another database, or was released.
   */
  seqOf(snapshot: unknown): number {
    if (!(snapshot instanceof Snapshot)) {
      throw new InvalidArgumentError(
        `options.snapshot must be a Snapshot taken with database.snapshot(), not ${describeType(snapshot)}`,
        { argument: 'options.snapshot' },
      )
    }
    if (!this.taken.has(snapshot)) {
      throw new InvalidArgumentError(
        'options.snapshot belongs to another database: a snapshot reads only the database that ' +
          "took it; take one with this database's snapshot()",
        { argument: 'options.snapshot' },
      )
    }
    snapshot.check()
    return snapshot.seq
  }

  /** Seqs of every live snapshot, ascending. */
  seqs(): number[] {
    return [...this.held].map((snapshot) => snapshot.seq).sort((a, b) => a - b)
  }

  get size(): number {
    return this.held.size
  }

  releaseAll(): void {
    for (const snapshot of [...this.held]) snapshot.release()
  }
}
