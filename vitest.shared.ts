import { defineConfig } from 'vitest/config'

/** The test setup every package shares: tests beside the code and in test/, and a JSON report
 *  (test-results.json) that .ci/run adds up into the closing "N passed, N failed" line. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    testTimeout: 60_000,
    // The engine's invariant checks (packages/engine/src/invariants.ts) run in every test.
    env: { STRATA_CHECK_INVARIANTS: '1' },
    hookTimeout: 60_000,
  },
})
