/**
 * Model-based: random appends (synced or not, single or batched), truncations and a power cut
 * at a random moment, on the in-memory file system that keeps only fsynced bytes and
 * dir-synced names. After recovery: every synced acknowledged entry above the truncations is
 * there, nothing at or below a finished truncation is, every entry is exactly as written, and
 * the seqs have no gap.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { WALManager, WALWriter } from '../src/index.js'
import { entryFor, plain, random, seedFor } from './support.js'

describe('power cut at a random moment', () => {
  it('keeps every synced acknowledged entry (many seeded runs)', async () => {
    const seed = seedFor('power cut model')
    for (let run = 0; run < 40; run++) {
      const rng = random(seed + run)
      const fs = new MemoryFileSystem()
      let seq = 0
      // A truncation in flight at the cut may or may not have taken effect: entries at or below
      // the highest one started may be gone; none at or below the highest one finished remains.
      let floorStarted = 0
      let floorDone = 0
      const synced = new Set<number>()
      const unexpected: string[] = []
      let stop = false
      // Several sessions: each ends with a power cut, the next reopens the same file.
      for (let session = 0; session < 3; session++) {
        // After the cut, the log's pending header write (the synced seq, written at most every
        // 50 ms) fails on the dead descriptors: that warning is expected, any other is not.
        const thisSession = { cut: false }
        const onWarning = (message: string, error: unknown) => {
          if (!thisSession.cut || (error as { code?: string }).code !== 'EBADF') {
            unexpected.push(`${message}: ${error}`)
          }
        }
        const manager = WALManager.open('/db/wal.log', { fs, onWarning })
        const recovered = manager.replay().map((entry) => entry.seq)
        for (const acknowledged of synced)
          if (acknowledged > floorStarted) expect(recovered).toContain(acknowledged)
        // Seqs assigned but lost in the cut are assigned again (as an engine would after recovery).
        seq = manager.lastSeq ?? seq
        stop = false
        const cutAfter = 20 + Math.floor(rng() * 200)
        let operations = 0
        const workers = Array.from({ length: 4 }, async () => {
          while (!stop) {
            const choice = rng()
            try {
              if (choice < 0.05 && seq > 10) {
                const upTo = seq - Math.floor(rng() * 10) - 1
                floorStarted = Math.max(floorStarted, upTo)
                await manager.truncateBefore(upTo)
                if (!stop) floorDone = Math.max(floorDone, upTo)
              } else if (choice < 0.2) {
                const batch = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => entryFor(++seq))
                const sync = rng() < 0.7
                await manager.appendBatch(batch, { sync })
                if (sync && !stop) for (const entry of batch) synced.add(entry.seq)
              } else {
                const entry = entryFor(++seq)
                const sync = rng() < 0.7
                await manager.append(entry, { sync })
                if (sync && !stop) synced.add(entry.seq)
              }
            } catch {
              return // the power cut broke the descriptors: this session is over
            }
            if (++operations === cutAfter && !stop) {
              stop = true
              thisSession.cut = true
              fs.powerLoss()
            }
          }
        })
        await Promise.all(workers)
      }
      // Let the cut sessions' header timers fire (into dead descriptors) before judging.
      await new Promise((resolve) => setTimeout(resolve, 60))
      expect(unexpected).toEqual([])
      const replayed = new WALWriter('/db/wal.log', { fs }).replay()
      const present = replayed.map((entry) => entry.seq)
      for (const acknowledged of synced)
        if (acknowledged > floorStarted) expect(present).toContain(acknowledged)
      expect(replayed.map(plain)).toEqual(present.map((next) => plain(entryFor(next))))
      if (present.length > 0) expect(present[0]).toBeGreaterThan(floorDone)
      for (let index = 1; index < present.length; index++)
        expect(present[index]).toBe(present[index - 1]! + 1)
    }
  })
})
