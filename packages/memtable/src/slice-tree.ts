/**
 * The memtable's ordered index, outside the JavaScript heap: B+trees from slice numbers (slice.ts)
 * to values, all of one memtable's trees in one `SliceIndex`: three typed arrays of fixed-size
 * nodes.
 *
 * Why not objects: a memtable lives for seconds, long enough for the garbage collector to copy
 * every node of an object tree twice (young generation, then old), and after the flush the
 * whole tree is old-generation garbage until a major GC. Measured with the object B-tree this
 * replaces: about 30 MB of heap per 1,000,000 puts, and most of the main thread's GC time. Here
 * the nodes are array-buffer memory the collector never scans or moves, and a recycled index is
 * reused by the next memtable (`SlabPool`), so a steady stream of writes allocates none.
 *
 * A value is an int32: `>= 0` is a record address (record-log.ts), `<= -2` is a child tree (a
 * layer of the trie, memtable.ts) whose root node is `childRoot(value)`. `NO_VALUE` (-1) is
 * never stored; lookups return it for "absent".
 *
 * Node `n` (`order` = maximum entries per node, 4 to 256):
 *   meta[n*4]     count: entries in a leaf, children in an inner node (an inner node has >= 1)
 *   meta[n*4+1]   1 for a leaf, 0 for an inner node
 *   meta[n*4+2]   the epoch the node was written in (below)
 *   keys[n*order + i], values[n*order + i]
 * A leaf holds sorted slices and their values. An inner node's child i holds the slices from
 * keys[i] up to (not including) keys[i+1]; keys[0] is not used for routing. All leaves are at
 * the same depth.
 *
 * Snapshots (iterators) are copy-on-write by epoch: a node whose epoch is older than the index's
 * may be part of a snapshot, so a write copies it (and the path above it, which a write from the
 * root copies anyway) instead of changing it. Taking a snapshot of a tree is O(1): the memtable
 * bumps `epoch` (memtable.ts). Once every snapshot is closed (`snapshots` 0), a write changes
 * such a node in place and stamps it current. Nodes are never freed one by one; the whole index
 * is reset when its memtable is recycled, after every reader is done.
 */

/** "No value": what `get` returns for an absent slice. Never stored. */
export const NO_VALUE = -1

/** The value under which a child tree with root node `root` is stored. */
export function childValue(root: number): number {
  return -2 - root
}

/** The root node of the child tree stored as `value` (a value `<= -2`). */
export function childRoot(value: number): number {
  return -2 - value
}

const META = 4
const COUNT = 0
const LEAF = 1
const EPOCH = 2

/** Nodes an index has room for when first made. */
const INITIAL_NODES = 16

export class SliceIndex {
  /** Maximum entries (leaf) or children (inner node) per node. */
  readonly order: number
  /** The current write epoch: nodes written in an older one are copied before a write. */
  epoch = 0
  /**
   * Snapshots open (iterators that took the index and are not closed; the memtable counts them).
   * While there are none, a write changes a node of an older epoch in place, stamping it with
   * the current one, instead of copying it.
   */
  snapshots = 0
  /** @internal */ meta: Int32Array
  /** @internal */ keys: Float64Array
  /** @internal */ values: Int32Array
  private nodes = 0

  /** Set by `prepare`: the leaf and slot where the slice is (`found`) or would be inserted. */
  leaf = 0
  slot = 0
  found = false

  constructor(order: number, initialNodes = INITIAL_NODES) {
    this.order = order
    this.meta = new Int32Array(initialNodes * META)
    this.keys = new Float64Array(initialNodes * order)
    this.values = new Int32Array(initialNodes * order)
  }

  /** Forgets every node (for reuse by another memtable): O(1), the memory is kept. */
  reset(): void {
    this.nodes = 0
    this.epoch = 0
    this.snapshots = 0
  }

  /** Nodes in use. */
  get nodeCount(): number {
    return this.nodes
  }

  /** Bytes of the arrays held (in use or not). */
  get bytes(): number {
    return this.meta.byteLength + this.keys.byteLength + this.values.byteLength
  }

