// Build step after `tsc` in each library package: replaces the one-module-per-source-file
// JavaScript in dist/ with one bundle per entry the package exports (package.json `exports`),
// modules shared between entries in one chunk (so a class has one identity), every other package
// (@strata/*, @node-rs/crc32, node:*) left as an import. The declarations (.d.ts) stay
// as tsc wrote them.
//
// Why: Node 20 spends about 50 KB of resident memory and a few hundred µs per ES module it loads;
// @strata/engine with its packages was 154 modules (docs/architecture.md, "What the packages
// ship").
//
// Usage: node ../../scripts/bundle-dist.mjs [--keep <file in dist>]… [--inline <package>]…
// A kept file stays a module of its own beside the bundle (a test or a tool imports it by path).
// An inlined package is bundled in rather than imported: for a CommonJS dependency, whose import
// from an ES module makes Node 20 start its CommonJS export scanner (about 6 MB resident).
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { build } from 'esbuild'

const packageDir = process.cwd()
const dist = join(packageDir, 'dist')
const staging = join(packageDir, '.dist-bundle')
const keep = new Set()
const inline = new Set()
for (let index = 2; index < process.argv.length; index++) {
  if (process.argv[index] === '--keep') keep.add(process.argv[++index])
  else if (process.argv[index] === '--inline') inline.add(process.argv[++index])
  else throw new Error(`bundle-dist: unknown argument ${process.argv[index]}`)
}

/** Every JavaScript file an export condition of package.json names under ./dist/. */
function entryFiles(exports) {
  const found = new Set()
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/') && value.endsWith('.js')) found.add(value.slice('./dist/'.length))
    } else if (value !== null && typeof value === 'object') {
      for (const inner of Object.values(value)) walk(inner)
    }
  }
  walk(exports)
  return [...found]
}

function filesUnder(directory) {
  const files = []
  for (const name of readdirSync(directory)) {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) files.push(...filesUnder(path))
    else files.push(path)
  }
  return files
}

/** The licence text of an inlined package, as a comment, so the bundle carries its notice. */
function noticeOf(name) {
  const require = createRequire(join(packageDir, 'package.json'))
  const root = dirname(require.resolve(`${name}/package.json`))
  const file = readdirSync(root).find((entry) => /^licen[cs]e/i.test(entry))
  if (file === undefined) throw new Error(`bundle-dist: ${name} has no LICENSE file to carry`)
  const text = readFileSync(join(root, file), 'utf8').trim().replaceAll('*/', '* /')
  return `/*! ${name} (bundled in), its licence:\n${text}\n*/\n`
}

/** A map's sources outside the package (an inlined package's files) travel inside the map. */
function carryOutsideSources(mapPath) {
  const map = JSON.parse(readFileSync(mapPath, 'utf8'))
  const resolved = map.sources.map((source) => join(dirname(mapPath), source))
  const outside = resolved.map(
    (path) => relative(packageDir, path).startsWith('..') || path.includes('node_modules'),
  )
  if (!outside.includes(true)) return
  map.sourcesContent = resolved.map((path, index) => (outside[index] ? readFileSync(path, 'utf8') : null))
  writeFileSync(mapPath, JSON.stringify(map))
}

const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
const entries = entryFiles(manifest.exports)
if (entries.length === 0) throw new Error(`bundle-dist: ${manifest.name} exports no ./dist/*.js file`)

rmSync(staging, { recursive: true, force: true })
await build({
  entryPoints: entries.map((entry) => join(dist, entry)),
  outdir: staging,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...keep].map((file) => `./${file}`),
  plugins: [
    {
      name: 'other-packages-external',
      setup(build) {
        // A bare specifier (a package or node:*) stays an import unless the package is inlined.
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.startsWith('@') ? args.path.split('/', 2).join('/') : args.path.split('/')[0]
          return inline.has(name) ? undefined : { path: args.path, external: true }
        })
      },
    },
  ],
  // An inlined package's licence notice goes with its code.
  legalComments: 'eof',
  banner: { js: [...inline].map((name) => noticeOf(name)).join('') },
  // Maps point through tsc's maps to src/*.ts, which the package ships.
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
})

// Out with tsc's JavaScript (declarations and kept files stay), in with the bundles.
for (const path of filesUnder(dist)) {
  const name = relative(dist, path)
  if (keep.has(name) || keep.has(name.replace(/\.map$/, ''))) continue
  if (name.endsWith('.js') || name.endsWith('.js.map')) rmSync(path)
}
const written = []
for (const path of filesUnder(staging)) {
  const name = relative(staging, path)
  if (name.endsWith('.js.map')) carryOutsideSources(path)
  renameSync(path, join(dist, name))
  if (name.endsWith('.js')) written.push(`${name} ${(statSync(join(dist, name)).size / 1024).toFixed(1)} KiB`)
}
rmSync(staging, { recursive: true, force: true })
console.log(`${manifest.name}: ${written.join(', ')}`)
