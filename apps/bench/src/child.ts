/**
 * Entry point of a job's child process: receives one `Job` over IPC, runs it, sends back the
 * outcome, exits. Started by the orchestrator with `fork`.
 */
import { type Job, type JobOutcome, runJob } from './job.js'

/** Messages of this protocol are wrapped in one field: engines that talk over the same IPC
 *  channel (snap-db's database module sends its own messages) cannot be mistaken for ours. */
export interface JobMessage {
  benchJob: Job
}
export interface OutcomeMessage {
  benchOutcome: JobOutcome
}

function reply(outcome: JobOutcome): void {
  const message: OutcomeMessage = { benchOutcome: outcome }
  process.send?.(message, () => process.exit(outcome.ok ? 0 : 1))
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message
  return `non-Error thrown: ${typeof error === 'string' ? error : JSON.stringify(error)}`
}

// The orchestrator is gone (killed, crashed): nobody will read the result, stop now.
process.on('disconnect', () => process.exit(3))

let started = false
process.on('message', (message: Partial<JobMessage>) => {
  if (started || typeof message !== 'object' || message === null || message.benchJob === undefined) return
  started = true
  runJob(message.benchJob).then(reply, (error: unknown) => reply({ ok: false, error: describe(error) }))
})
