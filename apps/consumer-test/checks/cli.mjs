/**
 * The `strata` command from its installed tarball (`npx strata`, as a user runs it): --help,
 * --version, a small tour, and every subcommand on a database of its own; `strata serve`
 * answers with its page, the page's script and the state (its files ship in the tarball).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appEnvironment } from './_helpers.mjs'

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
  await checkServe(bin, db, appDir, expect)
}

/** `strata serve db --port 0`: the page, its script and /api/state answer; then SIGTERM. */
async function checkServe(bin, db, appDir, expect) {
  const server = spawn(bin, ['serve', db, '--port', '0', '--seconds', '60'], {
    cwd: appDir,
    env: appEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`strata serve printed no address in 30 s:\n${output}`)),
        30_000,
      )
      const look = (chunk) => {
        output += chunk.toString()
        const found = /at (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output)
        if (found) {
          clearTimeout(timer)
          resolve(found[1])
        }
      }
      server.stdout.on('data', look)
      server.stderr.on('data', look)
      server.on('exit', (code) => reject(new Error(`strata serve exited with ${code}:\n${output}`)))
    })
    const page = await fetch(url)
    expect('serve: GET /', `${page.status} ${await page.text()}`, /^200 [\s\S]*<script src="\/app\.js">/)
    const script = await fetch(new URL('/app.js', url))
    expect('serve: GET /app.js', `${script.status} ${await script.text()}`, /^200 [\s\S]*EventSource/)
    const state = await fetch(new URL('/api/state', url))
    expect(
      'serve: GET /api/state',
      `${state.status} ${await state.text()}`,
      /^200 \{"directory":.*"mode":"own"/,
    )
    const post = await fetch(new URL('/api/state', url), { method: 'POST' })
    expect('serve: POST /api/state', String(post.status), /^405$/)
  } finally {
    server.kill('SIGTERM')
  }
}