  /** Bytes of the nodes in use. */
  get usedBytes(): number {
    return this.nodes * (META * 4 + this.order * 12)
  }

  /** A new empty tree: its root node (a leaf). */
  newTree(): number {
    return this.allocate(1)
  }

  /** Entries (leaf) or children (inner node) of `node`. */
  count(node: number): number {
    return this.meta[node * META + COUNT]!
  }

  isLeaf(node: number): boolean {
    return this.meta[node * META + LEAF] === 1
  }

  /** True when `node` was written in the current epoch (no snapshot can hold it). */
  isCurrent(node: number): boolean {
    return this.meta[node * META + EPOCH] === this.epoch
  }

  /** The value of `slice` in the tree at `root`, or `NO_VALUE`. */
  get(root: number, slice: number): number {
    const meta = this.meta
    const keys = this.keys
    const values = this.values
    const order = this.order
    let node = root
    while (meta[node * META + LEAF] === 0) {
      node = values[node * order + route(keys, node * order, meta[node * META + COUNT]!, slice)]!
    }
    const base = node * order
    const count = meta[node * META + COUNT]!
    const at = lowerBound(keys, base, count, slice)
    return at < count && keys[base + at] === slice ? values[base + at]! : NO_VALUE
  }

  /**
   * Gets the tree at `root` ready for a write of `slice`: every node from the root to the leaf
   * that holds (or would hold) `slice` is made current (one older than the epoch is copied while
   * a snapshot is open, else stamped current), and
   * full nodes on the way are split, so the leaf has room for one more entry. Sets `leaf`,
   * `slot` and `found`; returns the tree's root, which is a new node when the root was copied
   * or split (the caller stores it where the old one was).
   */
  prepare(root: number, slice: number): number {
    const order = this.order
    let top = this.writable(root)
    if (this.count(top) === order) {
      const above = this.allocate(0)
      this.keys[above * order] = this.keys[top * order]!
      this.values[above * order] = top
      this.meta[above * META + COUNT] = 1
      this.splitChild(above, 0, slice)
      top = above
    }
    let node = top
    while (!this.isLeaf(node)) {
      const base = node * order
      let at = route(this.keys, base, this.count(node), slice)
      let child = this.values[base + at]!
      const writable = this.writable(child)
      if (writable !== child) {
        this.values[base + at] = writable
        child = writable
      }
      if (this.count(child) === order) {
        this.splitChild(node, at, slice)
        if (slice >= this.keys[base + at + 1]!) {
          at++
          child = this.values[base + at]!
        }
      }
      node = child
    }
    const base = node * order
    const count = this.count(node)
    const at = lowerBound(this.keys, base, count, slice)
    this.leaf = node
    this.slot = at
    this.found = at < count && this.keys[base + at] === slice
    return top
  }

  /** The value at `leaf`/`slot` (after `prepare` found the slice). */
  valueAt(): number {
    return this.values[this.leaf * this.order + this.slot]!
  }

  /** Replaces the value at `leaf`/`slot` (after `prepare` found the slice). */
  setAt(value: number): void {
    this.setValue(this.leaf, this.slot, value)
  }

  /** Replaces the value in slot `slot` of leaf `leaf` (a position `prepare` reported). */
  setValue(leaf: number, slot: number, value: number): void {
    this.values[leaf * this.order + slot] = value
  }

  /** Inserts `slice` with `value` at `leaf`/`slot` (after `prepare` did not find it). */
  insertAt(slice: number, value: number): void {
    const leaf = this.leaf
    const base = leaf * this.order
    const count = this.count(leaf)
    const keys = this.keys
    const values = this.values
    for (let index = base + count; index > base + this.slot; index--) {
      keys[index] = keys[index - 1]!
      values[index] = values[index - 1]!
    }
    keys[base + this.slot] = slice
    values[base + this.slot] = value
    this.meta[leaf * META + COUNT] = count + 1
  }

