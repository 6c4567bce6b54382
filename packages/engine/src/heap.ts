/**
 * A binary min-heap under a caller's order: the one heap behind every k-way merge in the engine
 * (the read-side `MergeIterator` and compaction's `InternalMerge`). The caller may change the
 * top item in place (a source moved to its next entry) and then calls `topChanged()`.
 */
export class Heap<T> {
  private items: T[] = []

  /** `less(a, b)`: true when `a` must come out before `b`. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  /** The least item, or undefined when empty. */
  top(): T | undefined {
    return this.items[0]
  }

  /** Replaces the content with `items` (heapified in linear time). */
  reset(items: T[] = []): void {
    this.items = items
    for (let index = (items.length >> 1) - 1; index >= 0; index--) this.siftDown(index)
  }

  push(item: T): void {
    const items = this.items
    items.push(item)
    let index = items.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      const item = items[index]!
      const above = items[parent]!
      if (!this.less(item, above)) break
      items[index] = above
      items[parent] = item
      index = parent
    }
  }

  /** Removes the top item. */
  popTop(): void {
    const items = this.items
    const last = items.pop()
    if (last === undefined || items.length === 0) return
    items[0] = last
    this.siftDown(0)
  }

  /** Restores the order after the top item changed in place. */
  topChanged(): void {
    if (this.items.length > 1) this.siftDown(0)
  }

  private siftDown(start: number): void {
    const items = this.items
    let index = start
    for (;;) {
      const left = 2 * index + 1
      const right = left + 1
      let least = index
      if (left < items.length && this.less(items[left]!, items[least]!)) least = left
      if (right < items.length && this.less(items[right]!, items[least]!)) least = right
      if (least === index) return
      const item = items[index]!
      items[index] = items[least]!
      items[least] = item
      index = least
    }
  }
}
