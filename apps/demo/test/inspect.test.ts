import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holdOpen, oneLineFailure, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
const db = join(root, 'db')
afterAll(() => removeScratch(root))

/** Flips one bit of the byte at `offset`. */
function damage(path: string, offset: number): void {
  const data = readFileSync(path)
  data[offset]! ^= 0x10
  writeFileSync(path, data)
}

const table = () => join(db, readdirSync(db).find((name) => name.endsWith('.sst'))!)
const manifest = () => join(db, readFileSync(join(db, 'CURRENT'), 'utf8').trim())

beforeAll(() => {
  // 1,000 records compacted into a table, then three writes left in the WAL.
  const file = join(root, 'records.jsonl')
  writeFileSync(
    file,
    Array.from({ length: 1000 }, (_, index) =>
      JSON.stringify({ key: `k${String(index).padStart(4, '0')}`, value: 'v'.repeat(index % 50) }),
    ).join('\n'),
  )
  expect(strata(['load', db, file]).code).toBe(0)
  expect(strata(['compact', db]).code).toBe(0)
  for (const key of ['w1', 'w2', 'w3']) expect(strata(['put', db, key, `value of ${key}`]).code).toBe(0)
})

describe('strata inspect', () => {
  it('dumps the WAL entry by entry, checksums verified', () => {
    const run = strata(['inspect', join(db, 'wal.log'), '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ kind: 'wal', status: 'clean', entries: 3, frames: 3, damage: null })
    expect(
      report.shownEntries.map((entry: { key: string; value: string }) => [entry.key, entry.value]),
    ).toEqual([
      ['w1', 'value of w1'],
      ['w2', 'value of w2'],
      ['w3', 'value of w3'],
    ])
    const text = strata(['inspect', join(db, 'wal.log')]).stdout
    expect(text).toMatch(
      /header {4}magic SWAL ✓ {2}format version 3 ✓ {2}checksum ✓ {2}synced through seq \d+/,
    )
    expect(text).toMatch(/end: clean/)
  })

  it('dumps a table: footer, properties, filter, index, blocks and every entry', () => {
    const run = strata(['inspect', table(), '--all', '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ kind: 'sst', status: 'ok', entryCount: 1000, problems: [] })
    expect(report.properties).toMatchObject({ entryCount: 1000, smallestKey: 'k0000', largestKey: 'k0999' })
    expect(report.dataBlocks.length).toBe(report.dataBlockCount)
    expect(report.dataBlockCount).toBeGreaterThan(1)
    // The engine's default codec, lz4, with each block's uncompressed length (JSON-like values).
    for (const block of report.dataBlocks) {
      expect(block.codec).toBe('lz4')
      expect(block.uncompressedLength).toBeGreaterThan(block.length * 1.2)
    }
    expect(report.shownEntries.map((entry: { key: string }) => entry.key)).toEqual(
      Array.from({ length: 1000 }, (_, index) => `k${String(index).padStart(4, '0')}`),
    )
    const text = strata(['inspect', table(), '--limit', '2']).stdout
    expect(text).toMatch(/footer {6}at [\d,]+: format version 2, magic ✓, checksum ✓/)
    expect(text).toMatch(/data blocks \d+: [\d,]+ bytes stored in [\d,]+ \(lz4; ratio \d\.\d\d\)/)
    expect(text).toMatch(/ {4}# +offset +bytes +codec +ratio +entries +check/)
    expect(text).toMatch(/ {5}0 +0 +[\d,]+ +lz4 +\d\.\d\d +[\d,]+ +✓/)
    expect(text).toMatch(/every checksum verified ✓/)
    expect(text).toMatch(/… 998 more entries/)
  })

  it('dumps the manifest edits and the state they replay to', () => {
    const report = JSON.parse(strata(['inspect', manifest(), '--json']).stdout)
    expect(report).toMatchObject({ kind: 'manifest', status: 'clean', damage: null })
    expect(report.state.levels.flat()).toHaveLength(1)
    expect(strata(['inspect', join(db, 'CURRENT')]).stdout).toMatch(/names MANIFEST-\d+ ✓/)
  })

  it('summarises a directory, one line per file, and reads a held LOCK', async () => {
    const holder = await holdOpen(db)
    try {
      const run = strata(['inspect', db])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/\.sst +SSTable, .* every checksum verified/)
      expect(run.stdout).toMatch(/wal\.log +write-ahead log/)
      expect(strata(['inspect', join(db, 'LOCK')]).stdout).toMatch(
        new RegExp(`held by process ${holder.pid}, which is running`),
      )
    } finally {
      holder.kill('SIGKILL')
      await new Promise((resolve) => holder.once('exit', resolve))
    }
    expect(strata(['inspect', join(db, 'LOCK')]).stdout).toMatch(/which no longer runs: stale/)
  })

  it('names the byte offset of a damaged WAL frame', () => {
    const copy = join(root, 'damaged-wal.log')
    writeFileSync(copy, readFileSync(join(db, 'wal.log')))
    const second = JSON.parse(strata(['inspect', copy, '--json']).stdout).shownEntries[1].offset as number
    // A payload byte (after the frame's length and salt).
    damage(copy, second + 10)
    const run = strata(['inspect', copy])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      new RegExp(`end: DAMAGED at byte ${second.toLocaleString('en-US')}: checksum mismatch`),
    )
    expect(oneLineFailure(run)).toMatch(
      new RegExp(`damaged-wal\\.log is damaged at byte ${second}: checksum mismatch — .*point-in-time`),
    )
    expect(JSON.parse(strata(['inspect', copy, '--json']).stdout).entries).toBe(1)
  })

  it('calls a torn WAL tail what it is, not damage', () => {
    const copy = join(root, 'torn-wal.log')
    const data = readFileSync(join(db, 'wal.log'))
    // A frame being appended when the process died: past the header's synced seq, cut short.
    const firstFrame = JSON.parse(strata(['inspect', join(db, 'wal.log'), '--json']).stdout).shownEntries[0]
      .offset as number
    writeFileSync(copy, Buffer.concat([data, data.subarray(firstFrame, firstFrame + 10)]))
    const run = strata(['inspect', copy])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/end: torn tail at byte [\d,]+ .*dropped at the next open/)
  })

  it('calls a synced WAL cut short damage, naming the seqs that are gone', () => {
    const copy = join(root, 'cut-wal.log')
    const data = readFileSync(join(db, 'wal.log'))
    writeFileSync(copy, data)
    truncateSync(copy, data.length - 3)
    const run = strata(['inspect', copy])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /end: DAMAGED at byte [\d,]+: the log ends at seq \d+ but its header records seq \d+ as synced/,
    )
  })

  it('names the block and byte offset of a damaged table block', () => {
    const copy = join(root, 'damaged.sst')
    writeFileSync(copy, readFileSync(table()))
    const block = JSON.parse(strata(['inspect', copy, '--json']).stdout).dataBlocks[1]
    damage(copy, block.offset + 20)
    const run = strata(['inspect', copy])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      new RegExp(
        `DAMAGED {5}data block #1 at byte ${block.offset.toLocaleString('en-US')}: checksum mismatch`,
      ),
    )
    expect(oneLineFailure(run)).toMatch(
      new RegExp(`damaged\\.sst is damaged at byte ${block.offset} \\(data #1 block\\): checksum mismatch`),
    )
  })

  it('names the byte offset of a damaged manifest edit', () => {
    const copy = join(root, 'MANIFEST-999999')
    writeFileSync(copy, readFileSync(manifest()))
    const edits = JSON.parse(strata(['inspect', copy, '--json']).stdout).edits
    const offset = edits[1].offset as number
    damage(copy, offset + 8)
    const run = strata(['inspect', copy])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(
      new RegExp(`MANIFEST-999999 is damaged at byte ${offset}: checksum mismatch`),
    )
  })

  it('tells the engine refuses a damaged WAL, and how to recover', () => {
    const copy = join(root, 'broken-db')
    strata(['put', copy, 'a', '1'])
    strata(['put', copy, 'b', '2'])
    const wal = join(copy, 'wal.log')
    const first = JSON.parse(strata(['inspect', wal, '--json']).stdout).shownEntries[0].offset as number
    damage(wal, first + 6)
    const run = strata(['get', copy, 'b'])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(
      new RegExp(
        `wal\\.log is damaged at byte ${first}.* — run \`strata inspect .*wal\\.log\`.*--wal-recovery point-in-time`,
      ),
    )
    const recovered = strata(['get', copy, 'a', '--wal-recovery', 'point-in-time'])
    expect(recovered.code).toBe(3)
  })

  it('refuses a file it cannot identify, and suggests --type', () => {
    const file = join(root, 'mystery.bin')
    writeFileSync(file, 'what is this')
    const run = strata(['inspect', file])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(/cannot tell what kind of file .* — pass --type wal, sst/)
  })
})
