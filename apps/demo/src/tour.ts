/**
 * `strata` (or `strata tour`): the guided tour. On a data directory it creates and names, it
 * loads a deterministic dataset (flushes, WAL truncations and compactions shown as they
 * happen), queries it with timings, crashes a writer with SIGKILL and counts that every
 * acknowledged write came back, draws the tree, and prints the commands to try next.
 *
 * Every number it states is measured or counted in this run; query results are checked against
 * the generator, which knows exactly what was loaded.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, isAbsolute, join, relative, resolve } from 'node:path'
import { seededRandom } from '@strata/base'
import { type Database, type DatabaseStats, type OpenOptions, open } from '@strata/engine'
import { checkCrashWrites, runAndKill } from './crash.js'
import { DEFAULT_SEED, eventKey, eventValue, generateEvents, type TourEvent, userPrefix } from './dataset.js'
import { CliError, ExitCode } from './failure.js'
import { formatBytes, formatCount, formatDuration, formatRate, padEnd } from './format.js'
import { prefixEnd } from './keyvalue.js'
import type { Reporter } from './reporter.js'
import { LiveFeed } from './serve/live-feed.js'
import { type RunningServer, startServer } from './serve/server.js'
import { describeAccess } from './serve-command.js'
import { readTree, renderTree } from './tree.js'
import { EventWatcher, shape, shapeOf } from './watch.js'

export const DEFAULT_RECORDS = 500_000
export const DEFAULT_TOUR_DIR = '.strata-demo'
/** The file that marks a directory as the tour's, so a second run may safely start it over. */
export const TOUR_MARKER = 'STRATA-TOUR'
const BATCH = 1000
const MiB = 1024 * 1024

export interface TourOptions {
  dir: string
  records: number
  quiet: boolean
  seed?: number
  /** Serve the live page of the tour's database (as `strata serve`) while the tour runs. */
  web?: { port: number; host?: string }
}

/** The page of `strata tour --web`: follows each open of the tour's database in turn. */
interface TourPage {
  feed: LiveFeed
  server: RunningServer
}

async function startTourPage(
  directory: string,
  web: NonNullable<TourOptions['web']>,
  memtableLimitBytes: number | undefined,
  reporter: Reporter,
): Promise<TourPage> {
  const feed = new LiveFeed({ directory, memtableLimitBytes })
  const host = web.host ?? '127.0.0.1'
  try {
    const server = await startServer(feed, { host, port: web.port })
    reporter.essential(
      `live page of the tour's database: ${server.url} (${describeAccess(host)}; open it now)`,
    )
    return { feed, server }
  } catch (error) {
    feed.close()
    throw error
  }
}

/** Sizes that make the tour's dataset build a tree of a few levels (the defaults suit GBs):
 *  a memtable of about 1/24 of the data (64 KiB to 2 MiB), level 1 four memtables, tables one. */
export function tourOpenOptions(records: number): OpenOptions {
  const estimated = records * 120
  const memtableBytes = Math.max(64 * 1024, Math.min(2 * MiB, Math.round(estimated / 24 / 4096) * 4096))
  return { memtableBytes, level1Bytes: memtableBytes * 4, targetFileBytes: memtableBytes }
}

/** A command as the user can type it from where they are. */
function commandName(): string {
  const script = process.argv[1] ?? 'strata'
  if (basename(script) !== 'cli.js') return 'strata'
  const path = relative(process.cwd(), script)
  return `node ${path.startsWith('..') || isAbsolute(path) ? script : path}`
}

