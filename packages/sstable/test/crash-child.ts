/**
 * Child process of crash.test.ts: builds a table at argv[2] with argv[3] entries, printing
 * "progress <entries>" as it goes and "finished <fileSize>" once finish() resolved; then waits
 * to be killed. The parent SIGKILLs it at some point.
 */
import { OpType } from '@strata/base'
import { TableBuilder } from '../src/index.js'

const path = process.argv[2]!
const count = Number(process.argv[3])
const builder = new TableBuilder(path, { blockBytes: 1024 })
const value = new Uint8Array(200).fill(7)
for (let index = 0; index < count; index++) {
  builder.add({
    key: Buffer.from(`key${String(index).padStart(9, '0')}`),
    seq: index + 1,
    op: OpType.Put,
    value,
  })
  if (index % 5000 === 0) process.stdout.write(`progress ${index}\n`)
}
const meta = await builder.finish()
process.stdout.write(`finished ${meta.fileSize}\n`)
setInterval(() => {}, 1000)
