/**
 * abstract-level's own compliance suite (`abstract-level/test`), run against StrataLevel as
 * vitest tests, one vitest test per tape test, so every result counts in the JSON report.
 *
 * The suite is written for tape: it calls `test(name, fn)` for each test, at load time, and then
 * once more for every test against a sublevel of the database. Here `test` only records the
 * (name, fn) pairs; each recorded test then runs alone in a fresh tape harness, in the suite's
 * order (some tests share a database set up by the test before), and its vitest test fails with
 * the messages of the failed tape assertions (a `t.plan` count mismatch included).
 *
 * Tests known not to pass are listed in EXPECTED_FAILURES with the reason (also in the README)
 * and run as `it.fails`, so they still show in the counts. The aim, met today, is none.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import suite from 'abstract-level/test'
import tape from 'tape'
import { afterAll, describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'

/** Test name → why it cannot pass. Keep in step with the README. */
const EXPECTED_FAILURES = new Map<string, string>()

/** A tape test hanging this long fails its vitest test (no suite test takes a second here). */
const TEST_TIMEOUT_MS = 20_000

type TapeCallback = (t: tape.Test) => unknown

interface Recorded {
  name: string
  options: tape.TestOptions | undefined
  fn: TapeCallback
}

const root = mkdtempSync(join(tmpdir(), 'strata-level-compliance-'))
const databases = new Set<StrataLevel<unknown, unknown>>()
let created = 0

/** A new database in a directory that does not exist yet (tests of createIfMissing need that). */
function factory(options?: object): StrataLevel<unknown, unknown> {
  created++
  const database = new StrataLevel<unknown, unknown>(join(root, `db-${created}`), options)
  databases.add(database)
  return database
}

const recorded: Recorded[] = []

function record(name: string, ...rest: unknown[]): void {
  const fn = rest.pop() as TapeCallback
  recorded.push({ name, options: rest[0] as tape.TestOptions | undefined, fn })
}

suite({ test: record, factory })

/** The suite records the database's tests, then repeats them on a sublevel: the second run
 *  starts where the first test's name comes round again. */
const firstName = recorded[0]?.name
const sublevelStart = recorded.findIndex((test, index) => index > 0 && test.name === firstName)
const phases: [string, Recorded[]][] = [
  ['on a database', sublevelStart === -1 ? recorded : recorded.slice(0, sublevelStart)],
  ['on a sublevel', sublevelStart === -1 ? [] : recorded.slice(sublevelStart)],
]

interface TapeRow {
  type?: string
  ok?: boolean
  todo?: boolean
  skip?: boolean
  name?: string
  operator?: string
  actual?: unknown
  expected?: unknown
  error?: unknown
}

function describeFailure(row: TapeRow): string {
  const detail =
    row.error instanceof Error
      ? `${row.error.name}: ${row.error.message}${(row.error as { code?: string }).code ? ` (${(row.error as { code?: string }).code})` : ''}`
      : `${row.operator ?? 'assertion'}: expected ${JSON.stringify(row.expected)}, got ${JSON.stringify(row.actual)}`
  return `✗ ${row.name ?? '(unnamed assertion)'} — ${detail}`
}

/** Runs one tape test in its own harness; resolves with its failed assertions and its count. */
function runTape(test: Recorded): Promise<{ failures: string[]; assertions: number }> {
  return new Promise((resolve) => {
    const harness = tape.createHarness()
    const failures: string[] = []
    let assertions = 0
    harness.createStream({ objectMode: true }).on('data', (row: TapeRow) => {
      if (row.type !== 'assert') return
      assertions++
      if (!row.ok && !row.todo && !row.skip) failures.push(describeFailure(row))
    })
    harness.onFinish(() => resolve({ failures, assertions }))
    // tape lets a synchronous throw escape; report it as a failed assertion instead.
    const guarded: TapeCallback = (t) => {
      try {
        return test.fn(t)
      } catch (error) {
        t.error(error)
        t.end()
        return undefined
      }
    }
    if (test.options === undefined) harness(test.name, guarded)
    else harness(test.name, test.options, guarded)
  })
}

describe('abstract-level compliance suite', () => {
  it('recorded the whole suite, on a database and on a sublevel', () => {
    const [database, sublevel] = phases
    expect(database![1].length).toBeGreaterThan(300)
    expect(sublevel![1].length).toBeGreaterThan(300)
  })

  for (const [phase, tests] of phases) {
    describe(phase, () => {
      const seen = new Map<string, number>()
      for (const test of tests) {
        // A name repeated within a phase gets a number, so every vitest test is told apart.
        const repeat = (seen.get(test.name) ?? 0) + 1
        seen.set(test.name, repeat)
        const title = repeat === 1 ? test.name : `${test.name} (#${repeat})`
        const reason = EXPECTED_FAILURES.get(test.name)
        const body = async () => {
          const { failures } = await runTape(test)
          if (failures.length > 0)
            throw new Error(`${failures.length} failed assertion(s):\n${failures.join('\n')}`)
        }
        if (reason === undefined) it(title, body, TEST_TIMEOUT_MS)
        else it.fails(`${title} [expected to fail: ${reason}]`, body, TEST_TIMEOUT_MS)
      }
    })
  }
})

afterAll(async () => {
  // Tests that leave a database open (the suite's own probes of db.supports do) are closed here.
  for (const database of databases) {
    if (database.status === 'open' || database.status === 'opening') await database.close().catch(() => {})
  }
  rmSync(root, { recursive: true, force: true })
})
