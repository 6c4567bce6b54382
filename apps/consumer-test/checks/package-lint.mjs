/** publint and @arethetypeswrong/cli (esm-only profile) report no problem for any tarball. */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { checkPackages } from '../lib/check-packages.mjs'

export default async function check({ tarballDir }) {
  const files = readdirSync(tarballDir)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => join(tarballDir, name))
  await checkPackages(files)
}
