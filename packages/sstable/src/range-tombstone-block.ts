/**
 * The range-tombstone block of a version-2 table: the table's range tombstones, fragmented
 * (disjoint, sorted by start). Layout of its contents (little-endian; docs/format.md, "Range
 * tombstone block"):
 *
 *   u32 fragment count
 *   per fragment: u32 start length, start bytes,
 *                 u32 end length (0xFFFFFFFF: no end, no bytes follow), end bytes,
 *                 u32 seq count (>= 1), that many u64 seqs, ascending
 *
 * Decoding checks every field (sorted, disjoint, non-empty fragments; ascending seqs), so a
 * checksum-valid but malformed block is damage, not a wrong answer.
 */
import { compareBytes, type RangeFragment } from '@strata/base'
import { type ByteSink, readU64 } from './coding.js'

/** The end length that stands for "no end". On disk. */
export const NO_END = 0xffffffff

/** Appends the contents of a range-tombstone block holding `fragments` to `sink`. */
export function encodeRangeTombstones(sink: ByteSink, fragments: readonly RangeFragment[]): void {
  sink.reserve(4)
  sink.u32(fragments.length)
  for (const fragment of fragments) {
    const endLength = fragment.end === null ? 0 : fragment.end.length
    sink.reserve(12 + fragment.start.length + endLength + 8 * fragment.seqs.length)
    sink.u32(fragment.start.length)
    sink.append(fragment.start)
    if (fragment.end === null) sink.u32(NO_END)
    else {
      sink.u32(fragment.end.length)
      sink.append(fragment.end)
    }
    sink.u32(fragment.seqs.length)
    for (const seq of fragment.seqs) sink.u64(seq)
  }
}

/** Decodes verified contents of a range-tombstone block, or says what is wrong with them. */
export function decodeRangeTombstones(bytes: Buffer): RangeFragment[] | string {
  let position = 0
  const need = (count: number) => position + count <= bytes.length
  if (!need(4)) return 'range-tombstone block is shorter than its count'
  const count = bytes.readUInt32LE(0)
  position = 4
  const fragments: RangeFragment[] = []
  let previousEnd: Uint8Array | null | undefined
  for (let index = 0; index < count; index++) {
    if (!need(4)) return `fragment ${index} runs past the block`
    const startLength = bytes.readUInt32LE(position)
    position += 4
    if (!need(startLength + 4)) return `fragment ${index}'s start runs past the block`
    const start = new Uint8Array(bytes.subarray(position, position + startLength))
    position += startLength
    const endLength = bytes.readUInt32LE(position)
    position += 4
    let end: Uint8Array | null = null
    if (endLength !== NO_END) {
      if (!need(endLength)) return `fragment ${index}'s end runs past the block`
      end = new Uint8Array(bytes.subarray(position, position + endLength))
      position += endLength
      if (compareBytes(start, end) >= 0) return `fragment ${index} is empty (its start is not before its end)`
    }
    if (previousEnd !== undefined && (previousEnd === null || compareBytes(previousEnd, start) > 0)) {
      return `fragment ${index} overlaps the one before it`
    }
    if (!need(4)) return `fragment ${index}'s seq count runs past the block`
    const seqCount = bytes.readUInt32LE(position)
    position += 4
    if (seqCount === 0) return `fragment ${index} has no seq`
    if (!need(seqCount * 8)) return `fragment ${index}'s seqs run past the block`
    const seqs: number[] = []
    for (let at = 0; at < seqCount; at++) {
      const seq = readU64(bytes, position)
      position += 8
      if (seq < 0) return `fragment ${index}: a seq exceeds 2^53 - 1`
      if (at > 0 && seq <= seqs[at - 1]!) return `fragment ${index}: seqs are not ascending`
      seqs.push(seq)
    }
    fragments.push({ start, end, seqs })
    previousEnd = end
  }
  if (position !== bytes.length) return 'range-tombstone block has bytes after its last fragment'
  return fragments
}