  /** Calls `visit` with every slice and value of the tree at `root`, in slice order. */
  forEach(root: number, visit: (slice: number, value: number) => void): void {
    const base = root * this.order
    const count = this.count(root)
    if (this.isLeaf(root)) {
      for (let index = 0; index < count; index++) visit(this.keys[base + index]!, this.values[base + index]!)
      return
    }
    for (let index = 0; index < count; index++) this.forEach(this.values[base + index]!, visit)
  }

  /** Depth of the tree at `root` (1 for a lone leaf). */
  height(root: number): number {
    let height = 1
    for (let node = root; !this.isLeaf(node); node = this.values[node * this.order]!) height++
    return height
  }

  /** `node` itself when current; when older, a current copy of it, or (no snapshot open) the
   *  node itself stamped current. */
  private writable(node: number): number {
    if (this.isCurrent(node)) return node
    if (this.snapshots > 0) return this.copy(node)
    this.meta[node * META + EPOCH] = this.epoch
    return node
  }

  private copy(node: number): number {
    const order = this.order
    const copy = this.allocate(this.meta[node * META + LEAF]!)
    const count = this.count(node)
    this.keys.copyWithin(copy * order, node * order, node * order + count)
    this.values.copyWithin(copy * order, node * order, node * order + count)
    this.meta[copy * META + COUNT] = count
    return copy
  }

  /**
   * Splits the full child `at` of `parent` (both current; `parent` not full) in two. Where
   * `slice`, the key about to be written, goes past the child's last entry (ascending inserts),
   * the child keeps all but what must move, so that trees filled in order end up full, not half
   * full.
   */
  private splitChild(parent: number, at: number, slice: number): void {
    const order = this.order
    const child = this.values[parent * order + at]!
    const leaf = this.meta[child * META + LEAF]!
    const childBase = child * order
    let keep = order >>> 1
    if (slice > this.keys[childBase + order - 1]!) keep = leaf === 1 ? order : order - 1
    const sibling = this.allocate(leaf)
    // Read the arrays after allocate(), which may have grown them.
    const keys = this.keys
    const values = this.values
    const siblingBase = sibling * order
    const moved = order - keep
    keys.copyWithin(siblingBase, childBase + keep, childBase + order)
    values.copyWithin(siblingBase, childBase + keep, childBase + order)
    this.meta[child * META + COUNT] = keep
    this.meta[sibling * META + COUNT] = moved
    // The sibling's lower bound: its first key, or (an empty leaf, for an ascending insert) the
    // slice about to be written into it.
    const bound = moved > 0 ? keys[siblingBase]! : slice
    const parentBase = parent * order
    const parentCount = this.count(parent)
    for (let index = parentBase + parentCount; index > parentBase + at + 1; index--) {
      keys[index] = keys[index - 1]!
      values[index] = values[index - 1]!
    }
    keys[parentBase + at + 1] = bound
    values[parentBase + at + 1] = sibling
    this.meta[parent * META + COUNT] = parentCount + 1
  }

  private allocate(leaf: number): number {
    const node = this.nodes
    if ((node + 1) * META > this.meta.length) this.grow()
    this.nodes = node + 1
    const at = node * META
    this.meta[at + COUNT] = 0
    this.meta[at + LEAF] = leaf
    this.meta[at + EPOCH] = this.epoch
    return node
  }

  /** Grows the arrays by half (the slack a memtable's size estimate, which counts the nodes in
   *  use, leaves out stays small). */
  private grow(): void {
    const nodes = Math.ceil((this.meta.length / META) * 1.5)
    const meta = new Int32Array(nodes * META)
    meta.set(this.meta)
    const keys = new Float64Array(nodes * this.order)
    keys.set(this.keys)
    const values = new Int32Array(nodes * this.order)
    values.set(this.values)
    this.meta = meta
    this.keys = keys
    this.values = values
  }
}

/** First index in keys[base .. base+count) whose key is >= slice (count when none). */
function lowerBound(keys: Float64Array, base: number, count: number, slice: number): number {
  let low = 0
  let high = count
  while (low < high) {
    const middle = (low + high) >>> 1
    if (keys[base + middle]! < slice) low = middle + 1
    else high = middle
  }
  return low
}

