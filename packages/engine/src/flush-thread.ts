/**
 * Where flushed tables are built: the `flushThread` option resolved for this machine and file
 * system (see options.ts).
 */
import { availableParallelism, cpus } from 'node:os'
import { NodeFileSystem } from '@strata/base'
import type { ResolvedOptions } from './options.js'

/** Processors this process may use (Node 18.14+: `availableParallelism`). */
function processors(): number {
  try {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length
  } catch {
    return 1
  }
}

/**
 * Whether flushed tables are built in the compaction worker (`flushThread`, options.ts): only on
 * the real disk (a worker cannot share any other `FileSystem`) of a writable open whose
 * `compactionThread` is not `'main'` (no worker then), and with `'auto'` on any machine with more
 * than one processor.
 */
export function flushesInWorker(
  options: Pick<ResolvedOptions, 'fs' | 'readOnly' | 'flushThread' | 'compactionThread'>,
): boolean {
  if (!(options.fs instanceof NodeFileSystem) || options.readOnly) return false
  if (options.flushThread === 'main' || options.compactionThread === 'main') return false
  return options.flushThread === 'worker' || processors() > 1
}
