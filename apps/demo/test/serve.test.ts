/**
 * `strata serve`'s server, in this process on a database it opened: the page and its files, the
 * state, the event stream (a hello to replay, then frames whose tree changes add up to the
 * database's tree), and the refusal of anything that is not a read. Then the command itself:
 * its printed address, its usage errors, and a database another process holds followed through
 * a read-only open.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Database, open, type TableView } from '@strata/engine'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Frame } from '../src/serve/frames.js'
import { LiveFeed } from '../src/serve/live-feed.js'
import { type RunningServer, startServer } from '../src/serve/server.js'
import type { ServeState } from '../src/serve/snapshot.js'
import { readStream } from './event-stream.js'
import { cli, holdOpen, oneLineFailure, packageDirectory, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

function request(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, init)
}

function fileNumbers(database: Database<string, string>): number[] {
  return database
    .levels()
    .flatMap((level) => level.tables.map((table) => table.fileNumber))
    .sort((a, b) => a - b)
}

async function flushTables(database: Database<string, string>, count: number, first: number): Promise<void> {
  for (let table = 0; table < count; table++) {
    await database.batch(
      Array.from({ length: 50 }, (_, index) => ({
        type: 'put' as const,
        key: `key-${String(index).padStart(3, '0')}`,
        value: `value ${first + table}`,
      })),
    )
    await database.flush()
  }
}

describe('the page server', () => {
  const directory = join(root, 'own')
  let database: Database<string, string>
  let feed: LiveFeed
  let server: RunningServer

  beforeAll(async () => {
    database = await open(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await flushTables(database, 2, 0)
    feed = new LiveFeed({ directory, tickMs: 50, memtableLimitBytes: 4 * 1024 * 1024 })
    feed.attach(database)
    server = await startServer(feed, { port: 0 })
  })
  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it('listens on 127.0.0.1 by default', () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
  })

  it('serves the page, its script and style, nothing from elsewhere', async () => {
    const page = await request(server.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/)
    const html = await page.text()
    expect(html).toContain('<script src="/app.js"></script>')
    expect(html).not.toMatch(/https?:\/\//)
    const script = await request(new URL('/app.js', server.url).href)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain("new EventSource('/api/events')")
    const style = await request(new URL('/style.css', server.url).href)
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const head = await request(server.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    expect((await request(new URL('/../package.json', server.url).href)).status).toBe(404)
    expect((await request(new URL('/api/nothing', server.url).href)).status).toBe(404)
  })

  it('answers the state: the tree, the stats and the memtable limit', async () => {
    const state = (await (await request(new URL('/api/state', server.url).href)).json()) as ServeState
    expect(state).toMatchObject({ directory, mode: 'own', memtableLimitBytes: 4 * 1024 * 1024 })
    expect(state.levels.flatMap((level) => level.tables.map((table) => table.fileNumber)).sort()).toEqual(
      fileNumbers(database),
    )
    expect(state.stats?.lastSeq).toBe(database.stats().lastSeq)
  })

  it('refuses anything but GET and HEAD, and changes nothing', async () => {
    const before = { files: readdirSync(directory).sort(), seq: database.stats().lastSeq }
    for (const path of ['/', '/api/state', '/api/events', '/api/put']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const response = await request(new URL(path, server.url).href, {
          method,
          body: method === 'OPTIONS' ? undefined : 'key=value',
        })
        expect(response.status, `${method} ${path}`).toBe(405)
        expect(response.headers.get('allow')).toBe('GET, HEAD')
      }
    }
    expect({ files: readdirSync(directory).sort(), seq: database.stats().lastSeq }).toEqual(before)
  })

  it("refuses a rebound DNS name and another page's script", async () => {
    const { request: httpRequest } = await import('node:http')
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        httpRequest(server.url, { headers }, (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
          .on('error', reject)
          .end()
      })
    expect(await status({ host: `evil.example:${server.port}` })).toBe(421)
    expect(await status({ origin: 'https://evil.example' })).toBe(403)
    expect(await status({ origin: server.url.slice(0, -1) })).toBe(200)
  })

  it('streams a hello, then frames with the flushes and compactions, whose tree changes add up', async () => {
    const reading = readStream(server.url, (events) =>
      events.some(
        (event) =>
          event.name === 'frame' &&
          (event.data as Frame).events.some((page) => page.type === 'compaction' && page.phase === 'end'),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    // Two tables were there; two more reach the level-0 trigger (4): a compaction follows.
    await flushTables(database, 2, 2)
    const events = await reading
    expect(events[0]?.name).toBe('hello')
    const hello = events[0]!.data as { state: ServeState; base: TableView[]; frames: Frame[] }
    expect(hello.state.mode).toBe('own')
    const frames = [...hello.frames, ...events.slice(1).map((event) => event.data as Frame)]
    const kinds = frames.flatMap((frame) =>
      frame.events.map((event) => `${event.type}:${'phase' in event ? event.phase : ''}`),
    )
    expect(kinds).toContain('flush:end')
    expect(kinds).toContain('compaction:begin')
    expect(kinds).toContain('compaction:end')
    expect(frames.map((frame) => frame.seq)).toEqual(frames.map((_, index) => frames[0]!.seq + index))
    // Once the frame after the compaction's edit is out, a page opening replays to the tree.
    let replayedTree: number[] = []
    for (let attempt = 0; attempt < 50; attempt++) {
      const hello = (await readStream(server.url, (events) => events.length >= 1))[0]!.data as {
        base: TableView[]
        frames: Frame[]
      }
      const tables = new Map(hello.base.map((table) => [table.fileNumber, table]))
      for (const frame of hello.frames) {
        for (const fileNumber of frame.removed) tables.delete(fileNumber)
        for (const table of frame.added) tables.set(table.fileNumber, table)
      }
      replayedTree = [...tables.keys()].sort((a, b) => a - b)
      if (replayedTree.join() === fileNumbers(database).join()) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(replayedTree).toEqual(fileNumbers(database))
    expect(database.levels()[1]!.tables.length).toBeGreaterThan(0)
  })
})

describe('strata serve', () => {
  it('prints its address and who may connect, and stops after --seconds', () => {
    const directory = join(root, 'printed')
    expect(strata(['put', directory, 'key', 'value']).code).toBe(0)
    const run = strata(['serve', directory, '--port', '0', '--seconds', '1'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^serving .*printed \(opened by this process\) at http:\/\/127\.0\.0\.1:\d+\/$/m,
    )
    expect(run.stdout).toMatch(
      /^listening on 127\.0\.0\.1 port \d+: local clients only; the page only reads; for 1 s$/m,
    )
  })

  it('refuses a port out of range and a missing database', () => {
    const badPort = strata(['serve', root, '--port', '70000'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toMatch(/--port must be at most 65535/)
    const missing = strata(['serve', join(root, 'absent'), '--port', '0', '--seconds', '1'])
    expect(missing.code).toBe(1)
    expect(oneLineFailure(missing)).toMatch(/does not exist/)
  })

  it('follows a database another process holds through a read-only open, changing nothing', async () => {
    const locked = join(root, 'locked')
    const holder = await holdOpen(locked)
    const server = spawn(process.execPath, [cli, 'serve', locked, '--port', '0', '--seconds', '20'], {
      cwd: packageDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const before = readdirSync(locked).sort()
      const url = await new Promise<string>((resolve, reject) => {
        let text = ''
        server.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString()
          const found = /at (http:\/\/\S+)$/m.exec(text)
          if (found) resolve(found[1]!)
        })
        server.on('exit', (code) => reject(new Error(`strata serve exited with ${code}: ${text}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const state = (await (await fetch(new URL('/api/state', url))).json()) as ServeState
      expect(state.mode).toBe('follow')
      expect(readdirSync(locked).sort()).toEqual(before)
    } finally {
      server.kill('SIGTERM')
      holder.kill('SIGKILL')
    }
  })
})
