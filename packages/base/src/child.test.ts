import { describe, expect, it } from 'vitest'
import { runUntilKilled } from './child.js'

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
})
