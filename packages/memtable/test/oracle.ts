/**
 * The model the memtable is checked against: a plain sorted array of every version, with the
 * obvious, slow answer to each question. Written for clarity, not speed.
 */
import { type InternalEntry, inRange, type KeyRange, MAX_SEQ, OpType } from '@strata/base'

export interface IterateOptions extends KeyRange {
  reverse?: boolean
  atSeq?: number
  versions?: 'visible' | 'all'
}

export class Oracle {
  /** Every version, in internal order (key ascending, seq descending). */
  readonly versions: InternalEntry[] = []

  write(key: Uint8Array, value: Uint8Array | null, seq: number): void {
    const entry: InternalEntry = {
      key: Uint8Array.from(key),
      seq,
      op: value === null ? OpType.Delete : OpType.Put,
      value: value === null ? null : Uint8Array.from(value),
    }
    // A write of an existing (key, seq) replaces that version.
    const same = this.versions.findIndex((version) => equalBytes(version.key, key) && version.seq === seq)
    if (same >= 0) this.versions.splice(same, 1)
    this.versions.push(entry)
    this.versions.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || b.seq - a.seq)
  }

  get(key: Uint8Array, atSeq = MAX_SEQ): InternalEntry | undefined {
    return this.versions.find((version) => equalBytes(version.key, key) && version.seq <= atSeq)
  }

  iterate(options: IterateOptions = {}): InternalEntry[] {
    const atSeq = options.atSeq ?? MAX_SEQ
    const result: InternalEntry[] = []
    let lastKey: Uint8Array | undefined
    for (const version of this.versions) {
      if (version.seq > atSeq || !inRange(version.key, options)) continue
      if (options.versions !== 'all') {
        if (lastKey !== undefined && equalBytes(lastKey, version.key)) continue
        lastKey = version.key
      }
      result.push(version)
    }
    return options.reverse === true ? result.reverse() : result
  }

  /** What an iterator yields after `seek(target)`: the same list from the first key >= target
   *  (<= target in reverse). */
  afterSeek(options: IterateOptions, target: Uint8Array): InternalEntry[] {
    return this.iterate(options).filter((entry) => {
      const order = Buffer.compare(Buffer.from(entry.key), Buffer.from(target))
      return options.reverse === true ? order <= 0 : order >= 0
    })
  }

  get count(): number {
    return this.versions.length
  }

  get minSeq(): number | undefined {
    return this.versions.length === 0 ? undefined : Math.min(...this.versions.map((version) => version.seq))
  }

  get maxSeq(): number | undefined {
    return this.versions.length === 0 ? undefined : Math.max(...this.versions.map((version) => version.seq))
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  )
}

/** An entry as plain, comparable, readable data: [key hex, seq, op, value hex or null]. */
export function plain(entry: InternalEntry | undefined): [string, number, number, string | null] | undefined {
  if (entry === undefined) return undefined
  return [hex(entry.key), entry.seq, entry.op, entry.value === null ? null : hex(entry.value)]
}

export function plainAll(
  entries: Iterable<InternalEntry>,
): ([string, number, number, string | null] | undefined)[] {
  return [...entries].map(plain)
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The seed for a randomised test: MEMTABLE_SEED if set, else a fresh one. Printed either way. */
export function seedFor(name: string): number {
  const seed =
    process.env.MEMTABLE_SEED === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(process.env.MEMTABLE_SEED)
  console.log(`${name}: seed ${seed} (replay with MEMTABLE_SEED=${seed})`)
  return seed
}
