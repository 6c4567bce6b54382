// Test-only entry of the compaction worker when strata runs from its TypeScript sources (as
// vitest does): register tsx (a dev dependency), then load the real entry. The built package
// starts dist/compaction-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api'

register()
await import('./compaction-worker.ts')
