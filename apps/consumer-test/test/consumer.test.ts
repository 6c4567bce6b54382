/**
 * The consumer test: packs every publishable package (pnpm pack, as the release does), installs
 * the tarballs with npm into a fresh app outside the workspace, and runs each check of checks/
 * there as its own test. A check is `export default async function check({ appDir, tarballDir,
 * run })` that throws, with a message saying what is wrong, when the packages fail a user.
 */
import { readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createApp } from '../lib/app.mjs'
import { describeSizes, packAll } from '../lib/pack.mjs'
import { run } from '../lib/run.mjs'

interface CheckContext {
  appDir: string
  tarballDir: string
  run: typeof run
}

const checksDirectory = fileURLToPath(new URL('../checks/', import.meta.url))
const checks = readdirSync(checksDirectory)
  // A leading underscore marks a file the checks share (helpers, the runtime smoke app), not a check.
  .filter((name) => name.endsWith('.mjs') && !name.startsWith('_'))
  .sort()

const tarballDir = join(tmpdir(), `strata-consumer-tarballs-${process.pid}`)
let appDir: string | undefined

describe('the packed packages, installed with npm in a fresh app', () => {
  beforeAll(async () => {
    const tarballs = await packAll(tarballDir)
    console.log(`tarballs (pnpm pack):\n${describeSizes(tarballs)}`)
    const started = performance.now()
    appDir = await createApp(tarballs.map(({ file }) => file))
    console.log(`npm install in ${appDir}: ${Math.round(performance.now() - started)} ms`)
  })

  afterAll(() => {
    rmSync(tarballDir, { recursive: true, force: true })
    if (appDir !== undefined) rmSync(appDir, { recursive: true, force: true })
  })

  for (const name of checks) {
    it(name.replace(/\.mjs$/, ''), async () => {
      if (appDir === undefined) throw new Error('the app was not installed (see the beforeAll error)')
      const module = (await import(join(checksDirectory, name))) as {
        default: (context: CheckContext) => Promise<void>
      }
      await module.default({ appDir, tarballDir, run })
    })
  }
})