/** How to name `path` for the user: relative to the current directory when inside it. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path)
  return shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? path : shown
}

function lockOwner(directory: string): number | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(directory, 'LOCK'), 'utf8')) as { pid?: unknown }
    if (typeof owner.pid !== 'number' || owner.pid === process.pid) return undefined
    process.kill(owner.pid, 0)
    return owner.pid
  } catch {
    return undefined
  }
}

/** Makes `root` a fresh tour directory: a new or empty one, or an earlier tour's (reset). */
function prepareDirectory(root: string, reporter: Reporter): void {
  if (existsSync(root)) {
    const entries = readdirSync(root)
    if (entries.length > 0 && !entries.includes(TOUR_MARKER)) {
      throw new CliError(
        `${root} exists and was not made by the tour`,
        'pass --dir with a new or empty directory (the tour deletes its own data on the next run)',
      )
    }
    const owner = lockOwner(join(root, 'events'))
    if (owner !== undefined) {
      throw new CliError(
        `${root} is in use by process ${owner} (another tour, or a command on its database)`,
        'let it finish or close it, then run the tour again',
      )
    }
    if (entries.length > 0) {
      reporter.essential(`found an earlier tour's data there: starting over (deleting it first)`)
      rmSync(root, { recursive: true, force: true })
    }
  }
  mkdirSync(root, { recursive: true })
  writeFileSync(
    join(root, TOUR_MARKER),
    'Made by `strata tour`. The next tour run deletes and recreates this directory; delete it any time.\n',
  )
}

export async function runTour(options: TourOptions, reporter: Reporter): Promise<ExitCode> {
  const tourStarted = performance.now()
  const seed = options.seed ?? DEFAULT_SEED
  const root = resolve(options.dir)
  const directory = join(root, 'events')
  const shown = displayPath(directory)
  const strata = commandName()
  const openOptions = tourOpenOptions(options.records)

  reporter.essential('strata tour — an embedded, durable, ordered key-value store (an LSM tree), end to end')
  reporter.essential(
    `data directory: ${displayPath(root)}${root === resolve(DEFAULT_TOUR_DIR) ? ' (the default: ./.strata-demo under the current directory, git-ignored in the strata repository)' : ''}`,
  )
  prepareDirectory(root, reporter)
  reporter.say(`  the database lives in ${shown}; it stays there after the tour so you can explore it`)

  // ---------------------------------------------------------------------------------- 1 load
  reporter.say()
  reporter.say(`1. Load ${formatCount(options.records)} events`)
  reporter.say(
    `   keys user:<id>:<timestamp ms>, JSON values, generated from seed ${seed} (same data every run);`,
  )
  reporter.say(
    `   batches of ${formatCount(BATCH)}: each batch is one atomic write, acknowledged once fsynced (sync: true)`,
  )
  reporter.say(
    `   sizes made small for the demo so the tree grows a few levels: memtable ${formatBytes(openOptions.memtableBytes!)}, ` +
      `level 1 ${formatBytes(openOptions.level1Bytes!)}, tables ${formatBytes(openOptions.targetFileBytes!)} (defaults: 4 MiB, 64 MiB, 8 MiB)`,
  )
  const page =
    options.web === undefined
      ? undefined
      : await startTourPage(directory, options.web, openOptions.memtableBytes, reporter)
  try {
    return await tourSteps(options, reporter, {
      tourStarted,
      seed,
      directory,
      shown,
      strata,
      openOptions,
      page,
    })
  } finally {
    await page?.server.close()
  }
}

