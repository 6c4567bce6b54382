// An app that imports @strata/engine, bundled by esbuild (platform node, nothing external but
// Node's builtins), run from another directory with no node_modules: flushes and background
// compactions run (in the worker, whose code travels inside the bundle), data reads back.
import { copyFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { assertLoaded, crashCheck, exec, lastJson, temporaryDirectory } from './_helpers.mjs'

/** esbuild, from this package's dependencies or else the engine's (a dev dependency there). */
export function loadEsbuild() {
  for (const from of [import.meta.url, new URL('../../../packages/engine/package.json', import.meta.url)]) {
    try {
      return createRequire(from)('esbuild')
    } catch {}
  }
  throw new Error('esbuild is not installed (a dev dependency of @strata/engine)')
}

export default async function check({ appDir }) {
  const esbuild = loadEsbuild()
  copyFileSync(new URL('./_smoke.mjs', import.meta.url), join(appDir, '_smoke.mjs'))
  const outputDir = temporaryDirectory('esbuild-out')
  const bundle = join(outputDir, 'app.mjs')
  const result = await esbuild.build({
    entryPoints: [join(appDir, '_smoke.mjs')],
    absWorkingDir: appDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  })
  for (const warning of result.warnings) console.log(`esbuild warning: ${warning.text}`)
  if (existsSync(join(outputDir, 'node_modules'))) throw new Error('the bundle directory has node_modules')
  const runDir = temporaryDirectory('esbuild-run')
  const moved = join(runDir, 'bundled-app.mjs')
  copyFileSync(bundle, moved)
  const figures = lastJson(exec(process.execPath, [moved, 'load', join(runDir, 'db')], { cwd: runDir }))
  assertLoaded(figures, 'esbuild bundle')
  const crash = await crashCheck(process.execPath, [moved], { cwd: runDir }, join(runDir, 'crash'))
  console.log(
    `esbuild: bundle ${bundle} run from ${runDir}: ${JSON.stringify(figures)} ${JSON.stringify(crash)}`,
  )
}
