/**
 * One layer of the memtable's index (see slice.ts): a sorted-btree from slice number to either the
 * record index of a key's newest version (a key that ends in this layer, or the only key with this
 * slice that goes on past it) or the next layer (several keys share this slice and go on).
 */
import sortedBtree from 'sorted-btree'
import { compareSlices } from './slice.js'

// sorted-btree is CommonJS with only a `default` export: Node's ESM import gives its exports object,
// while loaders that apply the __esModule interop (CommonJS builds, some test runners) give the
// class itself. Accept both.
type BTreeClass = typeof sortedBtree.default
const BTree: BTreeClass =
  (sortedBtree as unknown as { default?: BTreeClass }).default ?? (sortedBtree as unknown as BTreeClass)

/**
 * What the memtable uses of a layer's B-tree (sorted-btree's `BTree<number, number | Layer>`), as
 * its own type: the published declarations then name no type of sorted-btree, which the package
 * bundles rather than depends on.
 */
export interface LayerTree {
  get(slice: number): number | Layer | undefined
  /** Stores `value` under `slice`; false when the slice was there and `overwrite` is false. */
  set(slice: number, value: number | Layer, overwrite?: boolean): boolean
  /** Entries from `from` up (or all), each yielded in `reuse` when given. */
  entries(from?: number, reuse?: [number, number | Layer]): IterableIterator<[number, number | Layer]>
  /** Entries from `from` down (or all), `from` itself left out when `skipFrom`. */
  entriesReversed(
    from?: number,
    reuse?: [number, number | Layer],
    skipFrom?: boolean,
  ): IterableIterator<[number, number | Layer]>
  /** Calls `callback` with every entry in slice order (no iterator objects: the fast walk). */
  forEachPair(callback: (slice: number, value: number | Layer) => void): unknown
  /** An O(1) copy-on-write clone. */
  clone(): LayerTree
}

export interface Layer {
  readonly tree: LayerTree
  /**
   * The memtable's snapshot epoch when this layer was made. A layer older than the current epoch
   * may be shared with an iterator's snapshot, so a write copies it (an O(1) copy-on-write clone)
   * before changing it.
   */
  readonly epoch: number
}

/** Heap bytes of an empty layer: its object, the BTree object and its first leaf. */
export const LAYER_BYTES = 480

export function createLayer(maxNodeSize: number, epoch: number): Layer {
  return { tree: new BTree<number, number | Layer>(undefined, compareSlices, maxNodeSize), epoch }
}

/** A copy of `layer` for epoch `epoch`, sharing its nodes until either is written (O(1)). */
export function cloneLayer(layer: Layer, epoch: number): Layer {
  return { tree: layer.tree.clone(), epoch }
}
