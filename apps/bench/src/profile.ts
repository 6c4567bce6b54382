/**
 * Top self-time functions of a V8 `.cpuprofile` (as written by `node --cpu-prof`, which
 * `--cpu-prof <dir>` turns on for strata's jobs): `node dist/profile.js <file> [count]`.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  location: string
  milliseconds: number
  share: number
}

/** Self time per function (summed over every node of that function), largest first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const totals = new Map<string, SelfTime>()
  let all = 0
  profile.samples.forEach((id, index) => {
    const delta = (profile.timeDeltas[index] ?? 0) / 1000
    all += delta
    const frame = nodes.get(id)?.callFrame
    if (frame === undefined) return
    const name = frame.functionName || '(anonymous)'
    const location = frame.url === '' ? '' : `${basename(frame.url)}:${frame.lineNumber + 1}`
    const key = `${name} ${location}`
    const entry = totals.get(key) ?? { name, location, milliseconds: 0, share: 0 }
    entry.milliseconds += delta
    totals.set(key, entry)
  })
  const list = [...totals.values()].sort((a, b) => b.milliseconds - a.milliseconds)
  for (const entry of list) entry.share = all === 0 ? 0 : entry.milliseconds / all
  return list
}

export function renderSelfTimes(list: SelfTime[], count: number): string {
  return list
    .slice(0, count)
    .map(
      (entry) =>
        `${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.milliseconds.toFixed(0).padStart(7)} ms  ${entry.name}  ${entry.location}`,
    )
    .join('\n')
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) {
  const [file, count] = process.argv.slice(2)
  if (file === undefined) {
    process.stderr.write('usage: node dist/profile.js <file.cpuprofile> [count]\n')
    process.exitCode = 2
  } else {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    process.stdout.write(`${renderSelfTimes(selfTimes(profile), Number(count ?? 20))}\n`)
  }
}
