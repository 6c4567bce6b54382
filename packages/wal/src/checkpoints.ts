/**
 * A sparse index of the log: about one (offset, first seq) pair per CHECKPOINT_INTERVAL_BYTES,
 * always including the first frame. Frames are in seq order, so `truncateBefore(seq)` finds its
 * cut by reading only from the last checkpoint at or below `seq` to the next one.
 */
import { CHECKPOINT_INTERVAL_BYTES, HEADER_BYTES } from './format.js'

export class Checkpoints {
  private offsets: number[] = []
  private seqs: number[] = []

  /** First seq of the log's first frame, or `undefined` when the log has no frame. */
  get firstSeq(): number | undefined {
    return this.seqs[0]
  }

  /** Records the frame at `offset` (whose first entry is `seq`) when the last checkpoint is far enough behind. */
  note(offset: number, seq: number): void {
    const last = this.offsets[this.offsets.length - 1]
    if (last === undefined || offset - last >= CHECKPOINT_INTERVAL_BYTES) {
      this.offsets.push(offset)
      this.seqs.push(seq)
    }
  }

  /** The stretch of the log that holds the first frame with an entry above `seq`: from the last
   *  checkpoint whose seq is at most `seq` to the next checkpoint (or `end`). `undefined` when
   *  no frame holds a seq at most `seq`. */
  span(seq: number, end: number): { start: number; end: number; nextSeq: number | undefined } | undefined {
    if (this.seqs.length === 0 || this.seqs[0]! > seq) return undefined
    let low = 0
    let high = this.seqs.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (this.seqs[middle]! <= seq) low = middle
      else high = middle - 1
    }
    return { start: this.offsets[low]!, end: this.offsets[low + 1] ?? end, nextSeq: this.seqs[low + 1] }
  }

  /** After a truncation that kept the bytes from `keptStart` on, moved so they start at
   *  `movedTo`, behind a new first frame starting at HEADER_BYTES whose first seq is
   *  `firstSeq` (`undefined`: nothing kept). */
  rebase(keptStart: number, movedTo: number, firstSeq: number | undefined): void {
    const offsets: number[] = []
    const seqs: number[] = []
    if (firstSeq !== undefined) {
      offsets.push(HEADER_BYTES)
      seqs.push(firstSeq)
    }
    for (let index = 0; index < this.offsets.length; index++) {
      const offset = this.offsets[index]! - keptStart + movedTo
      if (offset > (offsets[offsets.length - 1] ?? 0) && this.offsets[index]! >= keptStart) {
        offsets.push(offset)
        seqs.push(this.seqs[index]!)
      }
    }
    this.offsets = offsets
    this.seqs = seqs
  }

  /**
   * Bytes at the log's start, from its first frame, taken by frames whose entries all have a seq
   * at most `seq` (0 when none). Counted to the last checkpoint at or below `seq`, so it falls
   * short of the exact figure by less than one checkpoint interval (never over it).
   */
  bytesThrough(seq: number, end: number): number {
    const span = this.span(seq, end)
    return span === undefined ? 0 : span.start - this.offsets[0]!
  }

  /** Number of checkpoints (for tests). */
  get size(): number {
    return this.offsets.length
  }
}
