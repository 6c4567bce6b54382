/**
 * Explicit snapshots: `db.snapshot()` takes an engine snapshot synchronously (so a write made
 * right after it is not seen through it); `close()` releases it, letting compaction drop the
 * versions only it could see.
 */
import { describeType, InvalidArgumentError } from '@strata/base'
import type { Database, Snapshot } from '@strata/engine'
import { AbstractSnapshot } from 'abstract-level'

/** abstract-level's typings leave out the constructor, which takes `{ owner }`. */
const SnapshotBase = AbstractSnapshot as unknown as new (options: object) => AbstractSnapshot

export class StrataSnapshot extends SnapshotBase {
  /** @internal the engine snapshot reads go through */
  readonly engineSnapshot: Snapshot
  /** @internal the engine database it was taken from */
  readonly database: Database

  /** @internal created by `StrataLevel.snapshot()` */
  constructor(options: object, database: Database) {
    super(options)
    this.database = database
    this.engineSnapshot = database.snapshot()
  }

  async _close(): Promise<void> {
    this.engineSnapshot.release()
  }
}

/** The engine snapshot behind a `snapshot` read option (`undefined`: read the latest). A
 *  snapshot of another database is refused: reading through it would answer from the wrong
 *  point in time. */
export function engineSnapshotOf(snapshot: unknown, database: Database): Snapshot | undefined {
  if (snapshot === undefined || snapshot === null) return undefined
  if (snapshot instanceof StrataSnapshot && snapshot.database === database) return snapshot.engineSnapshot
  throw new InvalidArgumentError(
    'options.snapshot must be a snapshot taken with snapshot() of this database (or of a sublevel of it)',
    { argument: 'snapshot' },
  )
}

/** abstract-level calls `ref()` on a `snapshot` option before this adapter sees it, so anything
 *  but a snapshot would be a TypeError there. Throws `InvalidArgumentError` first instead. */
export function checkSnapshotOption(options: unknown): void {
  const snapshot = (options as { snapshot?: unknown } | null | undefined)?.snapshot
  if (snapshot === undefined || snapshot === null || snapshot instanceof StrataSnapshot) return
  throw new InvalidArgumentError(
    `options.snapshot must be a snapshot taken with snapshot() of this database (or of a sublevel of it), not ${describeType(snapshot)}`,
    { argument: 'snapshot' },
  )
}

/** `checkSnapshotOption`'s error as a rejected promise, for the methods that return one;
 *  `undefined` when the option is fine. */
export function refusedSnapshot(options: unknown): Promise<never> | undefined {
  try {
    checkSnapshotOption(options)
    return undefined
  } catch (error) {
    return Promise.reject(error)
  }
}
