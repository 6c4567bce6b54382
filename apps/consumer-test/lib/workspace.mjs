/**
 * The workspace as the release sees it: its root, and its publishable packages (every package
 * under packages/ and apps/ that is not private), each by name and directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url))

/** Every package under packages/ and apps/, private ones included.
 *  @returns {{ name: string, directory: string, manifest: Record<string, any> }[]} */
export function workspacePackages() {
  const found = []
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(workspaceRoot, group)).sort()) {
      const directory = join(workspaceRoot, group, entry)
      const manifestPath = join(directory, 'package.json')
      if (!existsSync(manifestPath)) continue
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
      found.push({ name: manifest.name, directory, manifest })
    }
  }
  return found
}

/** @returns {{ name: string, directory: string, manifest: Record<string, any> }[]} */
export function publishablePackages() {
  return workspacePackages().filter(({ manifest }) => manifest.private !== true)
}

/** The command that runs pnpm: the one running this script when pnpm started it, else npx's. */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm/.test(execPath)) {
    // pnpm's JavaScript entry, or its standalone executable.
    if (/\.[cm]?js$/.test(execPath)) return { command: process.execPath, prefix: [execPath] }
    return { command: execPath, prefix: [] }
  }
  return { command: 'npx', prefix: ['--yes', 'pnpm@12.4.2'] }
}
