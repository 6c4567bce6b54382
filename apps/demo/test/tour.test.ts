import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Frame } from '../src/serve/frames.js'
import { readStream } from './event-stream.js'
import { cli, oneLineFailure, packageDirectory, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

describe('strata tour', () => {
  const dir = join(root, 'tour')

  it('finishes on a small dataset, shows flushes, WAL truncations and compactions, and loses no acknowledged write', () => {
    const run = strata(['--dir', dir, '--records', '20000'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const crash =
      /crash check: ([\d,]+) acknowledged writes, ([\d,]+) found, 0 missing, 0 with a wrong value/.exec(
        run.stdout,
      )
    expect(crash, run.stdout).not.toBeNull()
    expect(crash![1]).toBe(crash![2])
    expect(Number(crash![1]!.replace(/,/g, ''))).toBeGreaterThan(0)
    expect(run.stdout).toMatch(/killed the writer \(SIGKILL\)/)
    expect(run.stdout).toMatch(/a full scan counts 20,000 events .*expected 20,000 ✓/)
    expect(run.stdout).toMatch(/· flush: memtable written to a level-0 table/)
    expect(run.stdout).toMatch(/· WAL truncated: /)
    expect(run.stdout).toMatch(/· compaction .*L0→L1/)
    expect(run.stdout).toMatch(/every value matches the generator ✓/)
    expect(run.stdout).toMatch(/range scan, user 7 .* \(the generator says [\d,]+, same keys ✓\)/)
    expect(run.stdout).toMatch(/^ {2}L1 .*│/m)
    expect(run.stdout).toMatch(/write amplification during the load \d+\.\d\d×/)
    expect(run.stdout).toMatch(/Try next:/)
    // Not a terminal: plain progress lines, no carriage returns.
    expect(run.stdout).toMatch(/loading: \d+% \([\d,]+ of 20,000 events\)/)
    expect(run.stdout).not.toContain('\r')
    expect(existsSync(join(dir, 'events', 'CURRENT'))).toBe(true)
  })

  it('starts over on a second run, and says so', () => {
    const run = strata(['--dir', dir, '--records', '5000', '--quiet'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/found an earlier tour's data there: starting over/)
    expect(run.stdout).toMatch(/a full scan counts 5,000 events/)
  })

  it('prints only the essentials with --quiet', () => {
    const run = strata(['tour', '--dir', dir, '--records', '5000', '--quiet'])
    expect(run.code).toBe(0)
    expect(run.stdout).not.toMatch(/· flush|loading:|1\. Load/)
    expect(run.stdout).toMatch(/0 missing/)
    expect(run.stdout.split('\n').length).toBeLessThan(30)
  })

  it('refuses a non-empty directory it did not make, and leaves it alone', () => {
    const foreign = join(root, 'foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'precious.txt'), 'keep me')
    const run = strata(['--dir', foreign, '--records', '5000'])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(/was not made by the tour — pass --dir with a new or empty directory/)
    expect(readFileSync(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me')
  })

  it('serves the live page of its database while it runs with --web', async () => {
    const tour = spawn(
      process.execPath,
      [cli, 'tour', '--dir', join(root, 'web'), '--records', '20000', '--quiet', '--web', '--port', '0'],
      { cwd: packageDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    const exited = new Promise<number | null>((resolve) => tour.on('exit', resolve))
    const url = await new Promise<string>((resolve, reject) => {
      tour.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const found =
          /^live page of the tour's database: (http:\/\/127\.0\.0\.1:\d+\/) \(local clients only; open it now\)$/m.exec(
            output,
          )
        if (found) resolve(found[1]!)
      })
      tour.on('exit', () => reject(new Error(`the tour ended without a page:\n${output}`)))
    })
    const events = await readStream(url, (events) =>
      events.some(
        (event) =>
          event.name === 'frame' &&
          (event.data as Frame).events.some((page) => page.type === 'compaction' && page.phase === 'end'),
      ),
    )
    expect(events[0]?.name).toBe('hello')
    const frames = events.slice(1).map((event) => event.data as Frame)
    expect(frames.flatMap((frame) => frame.events.map((event) => event.type))).toContain('flush')
    expect(await exited, output).toBe(0)
    // The page ends with the tour.
    await expect(fetch(url)).rejects.toThrow()
  })
})
