import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { holdOpen, oneLineFailure, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

/** `count` records `key-000i` → `{"n": i}`, as JSON Lines. */
function jsonLines(count: number): string {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({ key: `key-${String(index).padStart(4, '0')}`, value: { n: index } }),
  ).join('\n')
}

describe('put, get, del', () => {
  const db = join(root, 'kv')

  it('round-trips a value, and deletes it', () => {
    const put = strata(['put', db, 'greeting', 'hello, world'])
    expect(put.code).toBe(0)
    expect(put.stdout).toMatch(/^put greeting \(12 bytes, seq 1\)/)
    expect(strata(['get', db, 'greeting'])).toMatchObject({ code: 0, stdout: 'hello, world\n' })
    const json = JSON.parse(strata(['get', db, 'greeting', '--json']).stdout)
    expect(json).toEqual({ key: 'greeting', found: true, value: 'hello, world' })
    expect(JSON.parse(strata(['del', db, 'greeting', '--json']).stdout)).toEqual({
      ok: true,
      key: 'greeting',
      existed: true,
    })
    const missing = strata(['get', db, 'greeting'])
    expect(missing.code).toBe(3)
    expect(missing.stdout).toBe('')
    expect(oneLineFailure(missing)).toMatch(/^strata: no value for key greeting — /)
    const missingJson = strata(['get', db, 'greeting', '--json'])
    expect(missingJson.code).toBe(3)
    expect(JSON.parse(missingJson.stdout)).toEqual({ key: 'greeting', found: false })
  })

  it('reads a value from stdin with -, and keeps bytes that are not UTF-8 text apart', () => {
    expect(strata(['put', db, 'multi', '-'], { input: 'line one\nline two' }).code).toBe(0)
    expect(strata(['get', db, 'multi']).stdout).toBe('line one\\nline two\n')
    expect(JSON.parse(strata(['get', db, 'multi', '--json']).stdout).value).toBe('line one\nline two')
  })

  it('says a directory without a database holds none, instead of creating one', () => {
    const run = strata(['get', join(root, 'nowhere'), 'k'])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(/nowhere does not exist — check the path/)
    const file = join(root, 'a-file')
    writeFileSync(file, 'x')
    expect(oneLineFailure(strata(['scan', file]))).toMatch(/is a file, not a database directory/)
  })

  it('refuses to write to a database that lost CURRENT, and its hint never suggests creating one', () => {
    const damaged = join(root, 'lost-current')
    expect(strata(['put', damaged, 'k', 'v']).code).toBe(0)
    unlinkSync(join(damaged, 'CURRENT'))
    const before = readdirSync(damaged).map((name) => [
      name,
      readFileSync(join(damaged, name)).toString('hex'),
    ])
    const records = join(root, 'records.jsonl')
    writeFileSync(records, '{"key":"a","value":1}\n')
    for (const args of [
      ['get', damaged, 'k'],
      ['put', damaged, 'k2', 'v2'],
      ['load', damaged, records],
    ]) {
      const run = strata(args)
      expect(run.code, args.join(' ')).toBe(1)
      const line = oneLineFailure(run)
      expect(line).toMatch(/but no CURRENT file/)
      expect(line).toMatch(/strata repair/)
      expect(line).not.toMatch(/strata (put|load)/)
    }
    expect(
      readdirSync(damaged).map((name) => [name, readFileSync(join(damaged, name)).toString('hex')]),
    ).toEqual(before)
    const foreign = join(root, 'foreign')
    expect(strata(['put', join(foreign, 'x'), 'k', 'v']).code).toBe(0)
    writeFileSync(join(foreign, 'notes.txt'), 'mine')
    const run = strata(['put', foreign, 'k', 'v'])
    expect(oneLineFailure(run)).toMatch(/is not a strata database.*— pass an empty directory/)
  })

  it('reports a locked directory in one line naming the owner, and shows the stack only with --debug', async () => {
    const locked = join(root, 'locked')
    strata(['put', locked, 'k', 'v'])
    const holder = await holdOpen(locked)
    try {
      const run = strata(['get', locked, 'k'])
      expect(run.code).toBe(1)
      expect(oneLineFailure(run)).toMatch(
        new RegExp(`is in use by process ${holder.pid} — close that process first`),
      )
      const debug = strata(['get', locked, 'k', '--debug'])
      expect(debug.code).toBe(1)
      expect(debug.stderr).toMatch(/DatabaseLockedError[^\n]*\n\s+at /)
    } finally {
      holder.kill('SIGKILL')
    }
  })
})

