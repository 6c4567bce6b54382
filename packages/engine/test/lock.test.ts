import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DatabaseLockedError, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

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
