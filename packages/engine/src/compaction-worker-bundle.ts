/**
 * The compaction worker's code as one self-contained script (CommonJS, every dependency but
 * Node's builtins and the optional native CRC inside), for starting the worker with
 * `new Worker(code, { eval: true })` where no `compaction-worker.js` file sits beside the engine:
 * an app bundled with esbuild or webpack carries this string and nothing else.
 *
 * In the sources this is `undefined`; the engine's build (scripts/bundle-worker.mjs) writes the
 * real string into dist/compaction-worker-bundle.js after `tsc`.
 */
export const compactionWorkerBundle: string | undefined = undefined
