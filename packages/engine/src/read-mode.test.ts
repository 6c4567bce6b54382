import { describe, expect, it } from 'vitest'
import { GET_MANY_SYNC_MS } from './budgets.js'
import { ASYNC_BACKOFF_MS, ReadModeGovernor, SLOW_READ_MS } from './read-mode.js'
import { ReadPolicy } from './read-policy.js'

/** A governor on a hand-driven clock; `read(ms)` records one synchronous read taking `ms`. */
function governed(mode: 'auto' | 'sync' | 'async') {
  let clock = 1000
  const governor = new ReadModeGovernor(mode, () => clock)
  return {
    governor,
    read(ms: number) {
      const startedAt = governor.start()
      clock += ms
      governor.record(startedAt)
    },
    advance(ms: number) {
      clock += ms
    },
  }
}

describe('ReadModeGovernor', () => {
  it("'sync' always reads synchronously and 'async' never does, however slow the reads", () => {
    const sync = governed('sync')
    const async = governed('async')
    for (let index = 0; index < 100; index++) sync.read(50)
    expect(sync.governor.readSync()).toBe(true)
    expect(sync.governor.switchesToAsync).toBe(0)
    expect(async.governor.readSync()).toBe(false)
  })

  it("'auto' stays synchronous while reads are fast and through a few isolated slow reads", () => {
    const { governor, read } = governed('auto')
    for (let index = 0; index < 1000; index++) {
      // One slow read in every 16: at most 2 in any window of 32, below the switch threshold.
      read(index % 16 === 0 ? 30 : 0.005)
      expect(governor.readSync()).toBe(true)
    }
    expect(governor.syncReads).toBe(1000)
    expect(governor.slowSyncReads).toBe(63)
    expect(governor.switchesToAsync).toBe(0)
  })

  it("'auto' falls back to the thread pool after 4 slow reads in 32, then measures again", () => {
    const { governor, read, advance } = governed('auto')
    for (let index = 0; index < 3; index++) read(SLOW_READ_MS * 2)
    expect(governor.readSync()).toBe(true)
    read(SLOW_READ_MS * 2)
    expect(governor.readSync()).toBe(false)
    expect(governor.switchesToAsync).toBe(1)
    advance(ASYNC_BACKOFF_MS / 2)
    expect(governor.readSync()).toBe(false)
    advance(ASYNC_BACKOFF_MS / 2 + 1)
    expect(governor.readSync()).toBe(true)
    // The window was cleared: one more slow read does not switch it back at once.
    read(SLOW_READ_MS * 2)
    expect(governor.readSync()).toBe(true)
  })

  it('forgets slow reads that have left the window', () => {
    const { governor, read } = governed('auto')
    for (let index = 0; index < 3; index++) read(1)
    for (let index = 0; index < 32; index++) read(0.001)
    read(1)
    read(1)
    read(1)
    expect(governor.readSync()).toBe(true)
    read(1)
    expect(governor.readSync()).toBe(false)
  })
})

describe('ReadPolicy.getManyWindow', () => {
  it("in 'auto', a getMany may read synchronously for GET_MANY_SYNC_MS of its own clock, then not", () => {
    let clock = 500
    const policy = new ReadPolicy('auto', () => clock)
    const window = policy.getManyWindow()
    expect(window()).toBe(true)
    expect(policy.pointRead(window())).toBe('sync-timed')
    clock += GET_MANY_SYNC_MS - 0.001
    expect(window()).toBe(true)
    clock += 0.001
    expect(window()).toBe(false)
    expect(policy.pointRead(window())).toBe('async')
    // Each getMany has its own window: a new one opens at the clock's current time.
    const next = policy.getManyWindow()
    expect(next()).toBe(true)
    clock += GET_MANY_SYNC_MS
    expect(next()).toBe(false)
  })

  it("in 'sync' and 'async' the window never closes: the mode alone decides", () => {
    let clock = 0
    for (const mode of ['sync', 'async'] as const) {
      const policy = new ReadPolicy(mode, () => clock)
      const window = policy.getManyWindow()
      clock += 60_000
      expect(window()).toBe(true)
      expect(policy.pointRead(window())).toBe(mode === 'sync' ? 'sync-timed' : 'async')
    }
  })
})
