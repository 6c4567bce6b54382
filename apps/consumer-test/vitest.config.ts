import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

/** One pack + install (in beforeAll) shared by every check: the hook gets room for a cold npm cache. */
export default mergeConfig(shared, defineConfig({ test: { hookTimeout: 240_000, testTimeout: 120_000 } }))
