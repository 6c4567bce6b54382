import { afterEach, describe, expect, it } from 'vitest'
import type { Adapter } from './adapters/adapter.js'
import { loadAdapter } from './adapters/index.js'
import { freshDirectory, removeDirectory } from './disk.js'
import { prefill, runWorkload, SEEK_ENTRIES, timed, WORKLOADS } from './workloads.js'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) removeDirectory(directory)
})

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('timed', () => {
  it('awaits each answer that is a promise and times it to its resolution', async () => {
    const latencies = new Float64Array(3)
    const answers: number[] = []
    const seconds = await timed(
      3,
      1,
      async (index) => {
        await delay(20)
        return index * 10
      },
      (answer) => answers.push(answer),
      latencies,
    )
    expect(answers).toEqual([0, 10, 20])
    for (const latency of latencies) expect(latency).toBeGreaterThanOrEqual(15)
    expect(seconds).toBeGreaterThanOrEqual(0.045)
  })

  it('takes answers that are not promises as they are, mixed with promises', async () => {
    const answers: number[] = []
    await timed(
      4,
      1,
      (index) => (index % 2 === 0 ? index : Promise.resolve(index)),
      (answer) => answers.push(answer),
      undefined,
    )
    expect(answers).toEqual([0, 1, 2, 3])
  })

  it('runs `between` after every block, outside the measured time', async () => {
    const calls: number[] = []
    let done = 0
    const seconds = await timed(
      6,
      1,
      async () => {
        await delay(5)
        done++
      },
      () => {},
      undefined,
      {
        every: 2,
        run: () => {
          calls.push(done)
          const until = performance.now() + 60
          while (performance.now() < until) {}
        },
      },
    )
    expect(calls).toEqual([2, 4])
    // Six 5 ms operations; the 120 ms spent in `between` are not counted.
    expect(seconds).toBeGreaterThanOrEqual(0.025)
    expect(seconds).toBeLessThan(0.1)
  })
})

describe('runWorkload', () => {
  it('times strata-getsync scans (asynchronous beside its synchronous gets) to their end', async () => {
    const directory = freshDirectory('workloads-test')
    directories.push(directory)
    const open = await loadAdapter('strata-getsync')
    const n = 2000
    let adapter: Adapter = await open(directory, { sync: false })
    await prefill(adapter, n, 7)
    await adapter.close()
    adapter = await open(directory, { sync: false })
    try {
      const measured = await runWorkload(adapter, WORKLOADS.seekrandom, n, 7)
      expect(measured.operations).toBe(WORKLOADS.seekrandom.operations(n))
      // Every seek away from the end reads SEEK_ENTRIES key-value pairs (16-byte keys).
      expect(measured.bytes).toBeGreaterThan(measured.operations * (SEEK_ENTRIES - 1) * 16)
      const read = await runWorkload(adapter, WORKLOADS.readseq, n, 7)
      expect(read.operations).toBe(n)
    } finally {
      await adapter.close()
    }
  })
})