async function tourSteps(
  options: TourOptions,
  reporter: Reporter,
  context: {
    tourStarted: number
    seed: number
    directory: string
    shown: string
    strata: string
    openOptions: OpenOptions
    page: TourPage | undefined
  },
): Promise<ExitCode> {
  const { tourStarted, seed, directory, shown, strata, openOptions, page } = context
  let db: Database = await open(directory, openOptions)
  page?.feed.attach(db)
  let loadStats: DatabaseStats
  try {
    const watcher = new EventWatcher(db, (event) => reporter.say(`   · ${event.text}`))
    const progress = reporter.progress('   loading', options.records, 'events')
    let batch: { type: 'put'; key: Buffer; value: Buffer }[] = []
    let loaded = 0
    for (const event of generateEvents(options.records, seed)) {
      batch.push({ type: 'put', key: Buffer.from(eventKey(event)), value: Buffer.from(eventValue(event)) })
      if (batch.length === BATCH) {
        await db.batch(batch, { sync: true })
        loaded += batch.length
        batch = []
        progress.update(loaded)
      }
    }
    if (batch.length > 0) {
      await db.batch(batch, { sync: true })
      loaded += batch.length
    }
    const loadMs = progress.finish()
    const afterLoad = db.stats()
    reporter.essential(
      `   loaded ${formatCount(loaded)} events (${formatBytes(afterLoad.userBytesWritten)} of keys and values) in ` +
        `${formatDuration(loadMs)}: ${formatRate(loaded, loadMs, 'events')} · ${watcher.flushes} flushes, ` +
        `${watcher.walTruncations} WAL truncations, ${watcher.compactions} compactions, ${watcher.trivialMoves} trivial moves`,
    )
    if (watcher.compacting) {
      reporter.say(
        '   background compaction is still running; waiting for it to settle (reads work meanwhile)…',
      )
      const settleStarted = performance.now()
      await watcher.settled(30_000)
      reporter.say(
        `   settled in ${formatDuration(performance.now() - settleStarted)}: tree ${shapeOf(watcher.tree)}`,
      )
    }
    watcher.detach()
    loadStats = db.stats()

    // ------------------------------------------------------------------------------- 2 query
    reporter.say()
    reporter.say('2. Query it')
    await queries(db, options.records, seed, reporter)
  } catch (error) {
    page?.feed.detach()
    await db.close().catch(() => {})
    throw error
  }

  // ---------------------------------------------------------------------------------- 3 crash
  reporter.say()
  reporter.say('3. Crash it for real')
  const closeStarted = performance.now()
  page?.feed.detach()
  await db.close()
  reporter.say(
    `   closed the database (${formatDuration(performance.now() - closeStarted)}); a child process now writes to it with sync: true,`,
  )
  reporter.say('   printing each key as its write is acknowledged; we kill it with SIGKILL mid-stream')
  const run = await runAndKill(directory, {
    killAfterAcks: Math.max(200, Math.min(3000, Math.round(options.records / 100))),
    killAfterMs: 1500,
    seedArgs: ['--records', String(options.records)],
  })
  reporter.say(
    `   killed the writer (${run.signal ?? 'exited'}) after ${formatDuration(run.ranMs)}: ${formatCount(run.acknowledged.length)} writes acknowledged, ` +
      `${formatCount(run.inFlight.length)} in flight (sent, not acknowledged)`,
  )
  const reopenStarted = performance.now()
  db = await open(directory, openOptions)
  page?.feed.attach(db)
  let failed = false
  try {
    const reopenMs = performance.now() - reopenStarted
    const afterCrash = db.stats()
    reporter.say(
      `   reopened in ${formatDuration(reopenMs)}: the dead writer's LOCK was stale and taken over; ` +
        `${formatBytes(afterCrash.walBytes)} of WAL replayed into the memtable`,
    )
    const check = await checkCrashWrites(db, run)
    const lost = check.missing.length + check.wrongValue.length
    reporter.essential(
      `   crash check: ${formatCount(run.acknowledged.length)} acknowledged writes, ${formatCount(check.found)} found, ` +
        `${formatCount(check.missing.length)} missing, ${formatCount(check.wrongValue.length)} with a wrong value` +
        (lost === 0 ? ' — nothing acknowledged was lost' : ' — ACKNOWLEDGED WRITES WERE LOST'),
    )
    reporter.say(
      `   of the ${formatCount(run.inFlight.length)} unacknowledged writes, ${formatCount(check.inFlightFound)} reached the disk ` +
        '(either way is correct: they were never promised)',
    )
    if (lost > 0) {
      failed = true
      reporter.essential(
        `   missing: ${check.missing.slice(0, 10).join(', ')}; wrong: ${check.wrongValue.slice(0, 10).join(', ')}`,
      )
    }
    const countStarted = performance.now()
    let events = 0
    const iterator = db.iterator({
      gte: Buffer.from('user:'),
      lt: Buffer.from(prefixEnd(Buffer.from('user:'))!),
      values: false,
    })
    try {
      for (;;) {
        const entries = await iterator.nextv(1000)
        if (entries.length === 0) break
        events += entries.length
      }
    } finally {
      await iterator.close()
    }
    const countMs = performance.now() - countStarted
    reporter.essential(
      `   the dataset is intact too: a full scan counts ${formatCount(events)} events in ${formatDuration(countMs)} ` +
        `(${formatRate(events, countMs, 'keys')}; expected ${formatCount(options.records)}${events === options.records ? ' ✓' : ' ✗'})`,
    )
    if (events !== options.records) failed = true

    // ------------------------------------------------------------------------------ 4 shape
    reporter.say()
    reporter.say('4. The shape of the tree')
    const stats = db.stats()
    const levels = await readTree(directory)
    for (const line of renderTree(levels, { listTables: !reporter.quiet, tablesPerLevel: 3 }))
      reporter.say(line)
    reporter.essential(
      `   tree: ${shape(stats)} · ${formatCount(stats.tableFiles)} tables, ${formatBytes(stats.tableBytes)} · ` +
        `write amplification during the load ${loadStats.writeAmplification.toFixed(2)}× · space amplification ${stats.spaceAmplification.toFixed(2)}×`,
    )
    reporter.say(
      `   write amplification: each byte you wrote reached the disk ${loadStats.writeAmplification.toFixed(2)} times ` +
        `(WAL ${formatBytes(loadStats.walBytesWritten)}, flushes ${formatBytes(loadStats.flushBytesWritten)}, ` +
        `compactions ${formatBytes(loadStats.compaction.bytesWritten)}, for ${formatBytes(loadStats.userBytesWritten)} written)`,
    )
    reporter.say(
      `   space amplification: ${formatBytes(stats.tableBytes)} of tables for about ${formatBytes(stats.estimatedLiveBytes)} of live data ` +
        "(the engine's estimate; overwritten and deleted versions wait for compaction)",
    )
  } finally {
    page?.feed.detach()
    await db.close()
  }

  // --------------------------------------------------------------------------------- next
  const tables = readdirSync(directory)
    .filter((name) => name.endsWith('.sst'))
    .sort()
  const manifest = readFileSync(join(directory, 'CURRENT'), 'utf8').trim()
  const sampleKey = eventKey(firstEventOf(7, options.records, seed) ?? { userId: 7, timestampMs: 0 })
  reporter.essential()
  reporter.essential(`tour finished in ${formatDuration(performance.now() - tourStarted)}. Try next:`)
  const next: [string, string][] = [
    [`${strata} stats ${shown}`, 'levels, sizes, amplification'],
    [`${strata} get ${shown} ${sampleKey}`, 'one event'],
    [`${strata} scan ${shown} --prefix ${userPrefix(7)} --limit 5`, "user 7's first events"],
    [`${strata} scan ${shown} --prefix ${userPrefix(7)} --reverse --limit 3 --json`, 'latest three, as JSON'],
    [
      `${strata} inspect ${join(shown, tables[tables.length - 1] ?? '000001.sst')}`,
      'a table: blocks, index, filter, checksums',
    ],
    [`${strata} inspect ${join(shown, 'wal.log')}`, 'the write-ahead log, entry by entry'],
    [`${strata} inspect ${join(shown, manifest)}`, 'the manifest: every version edit'],
    [`${strata} shell ${shown}`, 'an interactive prompt'],
    [`${strata} serve ${shown}`, 'a live page of the database in the browser'],
    [`${strata} --help`, 'every command'],
  ]
  const width = Math.max(...next.map(([command]) => command.length)) + 2
  for (const [command, what] of next) reporter.essential(`  ${padEnd(command, width)}# ${what}`)
  return failed ? ExitCode.Failure : ExitCode.Ok
}

