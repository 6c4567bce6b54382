/**
 * Keys as numbers. The memtable's index is a trie of B+trees (in the manner of Masstree): each
 * layer orders keys by one 6-byte slice of them, encoded as an integer below 2^51, so the B+trees
 * compare plain numbers (kept in a Float64Array: slice-tree.ts) instead of dereferencing a string
 * or a Buffer per comparison, which is what costs the most in a large tree: cache misses.
 *
 * The slice number of a key at byte `offset` is
 *
 *     bytes[offset .. offset+6) big-endian, zero-padded   * 8   +   code
 *
 * where code is the count of key bytes left from `offset` (0..6) when the key ends within the slice,
 * and 7 when it goes on past it. Ordering by this number is unsigned bytewise key order among keys
 * that share the first `offset` bytes: the slices order the bytes, zero padding and the code put a
 * key before every longer key it is a prefix of. Keys with code 7 and equal slices go on to the
 * next layer (offset + 6); a key with code 0..6 ends in this layer.
 */

/** Key bytes ordered by one layer. */
export const SLICE_BYTES = 6

/** `code` of a key that continues past the slice. */
export const CONTINUES = 7

/** The slice number of `key` at `offset` (see the file comment). */
export function sliceOf(key: Uint8Array, offset: number): number {
  const remaining = key.length - offset
  if (remaining >= SLICE_BYTES) {
    const high = (key[offset]! << 16) | (key[offset + 1]! << 8) | key[offset + 2]!
    const low = (key[offset + 3]! << 16) | (key[offset + 4]! << 8) | key[offset + 5]!
    return (high * 0x1000000 + low) * 8 + (remaining > SLICE_BYTES ? CONTINUES : SLICE_BYTES)
  }
  let high = 0
  let low = 0
  for (let index = 0; index < remaining; index++) {
    const byte = key[offset + index]!
    if (index < 3) high |= byte << (16 - 8 * index)
    else low |= byte << (16 - 8 * (index - 3))
  }
  return (high * 0x1000000 + low) * 8 + remaining
}

/** True when the key goes on past the slice at `offset` (its slice number has code 7). */
export function continuesPast(key: Uint8Array, offset: number): boolean {
  return key.length - offset > SLICE_BYTES
}

/** Orders slice numbers. */
export function compareSlices(a: number, b: number): number {
  return a - b
}
