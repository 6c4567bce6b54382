import { open } from '@strata/engine'
const dir = process.argv[2]
const db = await open(dir, { memtableBytes: 64 * 1024, level1Bytes: 256 * 1024, targetFileBytes: 64 * 1024 })
console.log('ready')
let i = 0
for (;;) {
  const batch = []
  for (let j = 0; j < 200; j++) { const k = (i * 7919) % 1000000; batch.push({ type: 'put', key: Buffer.from(`key:${String(k).padStart(7,'0')}`), value: Buffer.alloc(100, i % 256) }); i++ }
  await db.batch(batch, { sync: false })
}
