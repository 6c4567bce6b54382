/**
 * The seed of a randomised test, printed so a failure found once can be replayed: a test helper,
 * exported from `@strata/base/testing` (it reads the environment and prints).
 */

/** The seed of a randomised test: the environment variable `variable` if set (to replay), else a
 *  fresh one. Printed either way, with how to replay it. */
export function testSeed(name: string, variable = 'STRATA_SEED'): number {
  const given = process.env[variable]
  const seed = given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given)
  console.log(`${name}: seed ${seed} (replay with ${variable}=${seed})`)
  return seed
}
