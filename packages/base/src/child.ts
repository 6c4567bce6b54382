/**
 * Crash-test support: run a child `node` process, read its output line by line, and kill it
 * with SIGKILL at the moment the test chooses.
 */
import { spawn } from 'node:child_process'

/**
 * Runs `node <args...>` and hands each whole line of its standard output to `onLine`, with a
 * `kill` that sends SIGKILL. Resolves once the child, killed so, has closed its output (after
 * 'close', not 'exit', so no line it printed before the kill is missed); a half-written last
 * line is dropped. Rejects, with the child's standard error, if it ends any other way.
 */
export function runUntilKilled(
  args: string[],
  onLine: (line: string, kill: () => void) => void,
  options: { cwd?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const kill = () => child.kill('SIGKILL')
    let buffered = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        onLine(line, kill)
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`child exited by itself (${code ?? signal}): ${stderr}`))
    })
  })
}

/**
 * Runs `node <args...>`, which prints one JSON event per line, and SIGKILLs it `killAfterMs`
 * after an event with `ready: true`; resolves with every event it printed (as `runUntilKilled`,
 * a half-written last line is dropped).
 */
export async function eventsUntilKilled<E extends { ready?: boolean }>(
  args: string[],
  killAfterMs: number,
): Promise<E[]> {
  const events: E[] = []
  await runUntilKilled(args, (line, kill) => {
    const event = JSON.parse(line) as E
    events.push(event)
    if (event.ready) setTimeout(kill, killAfterMs)
  })
  return events
}
