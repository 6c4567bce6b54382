// The page server under load: a made-up tree of TABLES tables (spread over levels 0-4 like a
// large database) and about EVENTS events a second (compactions in level 3, each a begin, a
// version and an end event, with the tree changing under them), served to one reader of the
// event stream. Prints the CPU time of this process per wall second (the server and the made-up
// load together: an upper bound for the server) and the stream's bytes a second.
//   node bench/serve-load.mjs [tables=5000] [events=750] [seconds=10] [port=0] [stay]
// With `stay` it keeps serving after printing, so a browser can be pointed at it.
// Needs the package built (dist/).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from '@strata/engine'
import { LiveFeed } from '../dist/serve/live-feed.js'
import { startServer } from '../dist/serve/server.js'

const [tables = 5000, events = 750, seconds = 10, port = 0] = process.argv.slice(2, 6).map(Number)
const stay = process.argv[6] === 'stay'
const scratch = mkdtempSync(join(tmpdir(), 'strata-serve-load-'))
// A real (empty) database for the stats; the tree and the events are made up.
const database = await open(join(scratch, 'db'))
const hex = (value) => value.toString(16).padStart(8, '0')
const shares = [8, 40, 300, 1200, 3452]
let nextFile = 1
let levels = Array.from({ length: 7 }, (_, level) => {
  const count = Math.round(((shares[level] ?? 0) * tables) / 5000)
  return {
    level,
    bytes: 0,
    tables: Array.from({ length: count }, (_, index) => ({
      fileNumber: nextFile++,
      level,
      fileBytes: 2_000_000,
      entries: 10_000,
      tombstones: 0,
      smallestKey: level === 0 ? hex(0) : hex(Math.floor((index / count) * 2 ** 32)),
      largestKey: level === 0 ? hex(2 ** 32 - 1) : hex(Math.floor(((index + 1) / count) * 2 ** 32) - 1),
      minSeq: 1,
      maxSeq: 2,
    })),
  }
})
const listeners = new Map()
const source = {
  readOnly: false,
  on(name, listener) {
    if (!listeners.has(name)) listeners.set(name, [])
    listeners.get(name).push(listener)
  },
  off(name, listener) {
    const list = listeners.get(name) ?? []
    list.splice(list.indexOf(listener), 1)
  },
  levels: () => levels,
  stats: () => database.stats(),
}
function emit(type, fields) {
  for (const listener of listeners.get(type) ?? []) listener({ type, timestampMs: Date.now(), ...fields })
}

const feed = new LiveFeed({ directory: join(scratch, 'db'), memtableLimitBytes: 4 * 1024 * 1024 })
feed.attach(source)
const server = await startServer(feed, { port })
console.log(`serving ${tables} tables, ~${events} events/s at ${server.url}`)

let jobId = 0
const compactionsPerTick = Math.max(0, Math.round(events / 3 / 10))
const load = setInterval(() => {
  for (let count = 0; count < compactionsPerTick; count++) {
    const job = ++jobId
    const level3 = levels[3].tables
    const at = Math.floor(Math.random() * Math.max(1, level3.length - 3))
    const inputs = level3.slice(at, at + 3)
    const common = {
      jobId: job,
      reason: 'level-size',
      level: 3,
      outputLevel: 3,
      trivialMove: false,
      inputs,
      inputBytes: 6e6,
    }
    emit('compaction', { phase: 'begin', ...common })
    const outputs = inputs.map((table) => ({ ...table, fileNumber: nextFile++ }))
    levels = levels.map((level) =>
      level.level === 3
        ? { ...level, tables: [...level3.slice(0, at), ...outputs, ...level3.slice(at + 3)] }
        : level,
    )
    emit('version', {
      cause: 'compaction',
      jobId: job,
      added: outputs.map((table) => table.fileNumber),
      removed: inputs.map((table) => table.fileNumber),
      levels,
    })
    emit('compaction', {
      phase: 'end',
      ...common,
      outputs,
      outputBytes: 6e6,
      bytesRead: 6e6,
      bytesWritten: 6e6,
      droppedVersions: 0,
      droppedTombstones: 0,
      durationMs: 30,
    })
  }
}, 100)

let streamBytes = 0
const reader = new AbortController()
const reading = (async () => {
  const response = await fetch(new URL('/api/events', server.url), { signal: reader.signal })
  for await (const chunk of response.body) streamBytes += chunk.length
})().catch(() => {})
const cpuBefore = process.cpuUsage()
const started = performance.now()
await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
const cpu = process.cpuUsage(cpuBefore)
const wallMs = performance.now() - started
console.log(
  JSON.stringify({
    tables,
    eventsPerSecond: Math.round(((feed.state().seen.compaction ?? 0) * 3 * 1000) / wallMs),
    serverCpuMsPerSecond: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000),
    streamKiBPerSecond: Math.round(streamBytes / 1024 / (wallMs / 1000)),
  }),
)
if (!stay) {
  clearInterval(load)
  reader.abort()
  await reading
  await server.close()
  await database.close()
  rmSync(scratch, { recursive: true, force: true })
}
