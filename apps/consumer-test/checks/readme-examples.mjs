/**
 * Every TypeScript example in README.md and in the READMEs shipped in the tarballs compiles,
 * strictly, in the app, against the installed packages' published types. An example is a
 * fenced block whose info string is `ts` (or `typescript`); a block marked `ts api` is an API
 * summary, not code, and is skipped.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { publishablePackages, workspaceRoot } from '../lib/workspace.mjs'

/** @param {string} markdown @returns {string[]} */
export function typeScriptExamples(markdown) {
  const examples = []
  const fence = /^```([^\n]*)\n([\s\S]*?)^```\s*$/gm
  for (const match of markdown.matchAll(fence)) {
    const words = match[1].trim().split(/\s+/)
    if ((words[0] === 'ts' || words[0] === 'typescript') && !words.includes('api')) examples.push(match[2])
  }
  return examples
}

export default async function check({ appDir, run }) {
  const sources = [{ label: 'README', path: join(workspaceRoot, 'README.md') }]
  for (const { name } of publishablePackages()) {
    const path = join(appDir, 'node_modules', name, 'README.md')
    if (existsSync(path)) sources.push({ label: name.replace('@strata/', ''), path })
  }
  const directory = join(appDir, 'readme-examples')
  mkdirSync(directory, { recursive: true })
  const written = []
  for (const { label, path } of sources) {
    typeScriptExamples(readFileSync(path, 'utf8')).forEach((example, index) => {
      const file = join(directory, `${label}-${index + 1}.ts`)
      const isModule = /^\s*(import|export)\s/m.test(example)
      writeFileSync(file, `// from ${path}\n${example}${isModule ? '' : '\nexport {}\n'}`)
      written.push(file)
    })
  }
  if (!written.some((file) => file.includes(`${join('readme-examples', 'README-1.ts')}`))) {
    throw new Error('found no ```ts example in README.md: the extraction is broken')
  }
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    },
    include: ['readme-examples'],
  }
  writeFileSync(join(appDir, 'tsconfig.readme.json'), JSON.stringify(config, null, 2))
  const result = await run(join(appDir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.readme.json'], {
    cwd: appDir,
    allowFailure: true,
  })
  if (result.code !== 0) {
    throw new Error(
      `README examples do not type-check against the installed packages (${written.length} examples):\n${result.stdout}${result.stderr}`,
    )
  }
}
