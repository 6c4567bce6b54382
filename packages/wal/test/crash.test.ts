/**
 * A real crash: a child process appends with sync: true (and truncates as it goes) and is killed
 * with SIGKILL at a random moment; replay must then hold every acknowledged entry above the
 * truncations, each exactly as written, with no gap. Several rounds on the same file, so each
 * round also recovers the torn tail the previous kill left.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runUntilKilled } from '@strata/base/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { WALWriter } from '../src/index.js'
import { entryFor, plain, random, seedFor, tempDirectory } from './support.js'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url))

interface ChildLog {
  acknowledged: number[]
  truncationsStarted: number[]
  truncationsDone: number[]
}

/** Runs the child until it has acknowledged `acknowledgements` appends, then SIGKILLs it. */
async function runAndKill(path: string, acknowledgements: number, mode = 'truncate'): Promise<ChildLog> {
  const log: ChildLog = { acknowledged: [], truncationsStarted: [], truncationsDone: [] }
  let killed = false
  await runUntilKilled(
    ['--import', 'tsx', child, path, mode],
    (line, kill) => {
      const [kind, value] = line.split(' ')
      if (kind === 'A') log.acknowledged.push(Number(value))
      if (kind === 'T') log.truncationsStarted.push(Number(value))
      if (kind === 'D') log.truncationsDone.push(Number(value))
      if (!killed && log.acknowledged.length >= acknowledgements) {
        killed = true
        kill()
      }
    },
    { cwd: packageRoot },
  )
  return log
}

const directory = tempDirectory()
afterAll(() => directory.cleanup())

describe('a process killed with SIGKILL while appending with sync: true', () => {
  it('loses no acknowledged entry', async () => {
    const rng = random(seedFor('SIGKILL crash'))
    const path = join(directory.path, 'wal.log')
    let previousMax = 0
    for (let round = 0; round < 3; round++) {
      const log = await runAndKill(path, 200 + Math.floor(rng() * 800))
      expect(log.acknowledged.length).toBeGreaterThanOrEqual(200)
      expect(log.truncationsStarted.length).toBeGreaterThan(0)
      const writer = new WALWriter(path)
      const replayed = writer.replay()
      const present = replayed.map((entry) => entry.seq)
      // Everything acknowledged above the highest truncation asked for is there.
      const floor = Math.max(0, ...log.truncationsStarted)
      for (const seq of log.acknowledged) if (seq > floor) expect(present).toContain(seq)
      // Nothing at or below a finished truncation survives; nothing is wrong; no gap.
      const done = Math.max(0, ...log.truncationsDone)
      expect(present[0]).toBeGreaterThan(done)
      expect(replayed.map(plain)).toEqual(present.map((seq) => plain(entryFor(seq, 64))))
      const first = present[0]!
      expect(present).toEqual(present.map((_, index) => first + index))
      expect(present[present.length - 1]!).toBeGreaterThan(previousMax)
      previousMax = present[present.length - 1]!
      writer.close()
    }
  })

  it('into preallocated space (no truncation): loses nothing, and the kill leaves the zeros', async () => {
    const rng = random(seedFor('SIGKILL crash, preallocated'))
    const path = join(directory.path, 'grown.log')
    let acknowledged: number[] = []
    for (let round = 0; round < 2; round++) {
      const log = await runAndKill(path, 300 + Math.floor(rng() * 700), 'grow')
      acknowledged = [...acknowledged, ...log.acknowledged]
      const writer = new WALWriter(path, { recovery: 'strict' })
      const present = writer.replay().map((entry) => entry.seq)
      // The killed writer had space written ahead of its last frame: the file is longer than
      // the log, and the rest is zeros (strict accepts it: no torn tail).
      const report = writer.replayReport
      expect(report.fileBytes).toBeGreaterThan(report.validBytes)
      expect(present).toEqual(present.map((_, index) => index + 1))
      for (const seq of acknowledged) expect(present).toContain(seq)
      writer.close()
    }
  })
})
