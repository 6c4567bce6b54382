import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { threadId } from 'node:worker_threads'
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { DatabaseLockedError, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!
}

const record = (owner: Record<string, unknown>) => JSON.stringify(owner)

const fixture = fileURLToPath(new URL('./fixtures/hold-open.ts', import.meta.url))

describe('directory lock across processes', () => {
  it('refuses a directory another live process holds, and takes it over once that process is killed', async () => {
    const directory = temporaryDirectory()
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, directory], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)))
    })
    const error = await open(directory).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DatabaseLockedError)
    expect(error).toMatchObject({ code: 'STRATA_LOCKED', ownerPid: child.pid })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const database = await open(directory)
    expect(Buffer.from((await database.get(Buffer.from('held-by')))!).toString()).toBe(String(child.pid))
    await database.close()
  }, 30_000)
})

describe('LOCK records and stale takeover', () => {
  it('takes over an empty LOCK, an unreadable one and one of an older build naming a dead process', async () => {
    for (const content of ['', '{"pid":', record({ pid: deadPid(), startTime: '1' })]) {
      const directory = temporaryDirectory()
      await (await open(directory)).close()
      writeFileSync(join(directory, 'LOCK'), content)
      const database = await open(directory)
      const owner = JSON.parse(readFileSync(join(directory, 'LOCK'), 'utf8'))
      expect(owner).toMatchObject({ pid: process.pid, threadId })
      expect(owner.nonce).toMatch(/^[0-9a-f]{32}$/)
      await database.close()
      expect(readdirSync(directory).filter((name) => name.startsWith('LOCK'))).toEqual([])
    }
  })

  it('takes over through the claims of takers that died mid-takeover, and removes them', async () => {
    const directory = temporaryDirectory()
    await (await open(directory)).close()
    writeFileSync(join(directory, 'LOCK'), record({ pid: deadPid(), threadId: 0, nonce: 'a'.repeat(32) }))
    writeFileSync(
      join(directory, `LOCK.claim-${'a'.repeat(32)}`),
      record({ pid: deadPid(), threadId: 0, nonce: 'b'.repeat(32) }),
    )
    writeFileSync(
      join(directory, `LOCK.claim-${'b'.repeat(32)}`),
      record({ pid: deadPid(), threadId: 0, nonce: 'c'.repeat(32) }),
    )
    writeFileSync(
      join(directory, `LOCK.${'d'.repeat(32)}.tmp`),
      record({ pid: deadPid(), threadId: 0, nonce: 'd'.repeat(32) }),
    )
    const database = await open(directory)
    expect(readdirSync(directory).filter((name) => name.startsWith('LOCK'))).toEqual(['LOCK'])
    await database.close()
  })

  it("removes a claim a dead taker left after its takeover, and keeps a live taker's", async () => {
    const directory = temporaryDirectory()
    await (await open(directory)).close()
    const dead = `LOCK.claim-${'1'.repeat(32)}`
    const live = `LOCK.claim-${'2'.repeat(32)}`
    writeFileSync(join(directory, dead), record({ pid: deadPid(), threadId: 0, nonce: '3'.repeat(32) }))
    writeFileSync(
      join(directory, live),
      record({ pid: process.pid, threadId: threadId + 1, nonce: '4'.repeat(32) }),
    )
    const database = await open(directory)
    const names = readdirSync(directory)
    expect(names).not.toContain(dead)
    expect(names).toContain(live)
    await database.close()
  })

  it('keeps a lock temporary without a record: it may be a live opener between create and write', async () => {
    const directory = temporaryDirectory()
    await (await open(directory)).close()
    const racing = `LOCK.${'f'.repeat(32)}.tmp`
    writeFileSync(join(directory, racing), '')
    const database = await open(directory)
    expect(readdirSync(directory)).toContain(racing)
    await database.close()
  })

  it('waits for a live taker holding a claim, then reports the directory locked', async () => {
    const directory = temporaryDirectory()
    await (await open(directory)).close()
    writeFileSync(join(directory, 'LOCK'), record({ pid: deadPid(), threadId: 0, nonce: 'a'.repeat(32) }))
    writeFileSync(
      join(directory, `LOCK.claim-${'a'.repeat(32)}`),
      record({ pid: process.pid, threadId: threadId + 1, nonce: 'e'.repeat(32) }),
    )
    const started = Date.now()
    const error = await open(directory).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'STRATA_LOCKED', ownerPid: process.pid, ownerThreadId: threadId + 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it('a LOCK naming this process and another thread is live, never stale', async () => {
    const directory = temporaryDirectory()
    await (await open(directory)).close()
    const other = threadId + 7
    writeFileSync(
      join(directory, 'LOCK'),
      record({ pid: process.pid, threadId: other, nonce: 'f'.repeat(32) }),
    )
    const error = await open(directory).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DatabaseLockedError)
    expect(error).toMatchObject({ ownerPid: process.pid, ownerThreadId: other })
    expect(JSON.parse(readFileSync(join(directory, 'LOCK'), 'utf8'))).toMatchObject({ threadId: other })
  })

  it('on an in-memory file system, a second open is refused while the first holds it, and a simulated crash frees it', async () => {
    const memory = new MemoryFileSystem()
    const first = await open('/db', { fs: memory })
    await expect(open('/db/', { fs: memory })).rejects.toMatchObject({
      code: 'STRATA_LOCKED',
      ownerPid: process.pid,
    })
    await first.put(Buffer.from('k'), Buffer.from('v'))
    memory.crash()
    const second = await open('/db', { fs: memory })
    expect(Buffer.from((await second.get(Buffer.from('k')))!).toString()).toBe('v')
    await second.close()
  })
})
