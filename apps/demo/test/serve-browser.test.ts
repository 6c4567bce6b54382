/**
 * The page in a real browser: headless Chromium (Debian's `chromium`) loads `strata serve`'s
 * page while another process writes the database with small memtables (so flushes and
 * compactions happen), and the test reads from the page's DOM that the levels, their tables and
 * at least one compaction appeared. The screenshot is saved as test-artifacts/serve.png.
 * Without Chromium the test is skipped — except in CI (`CI` set), where .ci/run installs it and
 * its absence fails the test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ServeState } from '../src/serve/snapshot.js'
import { cli, packageDirectory, removeScratch, scratch } from './helpers.js'

const root = scratch()
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  removeScratch(root)
})

function findChromium(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  })
  const path = found.stdout.trim().split('\n')[0]
  return found.status === 0 && path ? path : undefined
}

const chromium = findChromium()
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
if (chromium === undefined && !inCI) {
  console.warn(
    'serve-browser.test.ts: skipped — no `chromium` or `chromium-browser` on PATH (apt-get install chromium); CI installs it and runs this test',
  )
}

/** Writes with small memtables: 30,000 entries quickly, then a batch every 100 ms. */
const WRITER = `
import { open } from '@strata/engine'
const database = await open(process.argv[1], { memtableBytes: 32 * 1024, level1Bytes: 128 * 1024, targetFileBytes: 32 * 1024 })
console.log('ready')
for (let written = 0; ; ) {
  const batch = []
  for (let index = 0; index < 200; index++, written++) {
    const key = String((written * 7919) % 100000).padStart(6, '0')
    batch.push({ type: 'put', key: Buffer.from('key:' + key), value: Buffer.alloc(100, written % 251) })
  }
  await database.batch(batch, { sync: false })
  if (written > 30000) await new Promise((resolve) => setTimeout(resolve, 100))
}
`

/** Starts `command`, resolves with the first match of `pattern` in its stdout. */
function startAndWaitFor(command: string, args: string[], pattern: RegExp): Promise<RegExpExecArray> {
  const child = spawn(command, args, { cwd: packageDirectory, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let text = ''
    const look = (chunk: Buffer) => {
      text += chunk.toString()
      const found = pattern.exec(text)
      if (found) resolve(found)
    }
    child.stdout!.on('data', look)
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${text}`)))
  })
}

describe.skipIf(chromium === undefined && !inCI)('the page in headless Chromium', () => {
  it('shows the levels, their tables and a compaction while another process writes', async () => {
    expect(chromium, 'CI is set but there is no chromium on PATH: .ci/run installs it').toBeDefined()
    const directory = join(root, 'written')
    await startAndWaitFor(process.execPath, ['--input-type=module', '-e', WRITER, directory], /ready/)
    const [, url] = await startAndWaitFor(
      process.execPath,
      [cli, 'serve', directory, '--port', '0'],
      /at (http:\/\/127\.0\.0\.1:\d+\/)$/m,
    )
    // Wait until the server has seen the writer compact.
    let state: ServeState | undefined
    for (const started = Date.now(); Date.now() - started < 20_000; ) {
      state = (await (await fetch(new URL('/api/state', url))).json()) as ServeState
      if ((state.seen.compaction ?? 0) >= 1) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(state?.mode).toBe('follow')
    expect(state?.seen.compaction, 'the server saw no compaction in 20 s').toBeGreaterThanOrEqual(1)

    const artifacts = join(packageDirectory, 'test-artifacts')
    mkdirSync(artifacts, { recursive: true })
    const screenshot = join(artifacts, 'serve.png')
    const condition =
      "document.querySelector('[data-event=compaction]') !== null && " +
      "[...document.querySelectorAll('[data-level]')].some((level) => Number(level.dataset.tableCount) > 0)"
    const driven = spawnSync(
      process.execPath,
      [
        '--experimental-websocket',
        join(packageDirectory, 'test', 'chromium-driver.mjs'),
        chromium!,
        url!,
        condition,
        screenshot,
        '15000',
      ],
      { encoding: 'utf8', timeout: 40_000 },
    )
    expect(driven.status, driven.stderr).toBe(0)
    const { met, html } = JSON.parse(driven.stdout) as { met: boolean; html: string }
    expect(met, 'the page never showed a compaction and a level with tables').toBe(true)

    // From the DOM: every level drawn, tables in level 0 or below, the compaction in the list.
    const levels = [...html.matchAll(/data-level="(\d+)" data-table-count="(\d+)"/g)].map((match) => ({
      level: Number(match[1]),
      tables: Number(match[2]),
    }))
    expect(levels.map((level) => level.level)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(levels.filter((level) => level.level > 0).some((level) => level.tables > 0)).toBe(true)
    expect(html).toMatch(/<li data-event="compaction">.*?compaction/)
    expect(html).toContain('data-connection="live"')
    expect(html).toContain('data-mode="follow"')
    expect(html).toMatch(/data-metric="space-amplification".*?<span class="value">\d+\.\d\d×<\/span>/)
    expect(html).toMatch(/data-memtable="active"/)

    const png = readFileSync(screenshot)
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(statSync(screenshot).size).toBeGreaterThan(10_000)

    // The timeline: moved back to the first frame, the page shows that moment, not the newest.
    const scrub =
      "(() => { const slider = document.getElementById('timeline'); if (page.frames.length < 3) return false; " +
      'document.body.dataset.liveEvents = String(page.frames[page.frames.length - 1].shownUpTo); ' +
      "slider.value = '0'; slider.dispatchEvent(new Event('input')); render(); return true })()"
    const scrubbed = spawnSync(
      process.execPath,
      [
        '--experimental-websocket',
        join(packageDirectory, 'test', 'chromium-driver.mjs'),
        chromium!,
        url!,
        scrub,
        join(artifacts, 'serve-scrubbed.png'),
        '15000',
      ],
      { encoding: 'utf8', timeout: 40_000 },
    )
    expect(scrubbed.status, scrubbed.stderr).toBe(0)
    const back = JSON.parse(scrubbed.stdout) as { met: boolean; html: string }
    expect(back.met).toBe(true)
    expect(back.html).toMatch(/as of [\d:.]+ \(frame 1 of [\d,]+\); press live to follow again/)
    expect(back.html).toContain('data-live="false"')
    const liveEvents = Number(/data-live-events="(\d+)"/.exec(back.html)?.[1])
    const shownEvents = Number(/([\d,]+) events up to this point/.exec(back.html)?.[1]?.replace(/,/g, ''))
    expect(shownEvents).toBeLessThan(liveEvents)
  }, 60_000)
})
