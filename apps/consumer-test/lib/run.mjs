/**
 * Runs a command to completion and returns its exit code and output; by default a non-zero exit
 * throws an error that quotes the command, its exit code and the tail of its output.
 */
import { spawn } from 'node:child_process'

const TAIL_CHARACTERS = 4000

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, input?: string, allowFailure?: boolean, timeoutMs?: number }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function run(command, args, options = {}) {
  const { cwd, env, input, allowFailure = false, timeoutMs = 120_000 } = options
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${command}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { code, stdout, stderr }
      if (code === 0 || allowFailure) return resolve(result)
      const how = signal === null ? `exit code ${code}` : `signal ${signal} (timeout ${timeoutMs} ms?)`
      reject(
        new Error(
          `\`${[command, ...args].join(' ')}\` (in ${cwd ?? process.cwd()}) failed with ${how}\n` +
            `--- stdout (tail)\n${stdout.slice(-TAIL_CHARACTERS)}\n--- stderr (tail)\n${stderr.slice(-TAIL_CHARACTERS)}`,
        ),
      )
    })
    child.stdin.end(input ?? '')
  })
}
