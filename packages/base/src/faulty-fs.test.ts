import { describe, expect, it } from 'vitest'
import { FaultyFileSystem } from './faulty-fs.js'
import { MemoryFileSystem } from './memory-fs.js'

const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])

describe('FaultyFileSystem', () => {
  it('fails the nth fsync only, and counts every fsync', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem())
    const fd = await fs.open('/f', 'w')
    fs.inject({ operation: 'fsync', nth: 2 })
    await fs.fsync(fd)
    await expect(fs.fsync(fd)).rejects.toMatchObject({ code: 'EIO' })
    await fs.fsync(fd)
    expect(fs.counts.fsync).toBe(3)
  })

  it('tears a write after the given number of bytes', () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const fd = fs.openSync('/f', 'w')
    fs.inject({ operation: 'write', tornBytes: 3 })
    expect(() => fs.writeSync(fd, data, 0, 8, 0)).toThrow(/EIO/)
    expect([...memory.readFileSync('/f')]).toEqual([1, 2, 3])
  })

  it('fills the disk at the space limit with ENOSPC', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    fs.spaceLimitBytes = 12
    const fd = await fs.open('/f', 'a')
    await fs.write(fd, data, 0, 8, null)
    await expect(fs.write(fd, data, 0, 8, null)).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(memory.readFileSync('/f').length).toBe(12)
  })

  it('matches rules by path and keeps failing when persistent', () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem())
    fs.inject({ operation: 'open', path: /\.sst$/, code: 'EACCES', persistent: true })
    expect(fs.openSync('/a.log', 'w')).toBeGreaterThan(0)
    expect(() => fs.openSync('/a.sst', 'w')).toThrow(/EACCES/)
    expect(() => fs.openSync('/b.sst', 'w')).toThrow(/EACCES/)
    fs.heal()
    expect(fs.openSync('/b.sst', 'w')).toBeGreaterThan(0)
  })
})
