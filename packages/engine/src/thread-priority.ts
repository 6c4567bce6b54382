/**
 * The compaction worker's scheduling priority. On a machine with fewer free cores than runnable
 * threads, a thread that wakes up waits for a core; the main thread (the event loop) then waits
 * behind the worker's merge, which has no deadline. On Linux the worker lowers its own priority
 * (the nice value of its thread only, not of the process), so the main thread, V8's GC helpers
 * and the thread pool get a core first and the merge uses what they leave. Elsewhere nothing
 * changes: there `setpriority` applies to the whole process.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/** The nice value the compaction worker's thread takes (0 is the default, 19 the lowest). */
export const COMPACTION_THREAD_NICE = 10

/**
 * Lowers the calling thread's priority to `nice` (Linux, a thread other than the main thread);
 * returns whether it did. Never throws: a thread whose priority cannot change runs as before.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isSafeInteger(threadId) || threadId <= 0 || threadId === process.pid) return false
    setPriority(threadId, nice)
    return true
  } catch {
    return false
  }
}
