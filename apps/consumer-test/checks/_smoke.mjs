// The runtime smoke app (not itself a check): the bun, deno and esbuild checks run it, under the
// runtime they test, from an app that has the strata tarballs installed.
//
//   <runtime> _smoke.mjs load DIR          open, load with flushes and compactions, close, reopen,
//                                          verify every key; prints one JSON line of figures
//   <runtime> _smoke.mjs crash-child DIR   writes synced keys forever, printing "ack N" after
//                                          each acknowledged one (the check SIGKILLs it)
//   <runtime> _smoke.mjs crash-verify DIR N  every key 0..N present with its value
//   <runtime> _smoke.mjs hold DIR          opens DIR, prints "held", waits to be killed
//   <runtime> _smoke.mjs try-open DIR      opens DIR; prints the error code it failed with, or "opened"
import { open } from '@strata/engine'
import { lz4Implementation } from '@strata/sstable'

const [mode, directory, lastAck] = process.argv.slice(2)
const options = { keyEncoding: 'utf8', valueEncoding: 'utf8', memtableBytes: 64 * 1024 }
const key = (index) => `key-${String(index).padStart(7, '0')}`
const value = (index) => `value-${index}-${'x'.repeat(index % 97)}`

function fail(message) {
  console.error(`smoke: ${message}`)
  process.exit(1)
}

async function verify(database, count) {
  for (let index = 0; index < count; index++) {
    const found = await database.get(key(index))
    if (found !== value(index)) fail(`${key(index)}: expected ${value(index)}, read ${found}`)
  }
}

if (mode === 'load') {
  const count = 40_000
  const started = performance.now()
  const database = await open(directory, { ...options, sync: false })
  // Shuffled key order, so flushed tables overlap and level-0 compactions merge them.
  for (let round = 0; round < 4; round++) {
    const batch = []
    for (let index = round; index < count; index += 4) batch.push(database.put(key(index), value(index)))
    await Promise.all(batch)
  }
  await database.flush()
  const deadline = Date.now() + 30_000
  while (database.stats().compaction.compactions === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const stats = database.stats()
  await database.close()
  const reopened = await open(directory, options)
  await verify(reopened, count)
  const entries = await reopened.iterator({ keys: true, values: false }).all()
  if (entries.length !== count) fail(`the iterator saw ${entries.length} keys, expected ${count}`)
  await reopened.close()
  console.log(
    JSON.stringify({
      keys: count,
      flushes: stats.flushes,
      compactions: stats.compaction.compactions,
      thread: stats.compaction.thread,
      threadReason: stats.compaction.threadReason,
      readOnlyReason: stats.readOnlyReason,
      lz4: lz4Implementation(),
      ms: Math.round(performance.now() - started),
    }),
  )
} else if (mode === 'crash-child') {
  const database = await open(directory, { ...options, sync: true })
  for (let index = 0; ; index++) {
    await database.put(key(index), value(index))
    console.log(`ack ${index}`)
  }
} else if (mode === 'crash-verify') {
  const database = await open(directory, options)
  await verify(database, Number(lastAck) + 1)
  await database.close()
  console.log(JSON.stringify({ verifiedAfterKill: Number(lastAck) + 1 }))
} else if (mode === 'hold') {
  await open(directory, options)
  console.log('held')
  setInterval(() => {}, 1000)
} else if (mode === 'try-open') {
  try {
    const database = await open(directory, options)
    await database.close()
    console.log('opened')
  } catch (error) {
    console.log(error?.code ?? String(error))
  }
} else {
  fail(`unknown mode ${mode}`)
}
