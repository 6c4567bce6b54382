/**
 * For the scripts beside it: runs one of the bench's jobs (dist/job.js `runJob`) of `checkout`
 * in a child process of its own, as the bench does, and returns its result (throws its error).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

export function runJobInChild(checkout, spec) {
  const jobJs = join(checkout, 'apps/bench/dist/job.js')
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `import(${JSON.stringify(jobJs)}).then(async ({ runJob }) => { const r = await runJob(${JSON.stringify(spec)}); process.stdout.write(JSON.stringify(r)); process.exit(0) })`,
    ],
    { encoding: 'utf8', maxBuffer: 1e8 },
  )
  const outcome = JSON.parse(out)
  if (!outcome.ok) throw new Error(outcome.error)
  return outcome.result
}
