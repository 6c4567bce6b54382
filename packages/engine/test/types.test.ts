import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/** Compiles `file` with the package's compiler options and returns its diagnostics as text. */
function diagnosticsOf(file: string): string[] {
  const configPath = fileURLToPath(new URL('../tsconfig.json', import.meta.url))
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )
  if (config === undefined) throw new Error(`cannot read ${configPath}`)
  const program = ts.createProgram([file], { ...config.options, noEmit: true })
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
}

describe('types', () => {
  it('open() infers the key and value types from the encodings (test/fixtures/typed-open.ts compiles)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/typed-open.ts', import.meta.url))
    expect(diagnosticsOf(fixture)).toEqual([])
  })
})
