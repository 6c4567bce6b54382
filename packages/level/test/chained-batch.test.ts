/**
 * A chained batch holds its own copy of each operation: buffers the caller reuses between
 * `put()` and `write()` do not change what is written (classic-level's batches behave so),
 * in the root database and in a sublevel.
 */
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

describe('chained batch', () => {
  it('copies keys and values as they are added', async () => {
    const db = new StrataLevel<Buffer, Buffer>(temporaryDirectory(), {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    })
    await db.open()
    try {
      const key = Buffer.from('aaaa')
      const value = Buffer.from('1111')
      const batch = db.batch()
      batch.put(key, value)
      key.write('bbbb')
      value.write('2222')
      batch.put(key, value)
      key.write('aaaa')
      batch.del(key)
      key.write('cccc')
      value.write('3333')
      batch.put(key, value)
      key.write('zzzz')
      value.write('9999')
      await batch.write()
      const entries = (await db.iterator().all()).map(([k, v]) => `${k}=${v}`)
      expect(entries).toEqual(['bbbb=2222', 'cccc=3333'])

      const sub = db.sublevel<Buffer, Buffer>('s', { keyEncoding: 'buffer', valueEncoding: 'buffer' })
      await sub.open()
      const subKey = Buffer.from('q1')
      const subBatch = sub.batch()
      subBatch.put(subKey, Buffer.from('x'))
      subKey.write('q2')
      await subBatch.write()
      expect((await sub.keys().all()).map(String)).toEqual(['q1'])
    } finally {
      await db.close()
    }
  })
})