describe('load and scan', () => {
  const db = join(root, 'scan')
  const keys = Array.from({ length: 300 }, (_, index) => `key-${String(index).padStart(4, '0')}`)

  it('loads JSON Lines in batches and scans them back in key order', () => {
    const file = join(root, 'records.jsonl')
    writeFileSync(file, `${jsonLines(300)}\n`)
    const load = strata(['load', db, file, '--batch', '64'])
    expect(load.code).toBe(0)
    expect(load.stdout).toMatch(/loaded 300 records from records\.jsonl \(jsonl\)/)
    const scan = strata(['scan', db])
    expect(scan.stdout.trimEnd().split('\n')).toEqual(keys.map((key, index) => `${key}\t{"n":${index}}`))
  })

  it('honours --gte/--gt/--lte/--lt/--limit/--reverse/--keys-only/--prefix', () => {
    const lines = (args: string[]) =>
      strata(['scan', db, '--keys-only', ...args])
        .stdout.trimEnd()
        .split('\n')
    expect(lines(['--gte', 'key-0010', '--lt', 'key-0015'])).toEqual(keys.slice(10, 15))
    expect(lines(['--gt', 'key-0010', '--lte', 'key-0015'])).toEqual(keys.slice(11, 16))
    expect(lines(['--limit', '3'])).toEqual(keys.slice(0, 3))
    expect(lines(['--reverse', '--limit', '2'])).toEqual([keys[299], keys[298]])
    expect(lines(['--prefix', 'key-02'])).toEqual(keys.slice(200, 300))
    expect(lines(['--reverse', '--lt', 'key-0005'])).toEqual(keys.slice(0, 5).reverse())
  })

  it('prints a JSON array with --json', () => {
    const entries = JSON.parse(strata(['scan', db, '--json', '--gte', 'key-0100', '--limit', '2']).stdout)
    expect(entries).toEqual([
      { key: 'key-0100', value: '{"n":100}' },
      { key: 'key-0101', value: '{"n":101}' },
    ])
    expect(JSON.parse(strata(['scan', db, '--json', '--gte', 'zzz']).stdout)).toEqual([])
    expect(JSON.parse(strata(['scan', db, '--json', '--keys-only', '--limit', '1']).stdout)).toEqual([
      { key: 'key-0000' },
    ])
  })

  it('skips bad JSON Lines with --on-error skip, naming each line', () => {
    const file = join(root, 'bad.jsonl')
    writeFileSync(
      file,
      [
        '{"key":"good-1","value":"a"}',
        '{"key":"good-2"',
        '',
        '{"value":"no key"}',
        '[1,2]',
        '{"key":"good-3","value":3}',
      ].join('\n'),
    )
    const run = strata(['load', join(root, 'skip'), file, '--on-error', 'skip', '--json'])
    expect(run.code).toBe(0)
    const summary = JSON.parse(run.stdout)
    expect(summary).toMatchObject({ loaded: 2, skipped: 3, stoppedAtLine: null })
    expect(summary.badLines.map((bad: { line: number }) => bad.line)).toEqual([2, 4, 5])
    expect(run.stderr).toMatch(/bad\.jsonl line 2: not valid JSON/)
    expect(run.stderr).toMatch(/bad\.jsonl line 4: "key" is missing/)
    expect(run.stderr).toMatch(/bad\.jsonl line 5: not a JSON object/)
    expect(strata(['get', join(root, 'skip'), 'good-3']).stdout).toBe('3\n')
  })

  it('stops at the first bad line by default, after loading every line before it', () => {
    const file = join(root, 'stop.jsonl')
    writeFileSync(
      file,
      ['{"key":"a","value":"1"}', '{"key":"b","value":"2"}', 'oops', '{"key":"c","value":"3"}'].join('\n'),
    )
    const target = join(root, 'stop')
    const run = strata(['load', target, file])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(
      /stop\.jsonl line 3: not valid JSON.*stopped there \(the 2 records before it are loaded\) — .*--on-error skip/,
    )
    expect(strata(['get', target, 'b']).stdout).toBe('2\n')
    expect(strata(['get', target, 'c']).code).toBe(3)
  })

  it('loads CSV with quoted commas, doubled quotes, values across lines and a header', () => {
    const file = join(root, 'people.csv')
    writeFileSync(
      file,
      [
        'key,value',
        'ada,"Lovelace, Ada"',
        'quote,"say ""hi"""',
        'poem,"two',
        'lines"',
        'plain,text',
        'broken,a,b',
        'last,one',
      ].join('\r\n'),
    )
    const target = join(root, 'csv')
    const run = strata(['load', target, file, '--on-error', 'skip'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/loaded 5 records .*skipped 1 bad line/)
    expect(run.stderr).toMatch(/people\.csv line 7: 3 fields; each record is key,value/)
    const entries = JSON.parse(strata(['scan', target, '--json']).stdout)
    expect(entries).toEqual([
      { key: 'ada', value: 'Lovelace, Ada' },
      { key: 'last', value: 'one' },
      { key: 'plain', value: 'text' },
      { key: 'poem', value: 'two\nlines' },
      { key: 'quote', value: 'say "hi"' },
    ])
  })

  it('reports a CSV quote that never closes with the line it opened on', () => {
    const file = join(root, 'open.csv')
    writeFileSync(file, 'a,1\nb,"never closed\nc,3\n')
    const run = strata(['load', join(root, 'open'), file])
    expect(run.code).toBe(1)
    expect(oneLineFailure(run)).toMatch(/open\.csv line 2: a quoted field is never closed/)
  })
})

describe('stats and compact', () => {
  const db = join(root, 'maintenance')

  it('prints stats as JSON and as text, and compacts a range', () => {
    const file = join(root, 'many.jsonl')
    writeFileSync(file, jsonLines(2000))
    strata(['load', db, file])
    strata(['load', db, file])
    const before = JSON.parse(strata(['stats', db, '--json']).stdout)
    expect(before.lastSeq).toBe(4000)
    expect(before.levels).toHaveLength(7)
    const compact = strata(['compact', db, '--json'])
    expect(compact.code).toBe(0)
    const result = JSON.parse(compact.stdout)
    expect(result.after.tables).toBeGreaterThan(0)
    expect(result.compaction.droppedVersions).toBe(2000)
    const text = strata(['stats', db])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^tree {17}\d+ tables?, /m)
    expect(text.stdout).toMatch(/^sequence {13}last 4,000/m)
    expect(strata(['get', db, 'key-1999']).stdout).toBe('{"n":1999}\n')
    const ranged = strata(['compact', db, '--start', 'key-0100', '--end', 'key-0200'])
    expect(ranged.stdout).toMatch(/^compacted keys key-0100 … key-0200 in /)
  })
})