/** The child of an inner node (keys at `base`, `count` children) whose range holds `slice`: the
 *  last i >= 1 with keys[i] <= slice, else 0. */
function route(keys: Float64Array, base: number, count: number, slice: number): number {
  let low = 1
  let high = count
  while (low < high) {
    const middle = (low + high) >>> 1
    if (keys[base + middle]! <= slice) low = middle + 1
    else high = middle
  }
  return low - 1
}

/**
 * A walk over one tree of a `SliceIndex`, forwards or backwards, from its start or from a slice:
 * `next()` moves to the next entry and sets `slice` and `value`. The tree must not be written
 * while the cursor walks it (a snapshot: see the file comment). The index's arrays are read
 * afresh on every step, since a write elsewhere in the index may grow them.
 */
export class SliceCursor {
  slice = 0
  value = NO_VALUE
  private index: SliceIndex | undefined
  private reverse = false
  // Plain arrays, not typed ones: an iterator makes a cursor per layer it enters, and a typed
  // array costs an ArrayBuffer each (a seek that made four of them spent 9% of its time there).
  private readonly nodes: number[] = []
  private readonly slots: number[] = []
  /** Depth of the leaf in `nodes`; -1 once the walk is over. */
  private depth = -1

  /**
   * Starts a walk of the tree at `root`. Forwards: from the first slice >= `from` (all when
   * undefined). Backwards: from the last slice <= `from`, or < `from` with `skipFrom`.
   */
  start(index: SliceIndex, root: number, reverse: boolean, from?: number, skipFrom = false): void {
    this.index = index
    this.reverse = reverse
    const { meta, keys, values, order } = index
    let node = root
    let depth = 0
    while (meta[node * META + LEAF] === 0) {
      const count = meta[node * META + COUNT]!
      const at = from === undefined ? (reverse ? count - 1 : 0) : route(keys, node * order, count, from)
      this.nodes[depth] = node
      this.slots[depth] = at
      depth++
      node = values[node * order + at]!
    }
    const count = meta[node * META + COUNT]!
    let at: number
    if (from === undefined) at = reverse ? count : -1
    else if (!reverse) at = lowerBound(keys, node * order, count, from) - 1
    else {
      // The first slot past the start: past `from` itself unless skipped.
      const bound = lowerBound(keys, node * order, count, from)
      at = !skipFrom && bound < count && keys[node * order + bound] === from ? bound + 1 : bound
    }
    this.nodes[depth] = node
    this.slots[depth] = at
    this.depth = depth
  }

  /** Moves to the next entry (sets `slice` and `value`); false at the end. */
  next(): boolean {
    const leafDepth = this.depth
    if (leafDepth < 0) return false
    const { meta, keys, values, order } = this.index!
    const nodes = this.nodes
    const slots = this.slots
    const step = this.reverse ? -1 : 1
    let slot = slots[leafDepth]! + step
    let leaf = nodes[leafDepth]!
    while (slot < 0 || slot >= meta[leaf * META + COUNT]!) {
      // This leaf is done: climb to the nearest node with a child left, then down its edge.
      let depth = leafDepth - 1
      for (; depth >= 0; depth--) {
        const next = slots[depth]! + step
        if (next >= 0 && next < meta[nodes[depth]! * META + COUNT]!) break
      }
      if (depth < 0) {
        this.depth = -1
        return false
      }
      slots[depth] = slots[depth]! + step
      let node = values[nodes[depth]! * order + slots[depth]!]!
      for (depth++; depth < leafDepth; depth++) {
        nodes[depth] = node
        slots[depth] = this.reverse ? meta[node * META + COUNT]! - 1 : 0
        node = values[node * order + slots[depth]!]!
      }
      leaf = node
      nodes[leafDepth] = leaf
      slot = this.reverse ? meta[leaf * META + COUNT]! - 1 : 0
    }
    slots[leafDepth] = slot
    this.slice = keys[leaf * order + slot]!
    this.value = values[leaf * order + slot]!
    return true
  }
}
