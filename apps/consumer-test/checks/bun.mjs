// The engine, unchanged, on Bun (1.4.4, from the npm registry): open, load with flushes and
// background compactions, close, reopen, verify every key; then a SIGKILL mid-load and every
// acknowledged key read back.
import { exec, installRuntime, smokeUnder } from './_helpers.mjs'

export const BUN_VERSION = '1.4.4'

export default async function check({ appDir }) {
  const bun = installRuntime(`@oven/bun-linux-x64@${BUN_VERSION}`, '@oven/bun-linux-x64/bin/bun')
  const version = exec(bun, ['--version']).trim()
  if (version !== BUN_VERSION) throw new Error(`expected Bun ${BUN_VERSION}, the binary says ${version}`)
  const figures = await smokeUnder('bun', bun, [], appDir)
  console.log(`bun ${version}: ${JSON.stringify(figures)}`)
}