describe('shell', () => {
  it('runs piped commands, reports a failing one in one line and goes on', () => {
    const db = join(root, 'shell')
    strata(['put', db, 'seed', 'value'])
    const run = strata(['shell', db], {
      input: [
        'put "two words" "a value"',
        'get "two words"',
        'get nothing',
        'bogus',
        'scan --limit 5',
        'del seed',
        'scan --keys-only',
        'history',
        'exit',
        'get seed',
      ].join('\n'),
      env: { STRATA_HISTORY: join(root, 'history') },
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('ok\na value\n(not found)\n')
    expect(run.stdout).toContain('seed\tvalue\ntwo words\ta value\n(2 entries)\n')
    expect(run.stdout).toContain('ok\ntwo words\n(1 entry)\n')
    expect(run.stdout).toMatch(/ {3}4 {2}bogus\n/)
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'strata: unknown command bogus — type help for the list',
    ])
    // `exit` closed the database: the line after it never ran.
    expect(strata(['get', db, 'seed']).code).toBe(3)
  })
})

describe('repair', () => {
  let directory: string
  beforeEach(() => {
    directory = scratch()
  })
  afterEach(() => removeScratch(directory))

  it('rebuilds a database whose WAL was deleted, moves the rest to lost/, and reports the gap', () => {
    const db = join(directory, 'db')
    for (let index = 0; index < 5; index++) expect(strata(['put', db, `k${index}`, `v${index}`]).code).toBe(0)
    rmSync(join(db, 'wal.log'))
    const refused = strata(['get', db, 'k1'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/WAL is missing.*strata repair/)
    const repaired = strata(['repair', db, '--json'])
    expect(repaired.code).toBe(1) // something may be missing
    const report = JSON.parse(repaired.stdout)
    expect(report.missingSeqs[0]).toMatchObject({ from: 1, reason: 'the WAL is missing' })
    expect(report.moved.map((moved: { file: string }) => moved.file)).toContain('CURRENT')
    expect(readdirSync(join(db, 'lost'))).toContain('CURRENT')
    // The repaired database opens; the writes that were only in the deleted WAL are gone.
    const get = strata(['get', db, 'k1'])
    expect(get.code).toBe(3)
    const text = strata(['repair', db])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^repaired .*: 0 keys/)
  })
})
