// An app that imports @strata/engine, bundled by webpack 5 (target node, nothing external but
// Node's builtins), run from another directory after the app's node_modules is gone (webpack
// writes the source modules' file URLs in for `import.meta.url`: with node_modules still there,
// the bundle could quietly load files from it): flushes and background compactions run in the
// worker, data reads back, and a SIGKILL mid-load loses no acknowledged write.
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { assertLoaded, crashCheck, exec, lastJson, placeSmokeApp, temporaryDirectory } from './_helpers.mjs'

export const WEBPACK_VERSION = '5.113.0'

/** webpack, installed from the npm registry into a temp folder. */
function installWebpack() {
  const directory = temporaryDirectory('webpack')
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'webpack-host', private: true }))
  exec('npm', ['install', '--no-save', '--no-audit', '--no-fund', `webpack@${WEBPACK_VERSION}`], {
    cwd: directory,
  })
  return createRequire(join(directory, 'package.json'))('webpack')
}

export default async function check({ appDir }) {
  const webpack = installWebpack()
  const buildDir = temporaryDirectory('webpack-app')
  cpSync(appDir, buildDir, { recursive: true })
  const entry = placeSmokeApp(buildDir)
  const outputDir = join(buildDir, 'out')
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        target: 'node20',
        entry,
        context: buildDir,
        output: { path: outputDir, filename: 'app.cjs' },
        optimization: { minimize: false },
        devtool: false,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  )
  const info = stats.toJson({ all: false, errors: true, warnings: true })
  if (stats.hasErrors())
    throw new Error(`webpack failed:\n${info.errors.map((error) => error.message).join('\n')}`)
  for (const warning of info.warnings) console.log(`webpack warning: ${warning.message.split('\n')[0]}`)
  const emitted = readdirSync(outputDir)
  rmSync(join(buildDir, 'node_modules'), { recursive: true })
  const runDir = temporaryDirectory('webpack-run')
  for (const file of emitted) cpSync(join(outputDir, file), join(runDir, file))
  const bundle = join(runDir, 'app.cjs')
  const figures = lastJson(exec(process.execPath, [bundle, 'load', join(runDir, 'db')], { cwd: runDir }))
  assertLoaded(figures, 'webpack bundle')
  const crash = await crashCheck(process.execPath, [bundle], { cwd: runDir }, join(runDir, 'crash'))
  console.log(
    `webpack ${WEBPACK_VERSION}: emitted ${emitted.join(', ')}: ${JSON.stringify(figures)} ${JSON.stringify(crash)}`,
  )
}
