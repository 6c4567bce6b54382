/**
 * Loading the optional native CRC32C (`@node-rs/crc32`, hardware-accelerated) without a static
 * import: through `createRequire(import.meta.url)` inside a try/catch, so an install without
 * optional dependencies, a platform with no prebuilt binary, a bundle (where `import.meta.url`
 * may be empty and no `.node` file travels) and other runtimes all load this module and use the
 * portable implementation instead. Bundlers neither follow nor warn about the call.
 */
import * as nodeModule from 'node:module'

/** The native function: CRC32C of `data` continuing from `initial`. */
export type NativeCrc32c = (data: Buffer, initial?: number) => number

/** What loading found: the native function and the file it loaded, or why there is none. */
export type NativeCrc32cLoad =
  | { crc32c: NativeCrc32c; path: string | undefined }
  | { crc32c: undefined; reason: string }

/** The package name, held in a variable so that no bundler tries to resolve it. */
const NATIVE_PACKAGE = '@node-rs/crc32'

/**
 * Loads `@node-rs/crc32` with `load` (by default a `require` relative to this module, which also
 * reports the file it resolved), checks it answers the standard check value, and reports why not
 * when anything fails.
 */
export function loadNativeCrc32c(load?: (name: string) => unknown): NativeCrc32cLoad {
  try {
    let path: string | undefined
    let required: { crc32c?: unknown }
    if (load === undefined) {
      // Through the namespace, so that webpack does not trace the call and warn about it.
      // biome-ignore lint/complexity/useLiteralKeys: a literal key lets webpack trace the call
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: node:module is not tree-shaken
      const requireHere = nodeModule['createRequire'](import.meta.url)
      path = requireHere.resolve(NATIVE_PACKAGE)
      required = requireHere(path)
    } else {
      required = load(NATIVE_PACKAGE) as { crc32c?: unknown }
    }
    const candidate = required?.crc32c
    if (typeof candidate !== 'function')
      return { crc32c: undefined, reason: `${NATIVE_PACKAGE} has no crc32c` }
    const native = candidate as NativeCrc32c
    // The standard check value of CRC32C: "123456789" → 0xe3069283.
    const check = native(Buffer.from('123456789'), 0) >>> 0
    if (check !== 0xe3069283)
      return { crc32c: undefined, reason: `${NATIVE_PACKAGE} gave a wrong check value` }
    return { crc32c: native, path }
  } catch (error) {
    return {
      crc32c: undefined,
      reason: `${NATIVE_PACKAGE} did not load: ${(error as Error)?.message ?? error}`,
    }
  }
}
