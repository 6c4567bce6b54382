/**
 * ESM import from the installed tarballs: @strata/engine writes, flushes, compacts (the worker
 * file must ship and load), closes, reopens and reads everything back; @strata/level does a
 * put/get/reopen too. Each package ships bundled (scripts/bundle-dist.mjs): an error the engine
 * throws must still be an instance of @strata/base's classes, and the engine must re-export those
 * very classes, not copies.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SCRIPT = `
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as base from '@strata/base'
import * as engine from '@strata/engine'
import { open } from '@strata/engine'
import { StrataLevel } from '@strata/level'

const directory = mkdtempSync(join(tmpdir(), 'strata-consumer-esm-'))
const options = { keyEncoding: 'utf8', valueEncoding: 'json', memtableBytes: 64 * 1024 }
let db = await open(join(directory, 'engine'), options)
for (let round = 0; round < 3; round++) {
  const batch = []
  for (let index = 0; index < 1000; index++) batch.push({ type: 'put', key: 'key-' + String(index).padStart(5, '0'), value: { round, index } })
  await db.batch(batch)
  await db.flush()
}
await db.compactRange()
const compactions = db.stats().compaction.compactions
const status = db.stats().status
await db.close()
db = await open(join(directory, 'engine'), options)
let count = 0
let wrong = 0
for await (const [key, value] of db.iterator()) {
  count++
  if (value.round !== 2 || key !== 'key-' + String(value.index).padStart(5, '0')) wrong++
}
const one = await db.get('key-00042')
await db.close()
let closedError
try {
  await db.get('key-00042')
} catch (error) {
  closedError = {
    code: error.code,
    baseStrataError: error instanceof base.StrataError,
    baseClosedError: error instanceof base.ClosedError,
    sameClasses: engine.StrataError === base.StrataError && engine.ClosedError === base.ClosedError,
  }
}

let level = new StrataLevel(join(directory, 'level'), { valueEncoding: 'json' })
await level.put('user:1', { name: 'Ada' })
await level.close()
level = new StrataLevel(join(directory, 'level'), { valueEncoding: 'json' })
const user = await level.get('user:1')
await level.close()
console.log(JSON.stringify({ count, wrong, one, compactions, status, user, closedError }))
`

export default async function check({ appDir, run }) {
  const file = join(appDir, 'esm-check.mjs')
  writeFileSync(file, SCRIPT)
  const { stdout } = await run(process.execPath, [file], { cwd: appDir })
  const result = JSON.parse(stdout.trim().split('\n').at(-1))
  const expected = {
    count: 1000,
    wrong: 0,
    one: { round: 2, index: 42 },
    status: 'open',
    user: { name: 'Ada' },
    closedError: { code: 'STRATA_CLOSED', baseStrataError: true, baseClosedError: true, sameClasses: true },
  }
  for (const [name, value] of Object.entries(expected)) {
    if (JSON.stringify(result[name]) !== JSON.stringify(value)) {
      throw new Error(
        `ESM use of the installed packages: ${name} is ${JSON.stringify(result[name])}, expected ${JSON.stringify(value)} (${stdout})`,
      )
    }
  }
  if (!(result.compactions >= 1))
    throw new Error(`compactRange() ran no compaction from the installed package: ${stdout}`)
}
