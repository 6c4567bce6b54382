/**
 * Crash scenarios with real processes: a child building a table is SIGKILLed part-way (the
 * half-written file must be refused at open, never read as a table), or right after finish()
 * resolved (the table must be complete and readable).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as nodePath from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SSTableCorruptError, Table } from '../src/index.js'
import { removeDirectory, temporaryDirectory } from './helpers.js'

const directory = temporaryDirectory()
afterAll(() => removeDirectory(directory))
const packageRoot = nodePath.resolve(import.meta.dirname, '..')

/** Starts the child; resolves once `predicate` accepts a line it printed. */
function runChild(path: string, count: number, predicate: (line: string) => boolean): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', nodePath.join('test', 'crash-child.ts'), path, String(count)],
    {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      if (lines.some(predicate)) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(`child exited early with code ${code}`)))
  })
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.on('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

describe('a table builder killed by SIGKILL', () => {
  it('leaves a file that open() refuses as corrupt, when killed part-way', async () => {
    const path = nodePath.join(directory, 'partial.sst')
    const child = await runChild(path, 2_000_000, (line) => line === 'progress 100000')
    await kill(child)
    const size = fs.statSync(path).size
    expect(size).toBeGreaterThan(0) // whole chunks had reached the file
    const error = await Table.open(path).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(SSTableCorruptError)
    expect(error).toMatchObject({ block: 'footer', file: path })
  }, 60_000)

  it('leaves a complete, readable table when killed after finish() resolved', async () => {
    const path = nodePath.join(directory, 'complete.sst')
    let fileSize = 0
    const child = await runChild(path, 20_000, (line) => {
      if (!line.startsWith('finished ')) return false
      fileSize = Number(line.slice('finished '.length))
      return true
    })
    await kill(child)
    expect(fs.statSync(path).size).toBe(fileSize)
    const table = await Table.open(path)
    expect(table.meta.entryCount).toBe(20_000)
    const last = await table.get(Buffer.from(`key${String(19_999).padStart(9, '0')}`))
    expect(last?.seq).toBe(20_000)
    let count = 0
    const iterator = table.iterator()
    while (iterator.nextSync() !== undefined) count++
    expect(count).toBe(20_000)
    await table.close()
  }, 60_000)
})
