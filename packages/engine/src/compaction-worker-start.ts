/**
 * How the compaction worker thread starts, first way that applies:
 * - from the TypeScript sources (tests): compaction-worker-source.mjs, which registers tsx;
 * - a built package, installed or inside an app's bundle (esbuild, webpack): the worker's code
 *   bundled into one string (compaction-worker-bundle.ts), run with `eval: true`. Nothing to find
 *   on disk, and it starts faster than the ES module graph of the worker file (Node 20: 125 vs
 *   237 ms to ready, median of 10; Bun 1.4.4: 87 vs 103 ms);
 * - a build without that string: dist/compaction-worker.js, the file beside this module.
 * Throws when none can start; the runner then merges on the main thread (compaction-runner.ts).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { crc32cImplementation } from '@strata/base'
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
  if (compactionWorkerBundle !== undefined) {
    // The worker's base resolves the optional native CRC from `moduleUrl`: the native package's
    // own entry when the main thread loaded it (found from there, wherever the package manager
    // put it), else this module.
    const { nativePath } = crc32cImplementation
    const workerData = { moduleUrl: nativePath === undefined ? moduleUrl : pathToFileURL(nativePath).href }
    return {
      worker: new Worker(compactionWorkerBundle, { ...options, eval: true, workerData }),
      source: 'bundle',
    }
  }
  const file = workerFileBeside(moduleUrl)
  if (file === undefined)
    throw new Error('no bundled worker code and no compaction-worker.js beside the engine')
  return { worker: new Worker(file, options), source: 'file' }
}
