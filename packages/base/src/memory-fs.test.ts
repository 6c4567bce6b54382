import { describe, expect, it } from 'vitest'
import { MemoryFileSystem } from './memory-fs.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

describe('MemoryFileSystem', () => {
  it('keeps only fsynced bytes across a power loss', () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/db')
    fs.syncDirSync('/')
    const fd = fs.openSync('/db/log', 'a')
    fs.syncDirSync('/db')
    fs.writeSync(fd, bytes('durable'), 0, 7, null)
    fs.fsyncSync(fd)
    fs.writeSync(fd, bytes('-lost'), 0, 5, null)
    expect(text(fs.readFileSync('/db/log'))).toBe('durable-lost')
    fs.powerLoss()
    expect(text(fs.readFileSync('/db/log'))).toBe('durable')
    expect(fs.openDescriptors).toBe(0)
  })

  it('loses a rename whose directory was not synced, keeps it once synced', () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/db')
    fs.writeFileSync('/db/a.tmp', bytes('x'))
    fs.syncDirSync('/db')
    fs.renameSync('/db/a.tmp', '/db/a')
    fs.powerLoss()
    expect(fs.readdirSync('/db')).toEqual(['a.tmp'])
    fs.renameSync('/db/a.tmp', '/db/a')
    fs.syncDirSync('/db')
    fs.powerLoss()
    expect(fs.readdirSync('/db')).toEqual(['a'])
  })

  it('keeps every written byte across a process crash', () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/db')
    const fd = fs.openSync('/db/log', 'w')
    fs.writeSync(fd, bytes('abc'), 0, 3, 0)
    fs.crash()
    expect(text(fs.readFileSync('/db/log'))).toBe('abc')
    expect(() => fs.writeSync(fd, bytes('d'), 0, 1, null)).toThrow(/EBADF/)
  })

  it('reports missing files and existing ones as the OS does', async () => {
    const fs = new MemoryFileSystem()
    expect(() => fs.openSync('/nope/file', 'w')).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    fs.mkdirSync('/d')
    fs.writeFileSync('/d/f', bytes('1'))
    expect(() => fs.openSync('/d/f', 'wx')).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(await fs.stat('/d/missing')).toBeUndefined()
    expect(await fs.stat('/d/f')).toEqual({ size: 1, isDirectory: false })
  })

  it('reads at a position and writes past the end with a zero-filled gap', async () => {
    const fs = new MemoryFileSystem()
    const fd = await fs.open('/f', 'w')
    await fs.write(fd, bytes('ab'), 0, 2, 4)
    const out = new Uint8Array(6)
    const fdRead = await fs.open('/f', 'r')
    expect(await fs.read(fdRead, out, 0, 10, 0)).toBe(6)
    expect([...out]).toEqual([0, 0, 0, 0, 97, 98])
  })

  it('links a second name to a file atomically (EEXIST when taken) and resolves real paths', () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/d')
    fs.writeFileSync('/d/a', bytes('content'))
    fs.linkSync('/d/a', '/d/b')
    expect(Buffer.from(fs.readFileSync('/d/b')).toString()).toBe('content')
    fs.unlinkSync('/d/a')
    expect(Buffer.from(fs.readFileSync('/d/b')).toString()).toBe('content')
    fs.writeFileSync('/d/c', bytes('other'))
    expect(() => fs.linkSync('/d/c', '/d/b')).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(fs.realpathSync('/d/../d/./b')).toBe('/d/b')
    expect(() => fs.realpathSync('/d/missing')).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })
})
