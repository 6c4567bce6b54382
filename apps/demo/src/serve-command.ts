/**
 * `strata serve <dir>`: a live page of the database in a browser — the levels with each table
 * across the key space, memtables, flushes and compactions as they happen, amplification,
 * stalls, cache hit rate, WAL size, rates, and a timeline to scrub back (apps/demo/web; the
 * server in serve/). The database is opened as `strata watch` opens it: by this process when
 * free, else — or with `--read-only` — through a read-only open that follows the process
 * writing it. The page only reads; the server answers local clients unless `--host` says
 * otherwise.
 */
import { type Database, DEFAULT_OPTIONS } from '@strata/engine'
import { openDatabase } from './database.js'
import { ExitCode } from './failure.js'
import type { Reporter } from './reporter.js'
import { LiveFeed } from './serve/live-feed.js'
import { isLoopbackAddress } from './serve/security.js'
import { startServer } from './serve/server.js'
import { followRefreshes, openWatchSource, untilStopped } from './watch-command.js'

/** The port `strata serve` listens on unless `--port` says otherwise. */
export const DEFAULT_PORT = 7380

export interface ServeCommandOptions {
  port?: number
  host?: string
  /** Always follow through a read-only open, even when the database is free. */
  readOnly?: boolean
  /** Stop after this many seconds (default: until SIGINT or SIGTERM). */
  seconds?: number
  walRecovery?: string
}

/** Who may connect, in words, for the line the commands print. */
export function describeAccess(host: string): string {
  return host === 'localhost' || isLoopbackAddress(host)
    ? 'local clients only'
    : 'ANY client that can reach this address (--host): the page shows key ranges of the data'
}

export async function serveCommand(
  directory: string,
  options: ServeCommandOptions,
  reporter: Reporter,
): Promise<ExitCode> {
  const source: Database = options.readOnly
    ? await openDatabase(directory, { walRecovery: options.walRecovery, readOnly: true })
    : await openWatchSource(directory, { walRecovery: options.walRecovery })
  const feed = new LiveFeed({
    directory,
    memtableLimitBytes: source.readOnly === true ? undefined : DEFAULT_OPTIONS.memtableBytes,
  })
  let stopFollowing: () => Promise<void> = async () => {}
  try {
    feed.attach(source)
    stopFollowing = followRefreshes(
      source,
      (levels) => feed.observe(levels),
      (error) => reporter.essential(`refresh failed: ${error.message}`),
    )
    const host = options.host ?? '127.0.0.1'
    const server = await startServer(feed, { host, port: options.port ?? DEFAULT_PORT })
    const how =
      source.readOnly === true
        ? "following another process's writer through a read-only open"
        : 'opened by this process'
    reporter.essential(`serving ${directory} (${how}) at ${server.url}`)
    reporter.essential(
      `listening on ${server.host} port ${server.port}: ${describeAccess(host)}; the page only reads` +
        (options.seconds === undefined ? '; Ctrl-C to stop' : `; for ${options.seconds} s`),
    )
    await untilStopped(options.seconds)
    await stopFollowing()
    await server.close()
    return ExitCode.Ok
  } finally {
    await stopFollowing()
    feed.close()
    await source.close()
  }
}
