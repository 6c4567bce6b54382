/**
 * The runtime entries load no test helper: the modules reachable from @strata/engine,
 * @strata/level and @strata/base (following imports across the installed @strata packages)
 * never import `node:child_process`, and @strata/base exports none of the test helpers — which
 * @strata/base/testing does.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const TEST_HELPERS = ['runUntilKilled', 'eventsUntilKilled', 'testSeed', 'FaultyFileSystem']

/** The files reachable from `entries` through static and dynamic imports of relative and @strata/ specifiers. */
function reachable(appDir, entries) {
  const require = createRequire(join(appDir, 'package.json'))
  const seen = new Map()
  const queue = entries.map((entry) => ({ file: require.resolve(entry), from: entry }))
  while (queue.length > 0) {
    const { file, from } = queue.shift()
    if (seen.has(file)) continue
    const text = readFileSync(file, 'utf8')
    seen.set(file, { text, from })
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1]
      if (specifier.startsWith('.')) queue.push({ file: join(dirname(file), specifier), from: file })
      else if (specifier.startsWith('@strata/')) {
        queue.push({ file: createRequire(file).resolve(specifier), from: file })
      }
    }
  }
  return seen
}

export default async function check({ appDir, run }) {
  const files = reachable(appDir, ['@strata/engine', '@strata/level', '@strata/base'])
  const offenders = [...files].filter(([, { text }]) => /['"](node:)?child_process['"]/.test(text))
  if (offenders.length > 0) {
    throw new Error(
      `the runtime entries reach node:child_process: ${offenders.map(([file, { from }]) => `${file} (imported by ${from})`).join(', ')}`,
    )
  }
  const script = `
    const base = await import('@strata/base')
    const testing = await import('@strata/base/testing')
    const names = ${JSON.stringify(TEST_HELPERS)}
    console.log(JSON.stringify({ inBase: names.filter((name) => name in base), inTesting: names.filter((name) => name in testing) }))
  `
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir })
  const { inBase, inTesting } = JSON.parse(stdout)
  if (inBase.length > 0) throw new Error(`@strata/base exports test helpers: ${inBase.join(', ')}`)
  if (inTesting.length !== TEST_HELPERS.length) {
    throw new Error(
      `@strata/base/testing lacks ${TEST_HELPERS.filter((name) => !inTesting.includes(name)).join(', ')}`,
    )
  }
}
