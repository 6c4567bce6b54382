import { CliError } from './failure.js'
import type { Inspection, InspectOptions } from './inspect.js'

export const TABLE_MAGIC = Uint8Array.of(0x73, 0x74, 0x72, 0x61, 0x74, 0x61, 0x53, 0x54)

export async function inspectTableFile(path: string, _options: InspectOptions): Promise<Inspection> {
  throw new CliError(`SSTable inspection of ${path} is not built yet`, 'todo')
}
