// Helpers the runtime checks share (not itself a check).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Runs `command args` to completion; returns stdout, or throws with everything it printed. */
export function exec(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}, signal ${result.signal}`})\n` +
        `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    )
  }
  return result.stdout
}

/** A fresh directory outside the workspace. */
export function temporaryDirectory(name) {
  return mkdtempSync(join(tmpdir(), `strata-${name}-`))
}

/** Every package tarball in `tarballDir`, as absolute paths. */
export function tarballs(tarballDir) {
  return readdirSync(tarballDir)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => join(tarballDir, file))
}

/** Copies the smoke app into `appDir` (so that it resolves the installed packages) and returns its path. */
export function placeSmokeApp(appDir) {
  const target = join(appDir, '_smoke.mjs')
  copyFileSync(new URL('./_smoke.mjs', import.meta.url), target)
  return target
}

/** The last JSON line a smoke run printed. */
export function lastJson(output) {
  const line = output.trim().split('\n').filter((text) => text.startsWith('{')).at(-1)
  if (line === undefined) throw new Error(`no JSON line in the output:\n${output}`)
  return JSON.parse(line)
}

/** Asserts a smoke `load` run flushed, compacted in the worker and never went read-only. */
export function assertLoaded(figures, label) {
  if (!(figures.flushes > 1)) throw new Error(`${label}: expected several flushes, got ${JSON.stringify(figures)}`)
  if (!(figures.compactions > 0)) throw new Error(`${label}: no compaction ran: ${JSON.stringify(figures)}`)
  if (figures.thread !== 'worker') {
    throw new Error(`${label}: compactions ran on the main thread: ${figures.threadReason}`)
  }
  if (figures.readOnlyReason !== undefined) throw new Error(`${label}: read-only: ${figures.readOnlyReason}`)
}

/**
 * The crash check: `command [...args, 'crash-child', dir]` writes synced keys until it has
 * acknowledged `acks` of them, is killed with SIGKILL, then `crash-verify` (same runtime) reads
 * every acknowledged key back. Returns the figures verify printed.
 */
export async function crashCheck(command, args, options, directory, acks = 300) {
  const child = spawn(command, [...args, 'crash-child', directory], { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let lastAck = -1
  let stderr = ''
  let buffered = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  child.stdout.on('data', (chunk) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop()
    for (const line of lines) if (line.startsWith('ack ')) lastAck = Number(line.slice(4))
    if (lastAck + 1 >= acks) child.kill('SIGKILL')
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const { code, signal } = await exited
  clearTimeout(timer)
  if (signal !== 'SIGKILL') throw new Error(`the crash child exited by itself (code ${code}):\n${stderr}`)
  if (lastAck + 1 < acks) throw new Error(`the crash child acknowledged only ${lastAck + 1} writes:\n${stderr}`)
  return lastJson(exec(command, [...args, 'crash-verify', directory, String(lastAck)], options))
}
