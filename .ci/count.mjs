// Adds up the vitest JSON reports of every workspace package into one line: "N passed, N failed".
// A package with a test script but no report (its runner crashed) counts as one failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

let passed = 0
let failed = 0
for (const group of ['packages', 'apps']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) {
    const directory = join(group, name)
    const manifest = join(directory, 'package.json')
    if (!existsSync(manifest)) continue
    if (!JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue
    const report = join(directory, 'test-results.json')
    if (!existsSync(report)) {
      console.error(`${directory}: no test report (its test run did not finish)`)
      failed += 1
      continue
    }
    const result = JSON.parse(readFileSync(report, 'utf8'))
    passed += result.numPassedTests
    failed += result.numFailedTests
    if (result.numTotalTests === 0) console.error(`${directory}: ran no test`)
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
