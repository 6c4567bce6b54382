import { describe, expect, it } from 'vitest'
import { strata } from './helpers.js'

describe('usage', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['get'], /missing required argument 'dir'/],
    [['put', 'dir', 'key'], /missing required argument 'value'/],
    [['scan', 'dir', '--limit', 'lots'], /--limit must be a whole number of at least 0, not "lots"/],
    [['tour', '--records', '-5'], /--records must be a whole number of at least 1000/],
    [['load', 'dir', 'file.jsonl', '--on-error', 'ignore'], /argument 'ignore' is invalid.*stop, skip/],
    [['scan', 'dir', '--sideways'], /unknown option '--sideways'/],
    [['inspect', 'x', '--type', 'zip'], /argument 'zip' is invalid/],
    [['get', 'dir', 'key', '--wal-recovery', 'maybe'], /argument 'maybe' is invalid/],
    [['serve', 'dir', '--port', 'http'], /--port must be a whole number of at least 0, not "http"/],
    [['tour', '--web', '--port', '65536'], /--port must be at most 65535, not 65536/],
  ])('%j is a usage error: exit 2, what went wrong, and the usage', (args, message) => {
    const run = strata(args)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(message)
    expect(run.stderr).toMatch(/^strata: .* — see the usage below\n/)
    expect(run.stderr).toMatch(/Usage: strata/)
  })

  it('treats a format it cannot guess as a usage error too', () => {
    const run = strata(['load', 'dir', 'data.txt'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /^strata: cannot tell the format of data\.txt from its extension — pass --format jsonl or --format csv\n/,
    )
    expect(run.stderr).toMatch(/Usage: strata load/)
  })

  it('prints help and the version with exit code 0', () => {
    const help = strata(['--help'])
    expect(help.code).toBe(0)
    for (const command of [
      'tour',
      'put',
      'get',
      'del',
      'scan',
      'load',
      'stats',
      'compact',
      'serve',
      'inspect',
      'shell',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    }
    expect(help.stdout).not.toMatch(/__crash-writer/)
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 runtime failure.*2 usage error, 3 key not found/)
    expect(strata(['scan', '--help']).stdout).toMatch(/--keys-only/)
    expect(strata(['--version'])).toMatchObject({ code: 0, stdout: '0.0.0\n' })
  })
})
