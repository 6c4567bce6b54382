/**
 * The `strata` command from its installed tarball (`npx strata`, as a user runs it): --help,
 * --version, a small tour, and every subcommand on a database of its own.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default async function check({ appDir, run }) {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-consumer-cli-'))
  const env = { STRATA_HISTORY: join(scratch, 'history') }
  // The bin npm linked from the tarball's `bin` field (npx itself is checked once, for --help).
  const bin = join(appDir, 'node_modules', '.bin', 'strata')
  const strata = (args, options = {}) => run(bin, args, { cwd: appDir, env, ...options })
  const expect = (what, actual, pattern) => {
    if (!pattern.test(actual)) throw new Error(`strata ${what}: expected ${pattern}, got:\n${actual}`)
  }

  const help = await run('npx', ['--no-install', 'strata', '--help'], { cwd: appDir, env })
  expect('--help (through npx)', help.stdout, /Usage: strata[\s\S]*tour[\s\S]*inspect/)
  const version = JSON.parse(
    readFileSync(join(appDir, 'node_modules/@strata/cli/package.json'), 'utf8'),
  ).version
  expect(
    '--version',
    (await strata(['--version'])).stdout,
    new RegExp(`^${version.replaceAll('.', '\\.')}\\s*$`),
  )

  const tour = await strata(['tour', '--dir', join(scratch, 'tour'), '--records', '1000', '--quiet'])
  expect(
    'tour',
    tour.stdout,
    /crash check: \d+ acknowledged writes, \d+ found, 0 missing[\s\S]*tour finished/,
  )

  const db = join(scratch, 'db')
  await strata(['put', db, 'greeting', 'hello'])
  expect('get', (await strata(['get', db, 'greeting'])).stdout, /^hello\n$/)
  await strata(['delete', db, 'greeting'])
  const missing = await strata(['get', db, 'greeting'], { allowFailure: true })
  if (missing.code !== 3)
    throw new Error(`strata get of a deleted key: exit code ${missing.code}, expected 3`)
  const lines = Array.from({ length: 500 }, (_, index) =>
    JSON.stringify({ key: `key-${String(index).padStart(4, '0')}`, value: `value ${index}` }),
  )
  writeFileSync(join(scratch, 'data.jsonl'), `${lines.join('\n')}\n`)
  await strata(['load', db, join(scratch, 'data.jsonl')])
  expect(
    'scan',
    (await strata(['scan', db, '--gte', 'key-0498'])).stdout,
    /^key-0498\tvalue 498\nkey-0499\tvalue 499\n$/,
  )
  await strata(['compact', db])
  expect('stats', (await strata(['stats', db, '--json'])).stdout, /"levels"/)
  expect('inspect', (await strata(['inspect', db])).stdout, /SSTable[\s\S]*every checksum verified/)
  const shell = await strata(['shell', db], { input: 'get key-0007\nexit\n' })
  expect('shell', shell.stdout, /value 7/)
}
