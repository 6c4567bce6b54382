/**
 * The tree a read workload of apps/bench starts from: fills a store as the bench prefills it
 * (1,000,000 keys of 16 digits in a shuffled order, 100-byte values, batches of 1,000), closes
 * it, reopens it and prints the number of tables per level then, and again over the next seconds.
 *
 *   node scripts/reopen-shape.mjs <checkout, e.g. /work/main>
 */
const { open } = await import(process.argv[2] + '/packages/engine/dist/index.js')
const { mkdtempSync, rmSync } = await import('node:fs')
const { tmpdir } = await import('node:os')
const { join } = await import('node:path')
const dir = mkdtempSync(join(tmpdir(), 'shape-'))
let db = await open(dir, { sync: false })
const n = 1000000
const order = Array.from({ length: n }, (_, i) => i)
let s = 1
for (let i = n - 1; i > 0; i--) {
  s = (s * 1103515245 + 12345) & 0x7fffffff
  const j = s % (i + 1)
  ;[order[i], order[j]] = [order[j], order[i]]
}
const val = Buffer.alloc(100, 7)
for (let st = 0; st < n; st += 1000) {
  const ops = []
  for (let i = st; i < st + 1000; i++)
    ops.push({ type: 'put', key: Buffer.from(String(order[i]).padStart(16, '0')), value: val })
  await db.batch(ops)
}
const shape = (d) =>
  d
    .levels()
    .map((l) => l.tables.length)
    .join(',')
console.log('before close', shape(db))
await db.close()
db = await open(dir, { sync: false })
console.log('at reopen', shape(db))
for (const t of [500, 1000, 2000, 4000]) {
  await new Promise((r) => setTimeout(r, t === 500 ? 500 : t / 2))
  console.log('after', t, 'ms', shape(db))
}
await db.close()
rmSync(dir, { recursive: true, force: true })
