/**
 * A short narrated run of @strata/wal: append, group commit, a torn tail tolerated on replay,
 * truncateBefore. `npx pnpm@12.4.2 --filter @strata/wal demo` (or `node --import tsx demo/index.ts`).
 * Works in a fresh temp directory, removed at the end.
 */
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { WALEntry, WALManager } from '../src/index.js'

const text = new TextEncoder()
const say = (line = '') => console.log(line)
const directory = mkdtempSync(join(tmpdir(), 'strata-wal-demo-'))
const path = join(directory, 'wal.log')

async function main(): Promise<void> {
  say(`@strata/wal demo — WAL file ${path}`)
  say()
  say('1. Append: each append is one frame [length][msgpack entry][CRC32C], fsynced before it resolves.')
  const counting = new FaultyFileSystem(new NodeFileSystem())
  let wal = WALManager.open(path, { fs: counting })
  await wal.append(WALEntry.put(1, text.encode('apple'), text.encode('red')))
  await wal.append(WALEntry.put(2, text.encode('banana'), text.encode('yellow')))
  await wal.append(WALEntry.delete(3, text.encode('apple')))
  await wal.appendBatch([
    WALEntry.put(4, text.encode('cherry'), text.encode('dark red')),
    WALEntry.put(5, text.encode('damson'), text.encode('purple')),
  ])
  say(`   4 appends (the last an atomic batch of 2); log is ${wal.sizeBytes} bytes.`)
  say()

  say('2. Group commit: 500 appends issued at once share writes and fsyncs.')
  const fsyncsBefore = counting.counts.fsync
  const writesBefore = counting.counts.write
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 500 }, (_, index) =>
      wal.append(WALEntry.put(6 + index, text.encode(`key-${index}`), text.encode(`value-${index}`))),
    ),
  )
  say(
    `   500 durable appends in ${(performance.now() - started).toFixed(1)} ms with ${
      counting.counts.write - writesBefore
    } write(s) and ${counting.counts.fsync - fsyncsBefore} fsync(s).`,
  )
  await wal.close()
  say()

  say('3. A torn tail: the process dies halfway through writing the last frame.')
  const size = statSync(path).size
  truncateSync(path, size - 7)
  say(`   Cut the file from ${size} to ${size - 7} bytes (the last frame lost its final 7 bytes).`)
  wal = WALManager.open(path)
  const entries = wal.replay()
  const report = wal.replayReport
  say(
    `   replay() → ${entries.length} entries, last good seq ${report.lastGoodSeq}; torn tail dropped: ${report.tornTail?.bytes} bytes at offset ${report.tornTail?.offset} (${report.tornTail?.reason}).`,
  )
  await wal.append(WALEntry.put(505, text.encode('key-499'), text.encode('value-499 again')))
  say(`   The next append first cut the file back to the last good frame; seq 505 appended after it.`)
  say()

  say('4. truncateBefore: after a flush, drop everything at or below the flushed seq.')
  const before = wal.sizeBytes
  const appending = Array.from({ length: 100 }, (_, index) =>
    wal.append(WALEntry.put(506 + index, text.encode(`late-${index}`), text.encode('kept'))),
  )
  await wal.truncateBefore(500)
  await Promise.all(appending)
  const kept = wal.replay()
  say(
    `   truncateBefore(500) while 100 more appends ran: ${before} → ${wal.sizeBytes} bytes; ${kept.length} entries kept, seqs ${kept[0]?.seq}..${kept[kept.length - 1]?.seq}.`,
  )
  await wal.close()
  say()
  say('Done.')
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => rmSync(directory, { recursive: true, force: true }))
