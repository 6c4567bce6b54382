// Helpers the runtime checks share (not itself a check).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The environment of an app outside the workspace: without NODE_PATH, which pnpm sets for its
 * scripts and through which `require` would find the workspace's packages (the native CRC).
 */
export function appEnvironment() {
  const { NODE_PATH: _ignored, ...environment } = process.env
  return environment
}

/** Runs `command args` to completion; returns stdout, or throws with everything it printed. */
export function exec(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 300_000,
    env: appEnvironment(),
    ...options,
  })
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
  const line = output
    .trim()
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .at(-1)
  if (line === undefined) throw new Error(`no JSON line in the output:\n${output}`)
  return JSON.parse(line)
}

/** Asserts a smoke `load` run flushed, compacted in the worker, never went read-only and ran lz4
 *  (the engine's default codec) in WebAssembly. */
export function assertLoaded(figures, label) {
  if (!(figures.flushes > 1))
    throw new Error(`${label}: expected several flushes, got ${JSON.stringify(figures)}`)
  if (!(figures.compactions > 0)) throw new Error(`${label}: no compaction ran: ${JSON.stringify(figures)}`)
  if (figures.thread !== 'worker') {
    throw new Error(`${label}: compactions ran on the main thread: ${figures.threadReason}`)
  }
  if (figures.readOnlyReason !== undefined) throw new Error(`${label}: read-only: ${figures.readOnlyReason}`)
  if (figures.lz4 !== 'webassembly') throw new Error(`${label}: lz4 ran in ${figures.lz4}, not WebAssembly`)
}

/**
 * The crash check: `command [...args, 'crash-child', dir]` writes synced keys until it has
 * acknowledged `acks` of them, is killed with SIGKILL, then `crash-verify` (same runtime) reads
 * every acknowledged key back. Returns the figures verify printed.
 */
export async function crashCheck(command, args, options, directory, acks = 300) {
  const child = spawn(command, [...args, 'crash-child', directory], {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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
  if (lastAck + 1 < acks)
    throw new Error(`the crash child acknowledged only ${lastAck + 1} writes:\n${stderr}`)
  return lastJson(exec(command, [...args, 'crash-verify', directory, String(lastAck)], options))
}

/**
 * Installs one runtime's platform package from the npm registry into a temp folder (npm 11
 * blocks the `bun` and `deno` packages' postinstall, which would fetch the same binary) and
 * returns the binary's path. The folder (strata-runtimes in the OS temp dir) is kept and
 * reused by the next run.
 */
export function installRuntime(spec, binary) {
  const directory = join(tmpdir(), 'strata-runtimes', spec.replace(/[^a-z0-9.-]/gi, '_'))
  mkdirSync(directory, { recursive: true })
  const path = join(directory, 'node_modules', binary)
  if (!existsSync(path)) {
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'runtimes', private: true }))
    exec('npm', ['install', '--no-save', '--no-audit', '--no-fund', spec], { cwd: directory })
  }
  return path
}

/** The smoke app under `command args` in `appDir`: load + reopen + verify, then the crash check. */
export async function smokeUnder(label, command, args, appDir) {
  placeSmokeApp(appDir)
  const dataDir = temporaryDirectory(`${label}-db`)
  const options = { cwd: appDir }
  const figures = lastJson(exec(command, [...args, '_smoke.mjs', 'load', join(dataDir, 'load')], options))
  assertLoaded(figures, label)
  const crash = await crashCheck(command, [...args, '_smoke.mjs'], options, join(dataDir, 'crash'))
  const lock = await lockCheck(command, [...args, '_smoke.mjs'], options, join(dataDir, 'crash'))
  return { ...figures, ...crash, ...lock }
}

/**
 * The directory lock across processes of one runtime: while a `hold` process has the database
 * open, `try-open` fails with STRATA_LOCKED; once the holder is killed (SIGKILL: its LOCK file
 * stays behind, stale), `try-open` opens.
 */
export async function lockCheck(command, args, options, directory) {
  const holder = spawn(command, [...args, 'hold', directory], {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise((resolve) => holder.on('exit', resolve))
  let stderr = ''
  holder.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  let whileHeld
  try {
    await new Promise((resolve, reject) => {
      holder.stdout.on('data', (chunk) => String(chunk).includes('held') && resolve())
      holder.on('exit', () => reject(new Error(`the lock holder exited:\n${stderr}`)))
    })
    whileHeld = exec(command, [...args, 'try-open', directory], options).trim()
    if (whileHeld !== 'STRATA_LOCKED')
      throw new Error(`a second process opened a held database: ${whileHeld}`)
  } finally {
    holder.kill('SIGKILL')
    await exited
  }
  const afterKill = exec(command, [...args, 'try-open', directory], options).trim()
  if (afterKill !== 'opened')
    throw new Error(`the stale lock of a killed process was not taken over: ${afterKill}`)
  return { lockedWhileHeld: whileHeld, afterHolderKilled: afterKill }
}
