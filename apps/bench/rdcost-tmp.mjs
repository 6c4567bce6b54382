// node rdcost.mjs <mode: plain|memtable|table> <keys> <reads>
import { open } from '@strata/engine'
import { freshDirectory, removeDirectory } from '/work/main/apps/bench/dist/disk.js'
import { keyOf, putAscending } from '/work/main/apps/bench/dist/keys.js'
import { Random } from '/work/main/apps/bench/dist/random.js'
const [mode, keysArg, readsArg] = process.argv.slice(2)
const keys = Number(keysArg), reads = Number(readsArg)
const directory = freshDirectory('rdcost')
const db = await open(directory, { sync: false, blockCacheBytes: 256 * 1024 * 1024 })
await putAscending(db, keys)
await db.compactRange()
if (mode !== 'plain') await db.deleteRange({ gte: keyOf(keys), lt: keyOf(keys * 2) })
if (mode === 'table') await db.flush()
const warm = new Random(1)
for (let i = 0; i < keys; i++) db.getSync(keyOf(Math.floor(warm.fraction() * keys)))
const random = new Random(2)
for (let i = 0; i < reads; i++) if (db.getSync(keyOf(Math.floor(random.fraction() * keys))) === undefined) throw new Error('missing')
await db.close()
removeDirectory(directory)
