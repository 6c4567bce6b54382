/**
 * Cheap assertions of the engine's core invariants, on when the environment variable
 * `STRATA_CHECK_INVARIANTS` is `1` when this module loads (the test suites set it; see
 * vitest.shared.ts). Off, each check costs one boolean test. A broken invariant is a bug in
 * strata, never bad input: it throws `InvariantViolation`.
 *
 * - the write queue hands out seqs in order, and the visible seq only grows;
 * - a pinned version is released at most as often as it was acquired;
 * - after each edit, level 0 is ordered newest first and every deeper level is sorted by key
 *   with disjoint key ranges; no table is in the tree twice; each table's smallest key is at or
 *   below its largest.
 */
import { compareBytes } from '@strata/base'
import type { Version } from './version.js'

/** True when the invariants are checked (read once, at load). */
export const CHECK_INVARIANTS = process.env.STRATA_CHECK_INVARIANTS === '1'

/** A broken invariant of the engine (a bug, not bad input). */
export class InvariantViolation extends Error {
  readonly code = 'STRATA_INVARIANT'
  constructor(message: string) {
    super(`strata invariant broken: ${message}`)
    this.name = 'InvariantViolation'
  }
}

/** Throws unless `condition`. */
export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantViolation(message())
}

/** Checks the shape of `version`: level 0 newest first; deeper levels sorted and disjoint; every
 *  file once, with smallest <= largest. */
export function checkVersion(version: Version): void {
  const seen = new Set<number>()
  for (let level = 0; level < version.levels.length; level++) {
    const files = version.levels[level] ?? []
    for (let index = 0; index < files.length; index++) {
      const file = files[index]!
      invariant(!seen.has(file.fileNumber), () => `table ${file.fileNumber} is in the tree twice`)
      seen.add(file.fileNumber)
      invariant(
        compareBytes(file.smallestKey, file.largestKey) <= 0,
        () => `table ${file.fileNumber}'s smallest key is above its largest`,
      )
      if (index === 0) continue
      const previous = files[index - 1]!
      if (level === 0) {
        invariant(
          previous.fileNumber > file.fileNumber,
          () => `level 0 is not newest first (${previous.fileNumber} before ${file.fileNumber})`,
        )
      } else {
        invariant(
          compareBytes(previous.largestKey, file.smallestKey) < 0,
          () =>
            `level ${level}: tables ${previous.fileNumber} and ${file.fileNumber} overlap or are out of order`,
        )
      }
    }
  }
}
