// An install without optional dependencies (`npm install --omit=optional`: no @node-rs/crc32, as
// on a platform with no prebuilt binary) holds no msgpackr (the engine's packages depend on
// nothing but each other), imports @strata/engine, writes, reads, reopens, and computes its checksums with the WebAssembly CRC32C
// (the native one absent).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createApp } from '../lib/app.mjs'
import { exec, tarballs } from './_helpers.mjs'

const APP = `
import { crc32cImplementation } from '@strata/base'
import { open } from '@strata/engine'
const directory = process.argv[2]
const options = { keyEncoding: 'utf8', valueEncoding: 'json', memtableBytes: 16 * 1024 }
const database = await open(directory, options)
for (let index = 0; index < 3000; index++) await database.put('key-' + index, { index })
await database.flush()
await database.close()
const reopened = await open(directory, options)
for (let index = 0; index < 3000; index++) {
  const found = await reopened.get('key-' + index)
  if (found?.index !== index) throw new Error('key-' + index + ' read back as ' + JSON.stringify(found))
}
await reopened.close()
console.log(JSON.stringify({ crc32c: crc32cImplementation, flushes: 'ok' }))
`

export default async function check({ tarballDir }) {
  const appDir = await createApp(tarballs(tarballDir), { npmArguments: ['--omit=optional'], tooling: false })
  for (const optional of ['@node-rs/crc32', 'msgpackr-extract']) {
    if (existsSync(join(appDir, 'node_modules', optional))) {
      throw new Error(`npm install --omit=optional still installed ${optional}`)
    }
  }
  // The engine needs nothing but strata's own packages (its MessagePack code is its own: no msgpackr).
  for (const name of ['base', 'wal', 'memtable', 'sstable', 'engine']) {
    const manifest = JSON.parse(
      readFileSync(join(appDir, 'node_modules/@strata', name, 'package.json'), 'utf8'),
    )
    const foreign = Object.keys(manifest.dependencies ?? {}).filter(
      (dependency) => !dependency.startsWith('@strata/'),
    )
    if (foreign.length > 0) throw new Error(`@strata/${name} depends on ${foreign.join(', ')}`)
  }
  if (existsSync(join(appDir, 'node_modules', 'msgpackr')))
    throw new Error('the app still installed msgpackr')
  writeFileSync(join(appDir, 'app.mjs'), APP)
  const output = exec(process.execPath, ['app.mjs', join(appDir, 'db')], { cwd: appDir })
  const { crc32c } = JSON.parse(output.trim().split('\n').at(-1))
  if (crc32c.kind !== 'webassembly')
    throw new Error(`expected the WebAssembly CRC32C, got ${JSON.stringify(crc32c)}`)
  console.log(`omit-optional: wrote, reopened and read 3000 keys; CRC32C ${crc32c.kind} (${crc32c.reason})`)
}
