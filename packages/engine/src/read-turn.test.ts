import { describe, expect, it } from 'vitest'
import { READ_TURN_MS, READS_PER_CLOCK_CHECK } from './budgets.js'
import { ReadTurn } from './read-turn.js'

/** A read turn on a hand-driven clock and block-read count; `clockReads` counts looks at it. */
function driven() {
  const state = { clock: 1000, syncReads: 0, clockReads: 0 }
  const turn = new ReadTurn(
    () => state.syncReads,
    () => {
      state.clockReads++
      return state.clock
    },
  )
  return { state, turn }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('ReadTurn', () => {
  it('reads the clock every READS_PER_CLOCK_CHECK answers, and says spent once the budget is gone', () => {
    const { state, turn } = driven()
    expect(turn.spent()).toBe(false) // the turn's first answer starts it
    expect(state.clockReads).toBe(1)
    state.clock += READ_TURN_MS // the budget is gone, but the clock is not read yet
    for (let answer = 1; answer < READS_PER_CLOCK_CHECK; answer++) expect(turn.spent()).toBe(false)
    expect(state.clockReads).toBe(1)
    expect(turn.spent()).toBe(true)
    expect(state.clockReads).toBe(2)
  })

  it('reads the clock at once after an answer that read a block synchronously', () => {
    const { state, turn } = driven()
    expect(turn.spent()).toBe(false)
    expect(turn.spent()).toBe(false)
    state.syncReads++
    state.clock += READ_TURN_MS - 0.5 // within the budget
    expect(turn.spent()).toBe(false)
    expect(state.clockReads).toBe(2)
    state.syncReads++
    state.clock += 0.5
    expect(turn.spent()).toBe(true)
    expect(state.clockReads).toBe(3)
  })

  it('starts a new budget in the next event-loop turn', async () => {
    const { state, turn } = driven()
    expect(turn.spent()).toBe(false)
    state.clock += 10 * READ_TURN_MS
    state.syncReads++
    expect(turn.spent()).toBe(true)
    await nextTurn()
    expect(turn.spent()).toBe(false)
    state.syncReads++
    expect(turn.spent()).toBe(false) // read at once, and within the new turn's budget
  })
})
