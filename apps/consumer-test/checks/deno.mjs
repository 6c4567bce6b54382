// The engine, unchanged, on Deno (2.9.6, from the npm registry, resolving the app's
// node_modules): open, load with flushes and background compactions, close, reopen, verify every
// key; then a SIGKILL mid-load and every acknowledged key read back.
import { exec, installRuntime, smokeUnder } from './_helpers.mjs'

export const DENO_VERSION = '2.9.6'

export default async function check({ appDir }) {
  const deno = installRuntime(`@deno/linux-x64-glibc@${DENO_VERSION}`, '@deno/linux-x64-glibc/deno')
  const version = exec(deno, ['--version']).split('\n')[0]
  if (!version.startsWith(`deno ${DENO_VERSION} `))
    throw new Error(`expected Deno ${DENO_VERSION}, got ${version}`)
  const figures = await smokeUnder('deno', deno, ['run', '--allow-all'], appDir)
  console.log(`${version}: ${JSON.stringify(figures)}`)
}
