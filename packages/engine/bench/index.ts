/**
 * Launcher of the compaction benchmark (`npx pnpm@12.4.2 --filter @strata/engine bench`; the
 * benchmark itself is bench/compaction.ts, flags as documented there).
 *
 * The package's scripts run TypeScript through tsx, whose ESM hooks run on a loader thread of
 * their own: a second V8 isolate plus esbuild's state, 30-40 MiB of resident memory that is
 * neither strata's nor what an application running strata pays (an idle `open()`ed database:
 * 61 MiB RSS under plain node, 92-101 MiB under `node --import tsx`). The benchmark measures
 * peak RSS against a budget, so it runs as plain JavaScript in a child `node` process: this
 * launcher transpiles compaction.ts (types stripped, nothing else changed) next to itself,
 * runs it with the same arguments, and removes the transpiled file afterwards.
 */
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const source = fileURLToPath(new URL('./compaction.ts', import.meta.url))
// Inside the package, so that `@strata/engine` resolves to the built package (self-reference).
const compiled = fileURLToPath(new URL(`./.compaction-${process.pid}.mjs`, import.meta.url))
const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  fileName: source,
})
writeFileSync(compiled, outputText)
try {
  const child = spawn(process.execPath, [compiled, ...process.argv.slice(2)], { stdio: 'inherit' })
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (status, signal) => resolve(status ?? (signal === null ? 1 : 128)))
  })
  process.exitCode = code
} finally {
  rmSync(compiled, { force: true })
}
