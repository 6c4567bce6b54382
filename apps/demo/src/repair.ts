/**
 * `strata repair <dir>`: rebuilds a damaged database from what is readable (`repair` from
 * @strata/engine) and prints its report: what was kept, what was moved to `lost/`, and which
 * seq ranges may be missing. Exit code 0 when nothing is known to be missing, 1 otherwise.
 */
import { describeRepair, repair } from '@strata/engine'
import { ExitCode } from './failure.js'
import type { Output } from './keyvalue.js'

export async function repairCommand(
  directory: string,
  options: { json?: boolean },
  out: Output,
): Promise<ExitCode> {
  const report = await repair(directory)
  if (options.json) await out.write(`${JSON.stringify(report)}\n`)
  else await out.write(`${describeRepair(report).join('\n')}\n`)
  return report.missingSeqs.length === 0 ? ExitCode.Ok : ExitCode.Failure
}
