/**
 * What each tarball holds: a manifest a plain `npm install` accepts (no `workspace:` range; the
 * @strata dependencies pinned to the packed versions) with the publishing fields; the MIT
 * LICENSE; every file the manifest, the modules (relative imports, `new URL(…, import.meta.url)`)
 * and the source maps point at; and no `@internal` declaration in the published types.
 */
import { readdirSync } from 'node:fs'
import { posix } from 'node:path'
import { readTarball } from '../lib/tarball.mjs'

/** Every './…' string in an exports/bin value, however nested. */
function targets(value) {
  if (typeof value === 'string') return value.startsWith('./') ? [value] : []
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(targets)
}

/** Problems of one tarball, as sentences. */
export function tarballProblems(files, versions) {
  const problems = []
  const manifestText = files.get('package.json')?.toString('utf8')
  if (manifestText === undefined) return ['no package.json']
  const manifest = JSON.parse(manifestText)
  if (manifestText.includes('workspace:'))
    problems.push('package.json still has a `workspace:` range (packed with npm, not pnpm?)')
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (name.startsWith('@strata/') && range !== versions.get(name)) {
      problems.push(`depends on ${name}@${range}, but the packed ${name} is ${versions.get(name)}`)
    }
  }
  if (!files.get('LICENSE')?.toString('utf8').startsWith('MIT License')) problems.push('no MIT LICENSE file')
  if (manifest.license !== 'MIT') problems.push(`license is ${manifest.license}`)
  if (manifest.private) problems.push('private: true (cannot be published)')
  if (manifest.publishConfig?.access !== 'public') problems.push('publishConfig.access is not "public"')
  if (!/^>=20\.19\.0$/.test(manifest.engines?.node ?? ''))
    problems.push(`engines.node is ${manifest.engines?.node}`)
  if (!manifest.repository?.url || !manifest.repository?.directory)
    problems.push('repository (url and directory) missing')
  if (!manifest.homepage) problems.push('homepage missing')
  if (!manifest.bugs?.url) problems.push('bugs.url missing')
  if (!/^\d+\.\d+\.\d+/.test(manifest.version ?? '')) problems.push(`version is ${manifest.version}`)

  for (const target of [
    manifest.main,
    manifest.types,
    ...targets(manifest.exports),
    ...targets(manifest.bin),
  ]) {
    if (typeof target === 'string' && !files.has(posix.normalize(target)))
      problems.push(`${target} (named in package.json) is not in the tarball`)
  }
  for (const [path, content] of files) {
    if (path.endsWith('.js') || path.endsWith('.mjs')) {
      const text = content.toString('utf8')
      const specifiers = [
        ...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
        ...text.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url/g),
      ].map((match) => match[1])
      for (const specifier of specifiers) {
        const resolved = posix.normalize(posix.join(posix.dirname(path), specifier))
        // `../package.json` from dist/ is the manifest itself.
        if (!files.has(resolved)) problems.push(`${path} refers to ${specifier}, which is not in the tarball`)
      }
    }
    if (path.endsWith('.map')) {
      const map = JSON.parse(content.toString('utf8'))
      for (const source of map.sources ?? []) {
        const resolved = posix.normalize(posix.join(posix.dirname(path), map.sourceRoot ?? '', source))
        if (!files.has(resolved) && !(map.sourcesContent ?? []).some((text) => typeof text === 'string')) {
          problems.push(`source map ${path} points at ${source}, which is not in the tarball`)
        }
      }
    }
    if (path.endsWith('.d.ts') && content.toString('utf8').includes('@internal')) {
      problems.push(`${path} declares @internal members (stripInternal is off?)`)
    }
  }
  return problems
}

export default async function check({ tarballDir }) {
  const tarballs = readdirSync(tarballDir)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => ({ name, files: readTarball(`${tarballDir}/${name}`) }))
  const versions = new Map()
  for (const { files } of tarballs) {
    const manifest = JSON.parse(files.get('package.json').toString('utf8'))
    versions.set(manifest.name, manifest.version)
  }
  const report = tarballs.flatMap(({ name, files }) =>
    tarballProblems(files, versions).map((problem) => `${name}: ${problem}`),
  )
  if (report.length > 0) throw new Error(`tarball contents:\n${report.join('\n')}`)
}
