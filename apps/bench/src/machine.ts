/** A one-line description of the machine a run happened on, for the report. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem, type } from 'node:os'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  fileSystem: string
  /** The checkout's commit when the run started, `+dirty` with uncommitted changes. */
  commit: string
}

function tmpFileSystem(): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length > 2)
    // The longest mount point that prefixes the temp directory holds it.
    const tmp = process.env.TMPDIR ?? '/tmp'
    const best = mounts
      .filter(
        ([, point]) =>
          point !== undefined && (tmp === point || tmp.startsWith(point === '/' ? '/' : `${point}/`)),
      )
      .sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0))[0]
    return best === undefined ? 'unknown' : `${best[2]} on ${best[0]}`
  } catch {
    return 'unknown'
  }
}

function gitCommit(): string {
  try {
    const options = {
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'],
    }
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], options).trim()
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], options).trim() !== ''
    return dirty ? `${head}+dirty` : head
  } catch {
    return 'unknown'
  }
}

export function describeMachine(): Machine {
  const list = cpus()
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    fileSystem: tmpFileSystem(),
    commit: gitCommit(),
  }
}

export function machineLine(machine: Machine): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, ` +
    `Node ${machine.node}, temp dirs on ${machine.fileSystem}; checkout at ${machine.commit}`
  )
}
