/**
 * `@strata/base/testing`: what strata's own tests, crash checks and benchmarks share, kept off the
 * runtime entry (`@strata/base`) so that importing the engine never loads `node:child_process`
 * nor a test helper. Not part of the engine's API; stable enough for tests of code built on strata.
 */
export { eventsUntilKilled, runUntilKilled } from './child.js'
export { type FaultOperation, type FaultRule, FaultyFileSystem } from './faulty-fs.js'
export { testSeed } from './test-seed.js'
