/**
 * Packs every publishable package with `pnpm pack` (which writes the real version where the
 * manifest says `workspace:*`, as `pnpm publish` does) into one directory, and measures each
 * tarball.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { run } from './run.mjs'
import { readTarball } from './tarball.mjs'
import { pnpmCommand, publishablePackages, workspaceRoot } from './workspace.mjs'

/**
 * Empties `destination`, packs every publishable package into it, and returns the tarballs.
 * @param {string} destination
 * @returns {Promise<{ name: string, file: string, packedBytes: number, unpackedBytes: number, fileCount: number }[]>}
 */
export async function packAll(destination) {
  const directory = resolve(destination)
  rmSync(directory, { recursive: true, force: true })
  mkdirSync(directory, { recursive: true })
  const packages = publishablePackages()
  const { command, prefix } = pnpmCommand()
  const filters = packages.flatMap(({ name }) => ['--filter', name])
  await run(command, [...prefix, '--recursive', ...filters, 'pack', '--pack-destination', directory], {
    cwd: workspaceRoot,
    timeoutMs: 180_000,
  })
  const tarballs = readdirSync(directory)
    .filter((name) => name.endsWith('.tgz'))
    .sort()
    .map((name) => {
      const file = join(directory, name)
      const files = readTarball(file)
      let unpackedBytes = 0
      for (const content of files.values()) unpackedBytes += content.length
      const manifest = JSON.parse(files.get('package.json')?.toString('utf8') ?? '{}')
      return {
        name: manifest.name,
        file,
        packedBytes: statSync(file).size,
        unpackedBytes,
        fileCount: files.size,
      }
    })
  const missing = packages.filter(({ name }) => !tarballs.some((tarball) => tarball.name === name))
  if (missing.length > 0)
    throw new Error(`pnpm pack made no tarball for ${missing.map(({ name }) => name).join(', ')}`)
  return tarballs
}

/** A table of the tarballs' sizes, one line each, for the test output and the release log. */
export function describeSizes(tarballs) {
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
  const width = Math.max(...tarballs.map(({ name }) => name.length))
  const lines = tarballs.map(
    ({ name, packedBytes, unpackedBytes, fileCount }) =>
      `${name.padEnd(width)}  packed ${kib(packedBytes).padStart(10)}  unpacked ${kib(unpackedBytes).padStart(10)}  ${fileCount} files`,
  )
  const packed = tarballs.reduce((sum, { packedBytes }) => sum + packedBytes, 0)
  const unpacked = tarballs.reduce((sum, { unpackedBytes }) => sum + unpackedBytes, 0)
  lines.push(
    `${'total'.padEnd(width)}  packed ${kib(packed).padStart(10)}  unpacked ${kib(unpacked).padStart(10)}`,
  )
  return lines.join('\n')
}
