import { describe, expect, it } from 'vitest'
import { eventsUntilKilled, runUntilKilled } from './child.js'

describe('runUntilKilled', () => {
  it('hands over whole lines, kills on request, and drops a half-written last line', async () => {
    const lines: string[] = []
    const script = "process.stdout.write('one\\ntwo\\nready\\npart'); setInterval(() => {}, 1000)"
    await runUntilKilled(['-e', script], (line, kill) => {
      lines.push(line)
      if (line === 'ready') kill()
    })
    expect(lines).toEqual(['one', 'two', 'ready'])
  })

  it('rejects with the standard error when the child ends by itself', async () => {
    await expect(
      runUntilKilled(['-e', "console.error('gave up'); process.exit(3)"], () => {}),
    ).rejects.toThrow(/exited by itself \(3\): gave up/)
  })

  it('eventsUntilKilled parses JSON lines and kills the child a while after it says ready', async () => {
    const script =
      'console.log(JSON.stringify({ n: 1 })); console.log(JSON.stringify({ ready: true }));' +
      'let n = 2; setInterval(() => console.log(JSON.stringify({ n: n++ })), 5)'
    const events = await eventsUntilKilled<{ n?: number; ready?: boolean }>(['-e', script], 60)
    expect(events.slice(0, 2)).toEqual([{ n: 1 }, { ready: true }])
    // Killed after ready, not at it: the child went on printing meanwhile.
    expect(events.length).toBeGreaterThan(2)
    expect(events.slice(2).map((event) => event.n)).toEqual(events.slice(2).map((_, index) => index + 2))
  })
})
