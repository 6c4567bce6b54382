/**
 * Test helpers: building tables from entry lists, and a sorted-array oracle that says what a
 * table read must return (the model the property tests compare against).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as nodePath from 'node:path'
import { compareBytes, type InternalEntry, inRange, type KeyRange, OpType } from '@strata/base'
import { TableBuilder, type TableBuilderOptions, type TableMeta } from '../src/index.js'

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (data: Uint8Array): string => new TextDecoder().decode(data)

export function put(key: string | Uint8Array, seq: number, value: string | Uint8Array): InternalEntry {
  return {
    key: typeof key === 'string' ? bytes(key) : key,
    seq,
    op: OpType.Put,
    value: typeof value === 'string' ? bytes(value) : value,
  }
}

export function del(key: string | Uint8Array, seq: number): InternalEntry {
  return { key: typeof key === 'string' ? bytes(key) : key, seq, op: OpType.Delete, value: null }
}

/** Internal order: key ascending, seq descending. */
export function sortInternal(entries: InternalEntry[]): InternalEntry[] {
  return [...entries].sort((a, b) => compareBytes(a.key, b.key) || b.seq - a.seq)
}

/** Builds a table at `path` from entries already in internal order. */
export async function buildTable(
  path: string,
  entries: InternalEntry[],
  options?: TableBuilderOptions,
): Promise<TableMeta> {
  const builder = new TableBuilder(path, options)
  for (const entry of entries) builder.add(entry)
  return builder.finish()
}

/** A fresh directory under the OS temp dir; remove it with `removeDirectory`. */
export function temporaryDirectory(): string {
  return fs.mkdtempSync(nodePath.join(os.tmpdir(), 'strata-sstable-test-'))
}

export function removeDirectory(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true })
}

/** Plain, comparable form of an entry (for `toEqual` and readable diffs). */
export function plain(entry: InternalEntry | undefined) {
  if (entry === undefined) return undefined
  return {
    key: Buffer.from(entry.key).toString('hex'),
    seq: entry.seq,
    op: entry.op,
    value: entry.value === null ? null : Buffer.from(entry.value).toString('hex'),
  }
}

export interface ReadOptions extends KeyRange {
  reverse?: boolean
  atSeq?: number
  versions?: 'visible' | 'all'
}

/** The oracle: what an iterator with `options` over `sorted` (internal order) yields. */
export function expectedScan(sorted: InternalEntry[], options: ReadOptions = {}): InternalEntry[] {
  const atSeq = options.atSeq ?? Number.MAX_SAFE_INTEGER
  const result: InternalEntry[] = []
  let lastKey: Uint8Array | undefined
  for (const entry of sorted) {
    if (!inRange(entry.key, options)) continue
    if (entry.seq > atSeq) continue
    if (options.versions !== 'all') {
      if (lastKey !== undefined && compareBytes(lastKey, entry.key) === 0) continue
      lastKey = entry.key
    }
    result.push(entry)
  }
  return options.reverse ? result.reverse() : result
}

/** The oracle for `get(key, atSeq)`: binary search for the first entry >= (key, atSeq). */
export function expectedGet(sorted: InternalEntry[], key: Uint8Array, atSeq = Number.MAX_SAFE_INTEGER) {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const entry = sorted[middle]!
    const order = compareBytes(entry.key, key)
    if (order < 0 || (order === 0 && entry.seq > atSeq)) low = middle + 1
    else high = middle
  }
  const found = sorted[low]
  return found !== undefined && compareBytes(found.key, key) === 0 ? found : undefined
}

/** A small deterministic generator (xorshift32) for tests that need many values fast. */
export function generator(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

/** A seed for a randomised test: STRATA_SEED from the environment to replay, else random.
 *  Printed with the test's name so a failure can be replayed. */
export function testSeed(name: string): number {
  const given = process.env.STRATA_SEED
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 0x7fff_ffff)
  console.log(`${name}: seed ${seed} (replay with STRATA_SEED=${seed})`)
  return seed
}