function firstEventOf(userId: number, records: number, seed: number): TourEvent | undefined {
  for (const event of generateEvents(records, seed)) if (event.userId === userId) return event
  return undefined
}

async function queries(db: Database, records: number, seed: number, reporter: Reporter): Promise<void> {
  // Point reads of existing keys, sampled with their own seeded generator, values checked.
  const samples = Math.min(10_000, records)
  const pick = seededRandom(seed ^ 0x5eed)
  const wanted = new Set<number>()
  while (wanted.size < samples) wanted.add(Math.floor(pick() * records))
  const sampled: TourEvent[] = []
  for (const event of generateEvents(records, seed)) if (wanted.has(event.index)) sampled.push(event)
  for (let index = sampled.length - 1; index > 0; index--) {
    const other = Math.floor(pick() * (index + 1))
    ;[sampled[index], sampled[other]] = [sampled[other]!, sampled[index]!]
  }
  const latencies: number[] = []
  let mismatched = 0
  const readsStarted = performance.now()
  for (const event of sampled) {
    const started = performance.now()
    const value = await db.get(Buffer.from(eventKey(event)))
    latencies.push(performance.now() - started)
    if (value === undefined || Buffer.from(value).toString('utf8') !== eventValue(event)) mismatched++
  }
  const readsMs = performance.now() - readsStarted
  latencies.sort((a, b) => a - b)
  const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? 0
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0
  reporter.essential(
    `   ${formatCount(samples)} random point reads: ${formatRate(samples, readsMs, 'reads')}, median ${formatDuration(p50)}, p99 ${formatDuration(p99)}; ` +
      (mismatched === 0
        ? 'every value matches the generator ✓'
        : `${formatCount(mismatched)} values DO NOT match ✗`),
  )
  const example = sampled[0]
  if (example !== undefined) {
    reporter.say(`     get ${eventKey(example)} → ${eventValue(example)}`)
  }
  // Absent keys inside the key range: the bloom filters answer most of them without a read.
  const absentStarted = performance.now()
  let wronglyFound = 0
  for (const event of sampled) {
    if ((await db.get(Buffer.from(`${eventKey(event)}~`))) !== undefined) wronglyFound++
  }
  const absentMs = performance.now() - absentStarted
  reporter.say(
    `   ${formatCount(samples)} reads of absent keys: ${formatRate(samples, absentMs, 'reads')} (bloom filters skip most tables); ` +
      (wronglyFound === 0 ? 'none found ✓' : `${wronglyFound} FOUND ✗`),
  )

  // One user's events in a time window, and the same user's latest events, newest first.
  const busiest = 7
  const all: TourEvent[] = []
  for (const event of generateEvents(records, seed)) if (event.userId === busiest) all.push(event)
  const first = all[0]
  const last = all[all.length - 1]
  if (first === undefined || last === undefined) {
    reporter.say(`   (user ${busiest} has no events in so small a dataset; skipping the range scans)`)
    return
  }
  const from = first.timestampMs + Math.floor((last.timestampMs - first.timestampMs) / 3)
  const to = from + Math.max(1, Math.floor((last.timestampMs - first.timestampMs) / 10))
  const expected = all.filter((event) => event.timestampMs >= from && event.timestampMs < to)
  const scanStarted = performance.now()
  const found = await db
    .iterator({
      gte: Buffer.from(eventKey({ userId: busiest, timestampMs: from })),
      lt: Buffer.from(eventKey({ userId: busiest, timestampMs: to })),
    })
    .all()
  const scanMs = performance.now() - scanStarted
  const same =
    found.length === expected.length &&
    found.every(([key], index) => Buffer.from(key).toString('utf8') === eventKey(expected[index]!))
  reporter.essential(
    `   range scan, user ${busiest} from ${new Date(from).toISOString().slice(0, 16)} to ${new Date(to).toISOString().slice(0, 16)}: ` +
      `${formatCount(found.length)} events in ${formatDuration(scanMs)} ` +
      `(the generator says ${formatCount(expected.length)}${same ? ', same keys ✓' : ' ✗'})`,
  )
  for (const [key, value] of found.slice(0, 3)) {
    reporter.say(`     ${Buffer.from(key).toString('utf8')}  ${Buffer.from(value).toString('utf8')}`)
  }
  if (found.length > 3) reporter.say(`     … ${formatCount(found.length - 3)} more`)
  const latestStarted = performance.now()
  const prefix = Buffer.from(userPrefix(busiest))
  const latest = await db
    .iterator({ gte: prefix, lt: Buffer.from(prefixEnd(prefix)!), reverse: true, limit: 3 })
    .all()
  const latestMs = performance.now() - latestStarted
  const latestSame = latest.every(
    ([key], index) => Buffer.from(key).toString('utf8') === eventKey(all[all.length - 1 - index]!),
  )
  reporter.say(
    `   reverse scan, user ${busiest}'s latest 3 of ${formatCount(all.length)} events: ${formatDuration(latestMs)}${latestSame ? ' ✓' : ' ✗'}`,
  )
  for (const [key, value] of latest) {
    reporter.say(`     ${Buffer.from(key).toString('utf8')}  ${Buffer.from(value).toString('utf8')}`)
  }
  if (mismatched > 0 || wronglyFound > 0 || !same || !latestSame) {
    throw new CliError('a query returned a wrong answer', 'please report this with the tour output')
  }
}
