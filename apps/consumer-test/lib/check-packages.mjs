/**
 * publint and Are the Types Wrong (the libraries behind the `publint` and `attw` commands, run
 * in-process: one TypeScript load instead of one per package) over packed tarballs. The
 * packages are ESM-only, so attw judges them with its `esm-only` profile: the node10 and
 * "node16 from CJS" resolutions are not judged (a CommonJS caller loads the packages with Node's
 * require(esm), Node >= 20.19; `attw --profile esm-only <tarball>` gives the same verdict).
 * Throws when either reports anything, with each message.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const IGNORED_RESOLUTIONS = ['node10', 'node16-cjs']

/** @param {string} file @returns {Promise<string[]>} */
async function problemsOf(file) {
  const bytes = readFileSync(file)
  const problems = []
  const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const lint = await publint({ pack: { tarball }, strict: true })
  for (const message of lint.messages) {
    problems.push(
      `publint ${message.type}: ${formatMessage(message, lint.pkg, { color: false }) ?? message.code}`,
    )
  }
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(bytes)))
  if (analysis.types) {
    for (const problem of analysis.problems) {
      if ('resolutionKind' in problem && IGNORED_RESOLUTIONS.includes(problem.resolutionKind)) continue
      const where = 'entrypoint' in problem ? ` at "${problem.entrypoint}" (${problem.resolutionKind})` : ''
      problems.push(`attw ${problem.kind}${where}`)
    }
  }
  return problems.map((problem) => `${basename(file)}: ${problem}`)
}

/** @param {string[]} files tarball paths */
export async function checkPackages(files) {
  const problems = []
  for (const file of files) problems.push(...(await problemsOf(file)))
  if (problems.length > 0)
    throw new Error(`publint / attw (esm-only profile) found problems:\n${problems.join('\n')}`)
}
