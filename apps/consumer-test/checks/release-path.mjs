/**
 * The release path gives every published package a real version: `changeset version` bumps a
 * package still at 0.0.0 to exactly 0.1.0 (its pending changesets hold a minor bump and no
 * major), and the changesets config publishes with public access. Every package a changeset
 * names is in the workspace (`changeset version` and `status` stop at one that is not, as two
 * did after apps/demo's package was renamed @strata/cli).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { publishablePackages, workspacePackages, workspaceRoot } from '../lib/workspace.mjs'

const RANK = { patch: 1, minor: 2, major: 3 }

export default async function check() {
  const changesetDir = join(workspaceRoot, '.changeset')
  const config = JSON.parse(readFileSync(join(changesetDir, 'config.json'), 'utf8'))
  const problems = []
  if (config.access !== 'public')
    problems.push(`.changeset/config.json has access ${JSON.stringify(config.access)}`)
  const bumps = new Map()
  const known = new Set(workspacePackages().map((each) => each.name))
  for (const name of readdirSync(changesetDir).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  )) {
    const text = readFileSync(join(changesetDir, name), 'utf8')
    const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? ''
    for (const match of front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/gm)) {
      bumps.set(match[1], Math.max(bumps.get(match[1]) ?? 0, RANK[match[2]]))
      if (!known.has(match[1]))
        problems.push(`.changeset/${name} names ${match[1]}, which is not a workspace package`)
    }
  }
  for (const { name, manifest } of publishablePackages()) {
    if (manifest.version !== '0.0.0') continue
    const bump = bumps.get(name) ?? 0
    if (bump !== RANK.minor) {
      const what = bump === 0 ? 'no pending changeset' : `a ${Object.keys(RANK)[bump - 1]} bump`
      problems.push(`${name} is at 0.0.0 with ${what}: \`changeset version\` would not make it 0.1.0`)
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'))
}
