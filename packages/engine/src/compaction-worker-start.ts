/**
 * How the compaction worker thread starts, first way that applies:
 * - from the TypeScript sources (tests): compaction-worker-source.mjs, which registers tsx;
 * - a built package: dist/compaction-worker.js, the file beside this module;
 * - no such file (the engine inside an app's bundle): the worker's code bundled into one string
 *   (compaction-worker-bundle.ts), run with `eval: true`.
 * Throws when none can start; the runner then merges on the main thread (compaction-runner.ts).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { compactionWorkerBundle } from './compaction-worker-bundle.js'

/**
 * The worker's heap: a merge holds a few decoded blocks per input and one output chunk, so a
 * small young generation is plenty; the default (16 MiB semi-spaces) costs resident memory for
 * nothing. The old generation is capped well above what a merge needs.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 }

/** Where the worker's code came from. */
export type WorkerSource = 'sources' | 'file' | 'bundle'

/** The worker file beside this module, when this module is a file and the worker is there. */
function workerFileBeside(moduleUrl: string | undefined): URL | undefined {
  try {
    if (moduleUrl === undefined || !moduleUrl.startsWith('file:')) return undefined
    const file = new URL('./compaction-worker.js', moduleUrl)
    return existsSync(fileURLToPath(file)) ? file : undefined
  } catch {
    return undefined
  }
}

/** Starts one compaction worker thread (see the module doc for which code it runs). */
export function startCompactionWorker(): { worker: Worker; source: WorkerSource } {
  // In a CommonJS bundle `import.meta` is empty: no URL, no file beside.
  const moduleUrl: string | undefined = import.meta.url
  const options: WorkerOptions = { resourceLimits: WORKER_LIMITS }
  if (moduleUrl?.endsWith('.ts')) {
    return {
      worker: new Worker(new URL('./compaction-worker-source.mjs', moduleUrl), options),
      source: 'sources',
    }
  }
  const file = workerFileBeside(moduleUrl)
  if (file !== undefined) return { worker: new Worker(file, options), source: 'file' }
  if (compactionWorkerBundle === undefined) {
    throw new Error('no compaction-worker.js beside the engine and no bundled worker code')
  }
  return {
    worker: new Worker(compactionWorkerBundle, { ...options, eval: true, workerData: { moduleUrl } }),
    source: 'bundle',
  }
}
