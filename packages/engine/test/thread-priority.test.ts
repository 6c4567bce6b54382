/**
 * On Linux the compaction worker lowers its own thread's priority (and only its own): the main
 * thread, which runs the event loop, keeps the default.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { COMPACTION_THREAD_NICE, lowerThreadPriority } from '../src/thread-priority.js'
import { temporaryDirectory } from './helpers.js'

/** The nice value of each thread of this process (Linux /proc), by thread id. */
function threadNiceValues(): Map<number, number> {
  const values = new Map<number, number>()
  for (const name of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${name}/stat`, 'latin1')
      // Field 19 of stat (nice), counted from after the command name.
      values.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
    } catch {
      // The thread ended meanwhile.
    }
  }
  return values
}

describe.runIf(process.platform === 'linux')('compaction thread priority (Linux)', () => {
  it('the compaction worker runs at a lower priority, the main thread at the default', async () => {
    const before = threadNiceValues()
    expect(before.get(process.pid)).toBe(0)
    const database = await open<string, string>(temporaryDirectory(), {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
      memtableBytes: 16 * 1024,
    })
    for (let index = 0; index < 3000; index++) await database.put(`key-${index % 1000}`, `value-${index}`)
    await database.compactRange()
    expect(database.stats().compaction.thread).toBe('worker')
    const after = threadNiceValues()
    // One thread: the worker's. (Threads it started, such as the thread pool's if it were the
    // first to use it, would inherit its nice value.)
    const lowered = [...after].filter(([id, nice]) => nice === COMPACTION_THREAD_NICE && !before.has(id))
    expect(lowered).toHaveLength(1)
    expect(after.get(process.pid)).toBe(0)
    await database.close()
  })

  it.runIf(isMainThread)('never lowers the main thread', () => {
    expect(lowerThreadPriority(COMPACTION_THREAD_NICE)).toBe(false)
    expect(threadNiceValues().get(process.pid)).toBe(0)
  })
})
