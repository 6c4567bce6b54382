/** Types for abstract-level's compliance suite (`abstract-level/test`), which ships none. */
declare module 'abstract-level/test' {
  import type tape from 'tape'

  interface TestCommon {
    test: (name: string, ...rest: unknown[]) => unknown
    factory: (options?: object) => unknown
    supports?: unknown
  }

  interface Suite {
    (options: TestCommon): void
    common(options: TestCommon): TestCommon
  }

  const suite: Suite
  export default suite
  export type { tape }
}
