/**
 * A fresh app outside the workspace (under the OS temp directory) with every tarball installed by
 * a plain `npm install`, plus what a TypeScript user adds (typescript, @types/node). npm's cache
 * lives in one stable directory under the temp directory, and `--prefer-offline` uses it without
 * asking the registry again, so only the first run downloads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from './run.mjs'

export const npmCache = join(tmpdir(), 'strata-consumer-test-npm-cache')

/** The packages a TypeScript user installs beside strata, at the versions the workspace uses. */
const TOOLING = ['typescript@5.9.3', '@types/node@20.19.43']

/**
 * @param {string[]} tarballs absolute paths
 * @param {{ npmArguments?: string[], tooling?: boolean }} [options] more `npm install` arguments
 *   (e.g. `--omit=optional`); `tooling: false` leaves out typescript and @types/node
 * @returns {Promise<string>} the app's directory
 */
export async function createApp(tarballs, options = {}) {
  const { npmArguments = [], tooling = true } = options
  const appDir = mkdtempSync(join(tmpdir(), 'strata-consumer-app-'))
  const manifest = { name: 'strata-consumer-app', version: '1.0.0', private: true, type: 'module' }
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...npmArguments,
      ...tarballs,
      ...(tooling ? TOOLING : []),
    ],
    {
      cwd: appDir,
      env: { npm_config_cache: npmCache, npm_config_update_notifier: 'false' },
      timeoutMs: 200_000,
    },
  )
  return appDir
}
