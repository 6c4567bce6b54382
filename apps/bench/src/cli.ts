#!/usr/bin/env node
/**
 * strata's side-by-side benchmark: `node dist/cli.js [--n ..] [--rounds ..] [--engines ..]
 * [--workloads ..] [--json]` (see USAGE). Pre-checks every adapter's answers, runs the rounds,
 * prints the markdown table (or JSON) and writes both to the results directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { StrataError } from '@strata/base'
import { loadAdapter } from './adapters/index.js'
import { describeMachine } from './machine.js'
import { parseOptions, USAGE } from './options.js'
import { type RoundResults, runRounds, stopEverything } from './orchestrate.js'
import { precheck } from './precheck.js'
import {
  buildCells,
  checkTargets,
  fsyncFigures,
  interleavedFigures,
  type Report,
  renderMarkdown,
} from './report.js'

const log = (line: string) => process.stderr.write(`${line}\n`)

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const started = performance.now()
  // Taken before the run: the checkout may change under a long run (other engineers commit).
  const machine = describeMachine()
  const command = `node dist/cli.js ${process.argv.slice(2).join(' ')}`.trim()
  log(
    `strata bench: n=${options.n} rounds=${options.rounds} seed=${options.seed}\n` +
      `  engines: ${options.engines.join(', ')}\n  workloads: ${options.workloads.join(', ')}`,
  )

  const engines = await Promise.all(
    options.engines.map(async (name) => ({ name, open: await loadAdapter(name) })),
  )
  const checked = await precheck(engines, { seed: options.seed })
  log(
    `pre-check passed: ${checked.engines.join(', ')} agree on ${checked.gets} gets and ${checked.scans} scans`,
  )

  const out = resolve(options.out)
  mkdirSync(out, { recursive: true })
  const build = (rounds: RoundResults[]): Report => {
    const cells = buildCells(rounds, options.engines, options.workloads)
    const fsync = fsyncFigures(rounds)
    const interleaved = interleavedFigures(rounds)
    return {
      createdAt: new Date().toISOString(),
      command,
      machine,
      n: options.n,
      rounds: rounds.length,
      seed: options.seed,
      compactPrefill: options.compactPrefill,
      engines: options.engines,
      workloads: options.workloads,
      durationSeconds: (performance.now() - started) / 1000,
      precheck: checked,
      fsyncPerSecond: fsync.fsync,
      fillsyncToFsync: fsync.ratio,
      interleaved,
      cells,
      targets: checkTargets(
        cells,
        options.engines,
        interleaved?.toAppend.strata ?? fsync.ratio,
        interleaved?.toAppend.strata !== undefined,
      ),
    }
  }
  const rounds = await runRounds(options, log, (sofar) => {
    if (sofar.length < options.rounds) {
      writeFileSync(join(out, 'partial.md'), renderMarkdown(build(sofar)))
      log(`rounds so far written to ${join(out, 'partial.md')}`)
    }
  })
  const report = build(rounds)
  const cells = report.cells
  const markdown = renderMarkdown(report)
  const json = `${JSON.stringify(report, null, 2)}\n`
  writeFileSync(join(out, 'latest.md'), markdown)
  writeFileSync(join(out, 'latest.json'), json)
  process.stdout.write(options.json ? json : markdown)
  log(
    `results written to ${join(out, 'latest.md')} and latest.json (${(report.durationSeconds / 60).toFixed(1)} min)`,
  )
  const failed = cells.some((cell) => cell.failures.length > 0)
  return failed ? 1 : 0
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the running job and removing the run's directories`)
    stopEverything()
    process.exit(130)
  })
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof StrataError) log(`${error.code}: ${error.message}`)
    else log(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exitCode = error instanceof StrataError ? 2 : 1
  },
)
