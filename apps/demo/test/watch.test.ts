/**
 * `strata watch <dir>`: the events of the database's own background work (here, the
 * compaction its open starts on a level 0 at the trigger), as lines or as JSON; a database
 * another process holds is followed through a read-only open.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { open } from '@strata/engine'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holdOpen, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

/** A database whose level 0 holds 4 overlapping tables (the compaction trigger), uncompacted. */
async function level0AtTrigger(directory: string): Promise<void> {
  const database = await open(directory, {
    autoCompaction: false,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
  })
  for (let table = 0; table < 4; table++) {
    await database.batch(
      Array.from({ length: 100 }, (_, index) => ({
        type: 'put' as const,
        key: `key-${String(index).padStart(3, '0')}`,
        value: `value ${table}`,
      })),
    )
    await database.flush()
  }
  await database.close()
}

describe('strata watch', () => {
  const text = join(root, 'text')
  const json = join(root, 'json')
  beforeAll(async () => {
    await level0AtTrigger(text)
    await level0AtTrigger(json)
  })

  it('prints the compaction the open starts, then a summary', () => {
    const run = strata(['watch', text, '--seconds', '1'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^watching .*: tree L0 4 \(4 tables\) for 1 s$/m)
    expect(run.stdout).toMatch(
      /^· compaction L0→L1: 4 tables in, 1 table out, read .*, dropped 300 old versions and 0 tombstones .*· tree now L1 1$/m,
    )
    expect(run.stdout).toMatch(
      /watched .*: 0 flushes, 0 WAL truncations, 1 compactions, 0 trivial moves, 0 write stalls · tree L1 1/,
    )
  })

  it('prints each event as one JSON object with --json', () => {
    const run = strata(['watch', json, '--seconds', '1', '--json'])
    expect(run.code).toBe(0)
    const events = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((event) => `${event.type}${event.phase ? `:${event.phase}` : ''}`)).toEqual([
      'compaction:begin',
      'version',
      'compaction:end',
    ])
    const [begin, version, end] = events
    expect(begin).toMatchObject({ reason: 'level0-files', level: 0, outputLevel: 1, trivialMove: false })
    expect(begin.inputs).toHaveLength(4)
    expect(end).toMatchObject({ jobId: begin.jobId, droppedVersions: 300 })
    expect(end.outputs[0].smallestKey).toBe(Buffer.from('key-000').toString('hex'))
    expect(version.levels[1].tables).toEqual(end.outputs)
  })

  it('follows a database another process holds through a read-only open, changing nothing', async () => {
    const locked = join(root, 'locked')
    const holder = await holdOpen(locked)
    try {
      const before = readdirSync(locked).sort()
      const run = strata(['watch', locked, '--seconds', '1'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/watching /)
      expect(readdirSync(locked).sort()).toEqual(before)
    } finally {
      holder.kill('SIGKILL')
    }
  })
})
