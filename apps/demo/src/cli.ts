#!/usr/bin/env node
/**
 * The `strata` command. With no arguments (or `strata tour`) it runs the guided tour; the
 * other commands are the everyday tools (put/get/del/scan/load/stats/watch/serve/compact/
 * checkpoint/verify/destroy/repair/inspect/shell).
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 key not found (`get`). Every failure is
 * one line on stderr, `strata: <what went wrong> — <what to do>`; the stack only with --debug.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { crashWriter } from './crash.js'
import { WAL_RECOVERY_MODES } from './database.js'
import { deleteRangeCommand } from './delete-range.js'
import { describeFailure, ExitCode, UsageError } from './failure.js'
import { inspectCommand } from './inspect.js'
import { delCommand, getCommand, putCommand, scanCommand, streamOutput } from './keyvalue.js'
import { loadCommand } from './load.js'
import { compactCommand, statsCommand } from './maintenance.js'
import { checkpointCommand, destroyCommand, verifyCommand } from './operations.js'
import { repairCommand } from './repair.js'
import { Reporter } from './reporter.js'
import { DEFAULT_PORT, serveCommand } from './serve-command.js'
import { shellCommand } from './shell.js'
import { DEFAULT_RECORDS, DEFAULT_TOUR_DIR, runTour, tourOpenOptions } from './tour.js'
import { watchCommand } from './watch-command.js'

const out = streamOutput(process.stdout)
let exitCode: number = ExitCode.Ok
let current: Command | undefined

function count(name: string, minimum: number) {
  return (text: string): number => {
    const value = Number(text)
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
      throw new InvalidArgumentError(
        `${name} must be a whole number of at least ${minimum}, not ${JSON.stringify(text)}.`,
      )
    }
    return value
  }
}

function port(text: string): number {
  const value = count('--port', 0)(text)
  if (value > 65535) throw new InvalidArgumentError(`--port must be at most 65535, not ${value}.`)
  return value
}

function walRecoveryOption(): Option {
  return new Option(
    '--wal-recovery <mode>',
    'how to open a damaged WAL: tolerate-tail drops a half-written last entry, point-in-time keeps everything before the damage, strict fails on any damage',
  )
    .choices(WAL_RECOVERY_MODES as string[])
    .default('tolerate-tail')
}

function readStdin(): string {
  return readFileSync(0, 'utf8')
}

function buildProgram(): Command {
  const program = new Command('strata')
  program
    .description(
      'strata: an embedded, durable, ordered key-value store for Node.js.\n' +
        'With no command, runs the guided tour (same as `strata tour`).',
    )
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print the stack of an error')
    .exitOverride()
    .showHelpAfterError(true)
    .configureOutput({
      outputError: (text, write) =>
        write(`strata: ${text.replace(/^error: /, '').trimEnd()} — see the usage below\n`),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 runtime failure (damaged file, locked or missing directory...), 2 usage error, 3 key not found (get).',
    )
    .hook('preAction', (_program, action) => {
      current = action
    })

  program
    .command('tour', { isDefault: true })
    .description('the guided tour: load a dataset, query it, crash it, show the tree (the default command)')
    .option('--dir <dir>', 'data directory (recreated on each run)', DEFAULT_TOUR_DIR)
    .option('--records <n>', 'events to load', count('--records', 1000), DEFAULT_RECORDS)
    .option('--quiet', 'print only the essentials')
    .option('--web', 'serve the live page of the database (as `strata serve`) while the tour runs')
    .option('--port <n>', 'with --web: the port (0: a free one)', port, DEFAULT_PORT)
    .addOption(new Option('--seed <n>', 'dataset seed').argParser(count('--seed', 0)).hideHelp())
    .action(
      async (options: {
        dir: string
        records: number
        quiet?: boolean
        seed?: number
        web?: boolean
        port: number
      }) => {
        exitCode = await runTour(
          {
            dir: options.dir,
            records: options.records,
            quiet: options.quiet ?? false,
            seed: options.seed,
            web: options.web ? { port: options.port } : undefined,
          },
          new Reporter({ quiet: options.quiet ?? false }),
        )
      },
    )

  program
    .command('put')
    .description('write one key (fsynced before the command returns, unless --no-sync)')
    .argument('<dir>', 'database directory (created when missing)')
    .argument('<key>', 'key (UTF-8 text)')
    .argument('<value>', 'value (UTF-8 text; - reads it from stdin)')
    .option('--json', 'print the result as JSON')
    .option('--no-sync', 'acknowledge once the OS has the bytes (survives a process crash, not a power cut)')
    .addOption(walRecoveryOption())
    .action(async (dir: string, key: string, value: string, options) => {
      exitCode = await putCommand(dir, key, value === '-' ? readStdin() : value, options, out)
    })

  program
    .command('get')
    .description('print the value of one key (exit code 3 when absent)')
    .argument('<dir>', 'database directory')
    .argument('<key>', 'key (UTF-8 text)')
    .option('--json', 'print {"key", "found", "value"} as JSON')
    .addOption(walRecoveryOption())
    .action(async (dir: string, key: string, options) => {
      exitCode = await getCommand(dir, key, options, out)
    })

  program
    .command('del')
    .alias('delete')
    .description('delete one key, or every key under --prefix or in --range (one range tombstone)')
    .argument('<dir>', 'database directory')
    .argument('[key]', 'key (UTF-8 text); not with --prefix or --range')
    .option('--prefix <prefix>', 'delete every key starting with this')
    .option('--range', 'delete every key within --gte/--gt/--lt/--lte')
    .option('--gte <key>', 'with --range: from this key, inclusive')
    .option('--gt <key>', 'with --range: after this key')
    .option('--lte <key>', 'with --range: up to this key, inclusive')
    .option('--lt <key>', 'with --range: before this key')
    .option('--json', 'print the result as JSON')
    .option('--no-sync', 'acknowledge once the OS has the bytes')
    .addOption(walRecoveryOption())
    .action(async (dir: string, key: string | undefined, options) => {
      if (options.prefix !== undefined || options.range) {
        if (key !== undefined)
          throw new UsageError('give a key or --prefix/--range, not both', 'drop the key')
        exitCode = await deleteRangeCommand(dir, options, out)
      } else {
        if (key === undefined)
          throw new UsageError('no key given', 'give a key, --prefix <p> or --range with bounds')
        exitCode = await delCommand(dir, key, options, out)
      }
    })

  program
    .command('scan')
    .description('print entries in key order: key<TAB>value lines, or a JSON array with --json')
    .argument('<dir>', 'database directory')
    .option('--gte <key>', 'from this key, inclusive')
    .option('--gt <key>', 'after this key')
    .option('--lte <key>', 'up to this key, inclusive')
    .option('--lt <key>', 'before this key')
    .option('--prefix <prefix>', 'only keys starting with this')
    .option('--limit <n>', 'at most this many entries', count('--limit', 0))
    .option('--reverse', 'from the largest key down')
    .option('--keys-only', 'print keys only')
    .option('--json', 'print a JSON array of {"key", "value"}')
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await scanCommand(dir, options, out)
    })

  program
    .command('load')
    .description('load JSON Lines ({"key": ..., "value": ...}) or CSV (key,value) in batches')
    .argument('<dir>', 'database directory (created when missing)')
    .argument('<file>', 'a .jsonl/.ndjson or .csv file')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(['jsonl', 'csv']),
    )
    .addOption(
      new Option('--on-error <choice>', 'at a bad line: stop (after loading the lines before it) or skip it')
        .choices(['stop', 'skip'])
        .default('stop'),
    )
    .option('--batch <n>', 'records per atomic batch', count('--batch', 1), 1000)
    .option('--no-sync', 'do not fsync each batch (survives a process crash, not a power cut)')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress and no flush/compaction lines')
    .addOption(walRecoveryOption())
    .action(async (dir: string, file: string, options) => {
      exitCode = await loadCommand(
        dir,
        file,
        options,
        new Reporter({ quiet: options.quiet || options.json }),
        out,
      )
    })

  program
    .command('stats')
    .description('levels, sizes, sequence numbers, amplification and counters')
    .argument('<dir>', 'database directory')
    .option('--json', "print the engine's stats() object as JSON")
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await statsCommand(dir, options, out)
    })

  program
    .command('watch')
    .description(
      'print the live events of a database (flushes, WAL truncations, compactions, write stalls) as they happen',
    )
    .argument('<dir>', 'database directory')
    .option('--seconds <n>', 'stop after n seconds (default: at Ctrl-C)', count('--seconds', 1))
    .option('--json', 'print each event as one JSON object per line')
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await watchCommand(dir, options, new Reporter(), out)
    })

  program
    .command('serve')
    .description(
      'serve a live page of a database (levels, tables, memtables, flushes, compactions, amplification) on localhost',
    )
    .argument('<dir>', 'database directory (one another process writes is followed read-only)')
    .option('--port <n>', 'the port to listen on (0: a free one)', port, DEFAULT_PORT)
    .option(
      '--host <address>',
      'the address to listen on; any address but a loopback one lets other machines connect',
      '127.0.0.1',
    )
    .option('--read-only', 'follow the database through a read-only open even when no process holds it')
    .option('--seconds <n>', 'stop after n seconds (default: at Ctrl-C)', count('--seconds', 1))
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await serveCommand(dir, options, new Reporter())
    })

  program
    .command('compact')
    .description('compact a key range (default: everything) down to the bottom level')
    .argument('<dir>', 'database directory')
    .option('--start <key>', 'first key of the range (default: the smallest)')
    .option('--end <key>', 'last key of the range (default: the largest)')
    .option('--json', 'print the result as JSON')
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await compactCommand(dir, options, out)
    })

  program
    .command('repair')
    .description(
      'rebuild a damaged database from every readable table and WAL entry; unusable files move to <dir>/lost/',
    )
    .argument('<dir>', 'database directory')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, options) => {
      exitCode = await repairCommand(dir, options, out)
    })

  program
    .command('checkpoint')
    .description('make an openable copy of a database (tables hard-linked where possible)')
    .argument('<dir>', 'database directory')
    .argument('<target>', 'a new (or empty) directory for the copy')
    .option('--json', 'print the result as JSON')
    .addOption(walRecoveryOption())
    .action(async (dir: string, target: string, options) => {
      exitCode = await checkpointCommand(dir, target, options, out)
    })

  program
    .command('verify')
    .description('check every table block, the manifest, the WAL and the key order; exit 1 on any problem')
    .argument('<dir>', 'database directory (may be open in another process: verify only reads)')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, options) => {
      exitCode = await verifyCommand(dir, options, out)
    })

  program
    .command('destroy')
    .description("remove a database: strata's own files, then the directory if empty")
    .argument('<dir>', 'database directory (refused while open, or if not a strata database)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, options) => {
      exitCode = await destroyCommand(dir, options, out)
    })

  program
    .command('inspect')
    .description(
      'dump a WAL, SSTable, manifest, CURRENT or LOCK file (or every file of a directory), verifying every checksum',
    )
    .argument('<path>', 'a file, or a database directory for a one-line summary of each file')
    .addOption(
      new Option('--type <type>', 'the kind of file (default: guessed)').choices([
        'wal',
        'sst',
        'manifest',
        'current',
        'lock',
      ]),
    )
    .option('--limit <n>', 'rows shown per list (entries, blocks, edits)', count('--limit', 0), 20)
    .option('--all', 'show every row')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, options) => {
      exitCode = await inspectCommand(path, options, out)
    })

  program
    .command('shell')
    .description('an interactive prompt: get/put/del/scan/stats/help, with history')
    .argument('<dir>', 'database directory')
    .addOption(walRecoveryOption())
    .action(async (dir: string, options) => {
      exitCode = await shellCommand(dir, options, out)
    })

  program
    .command('__crash-writer', { hidden: true })
    .argument('<dir>')
    .option(
      '--records <n>',
      'the tour size the database was opened for',
      count('--records', 1),
      DEFAULT_RECORDS,
    )
    .option('--concurrency <n>', 'writes in flight', count('--concurrency', 1), 8)
    .option('--limit <n>', 'stop after this many writes', count('--limit', 1), 1_000_000)
    .action(async (dir: string, options: { records: number; concurrency: number; limit: number }) => {
      await crashWriter(dir, {
        concurrency: options.concurrency,
        limit: options.limit,
        openOptions: tourOpenOptions(options.records),
      })
    })

  return program
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8')
    return (JSON.parse(text) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<number> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `strata scan db | head`: the reader went away; that is not a failure.
    if (error.code === 'EPIPE') process.exit(exitCode)
    throw error
  })
  const program = buildProgram()
  try {
    // A first word that is no command would otherwise go to the default command (the tour).
    const first = process.argv[2]
    if (first !== undefined && !first.startsWith('-')) {
      const known = program.commands.flatMap((command) => [command.name(), ...command.aliases()])
      if (!known.includes(first) && first !== 'help') {
        process.stderr.write(
          `strata: unknown command '${first}' — see the usage below\n\n${program.helpInformation()}`,
        )
        return ExitCode.Usage
      }
    }
    await program.parseAsync(process.argv)
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok
      if (error.code === 'commander.help') return ExitCode.Ok
      return ExitCode.Usage
    }
    const { line, exitCode: code } = describeFailure(error)
    process.stderr.write(`strata: ${line}\n`)
    if (error instanceof UsageError && current !== undefined)
      process.stderr.write(`\n${current.helpInformation()}`)
    if (process.argv.includes('--debug') && error instanceof Error) process.stderr.write(`${error.stack}\n`)
    return code
  }
}

process.exitCode = await main()
