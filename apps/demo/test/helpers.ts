/**
 * Test helpers: run the built CLI (`node dist/cli.js`, built by turbo before the tests) as a
 * user would, in a scratch directory, and capture its exit code and output.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const packageDirectory = fileURLToPath(new URL('..', import.meta.url))
export const cli = join(packageDirectory, 'dist', 'cli.js')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `strata <args>` and waits for it. */
export function strata(
  args: string[],
  options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Run {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: 120_000,
  })
  if (result.error) throw result.error
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A fresh scratch directory; remove it with `removeScratch`. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'strata-demo-test-'))
}

export function removeScratch(directory: string): void {
  rmSync(directory, { recursive: true, force: true })
}

/** Stderr of a failure is exactly one line: `strata: <what> — <what to do>`. */
export function oneLineFailure(run: Run): string {
  const lines = run.stderr.trimEnd().split('\n')
  if (lines.length !== 1 || !/^strata: .+ — .+/.test(lines[0]!)) {
    throw new Error(`expected a one-line failure, got:\n${run.stderr}`)
  }
  return lines[0]!
}

/** Starts a process that opens `directory` with the engine and holds it open until killed. */
export async function holdOpen(directory: string): Promise<ChildProcess> {
  const script = `import { open } from '@strata/engine'; await open(${JSON.stringify(directory)}); console.log('ready'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDirectory,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`the holder exited with ${code}`)))
  })
  return child
}
