/**
 * require() from CommonJS: every library package loads with Node's require(esm) (the packages are
 * ESM-only; `engines` says Node >= 20.19, where it needs no flag), and @strata/engine works
 * through it: put, get, close, reopen.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SCRIPT = `
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const loaded = {}
for (const name of JSON.parse(process.argv[2])) loaded[name] = Object.keys(require(name)).length
const { open, StrataError } = require('@strata/engine')
;(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'strata-consumer-cjs-'))
  let db = await open(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  await db.put('greeting', 'hello')
  await db.close()
  db = await open(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  const value = await db.get('greeting')
  await db.close()
  console.log(JSON.stringify({ loaded, value, errorClass: typeof StrataError }))
})().catch((error) => { console.error(error); process.exit(1) })
`

export default async function check({ appDir, run }) {
  const file = join(appDir, 'require-check.cjs')
  writeFileSync(file, SCRIPT)
  const libraries = [
    '@strata/base',
    '@strata/wal',
    '@strata/memtable',
    '@strata/sstable',
    '@strata/engine',
    '@strata/level',
  ]
  const { stdout, stderr } = await run(process.execPath, [file, JSON.stringify(libraries)], { cwd: appDir })
  const result = JSON.parse(stdout.trim().split('\n').at(-1))
  for (const name of libraries) {
    if (!(result.loaded[name] > 0)) throw new Error(`require('${name}') gave no exports: ${stdout}${stderr}`)
  }
  if (result.value !== 'hello')
    throw new Error(`require('@strata/engine'): get after reopen gave ${JSON.stringify(result.value)}`)
  const engines = JSON.parse(
    readFileSync(join(appDir, 'node_modules/@strata/engine/package.json'), 'utf8'),
  ).engines
  if (engines?.node !== '>=20.19.0') {
    throw new Error(
      `@strata/engine's engines.node is ${JSON.stringify(engines?.node)}: require(esm) needs ">=20.19.0"`,
    )
  }
}
