/**
 * `strata inspect <table.sst>`: the footer, properties, filter, index, every data block and the
 * entries, from `@strata/sstable`'s `inspectTable`, which verifies every checksum and reports
 * each problem with its block and byte offset.
 */
import { inspectTable, MAGIC } from '@strata/sstable'
import { formatBytes, formatCount, jsonBytes, padEnd, padStart, showBytes } from './format.js'
import { type Inspection, type InspectOptions, rowLimit } from './inspect.js'

/** The last 8 bytes of every table. */
export const TABLE_MAGIC: Uint8Array = MAGIC

function handle(value: { offset: number; length: number }): string {
  return `${formatCount(value.length)} bytes at ${formatCount(value.offset)}`
}

/** Uncompressed bytes per stored byte, e.g. `2.07` (`1.00` for a raw block). */
function ratio(uncompressed: number, stored: number): string {
  return stored === 0 ? '-' : (uncompressed / stored).toFixed(2)
}

export async function inspectTableFile(path: string, options: InspectOptions): Promise<Inspection> {
  const limit = rowLimit(options)
  const report = await inspectTable(path, { entries: limit > 0 })
  const text: string[] = [`${path}: SSTable, ${formatCount(report.fileSize)} bytes`]
  const footer = report.footer
  if (footer !== undefined) {
    text.push(
      `  footer      at ${formatCount(footer.offset)}: format version ${footer.formatVersion}, ` +
        `magic ${footer.magicOk ? '✓' : '✗'}, checksum ${footer.checksumOk ? '✓' : '✗'}; ` +
        `filter ${handle(footer.filter)}, properties ${handle(footer.properties)}, index ${handle(footer.index)}`,
    )
  }
  const properties = report.properties
  if (properties !== undefined) {
    text.push(
      `  properties  ${formatCount(properties.entryCount)} entries (${formatCount(properties.tombstoneCount)} tombstones), ` +
        `seqs ${formatCount(properties.minSeq)}..${formatCount(properties.maxSeq)}, ` +
        `keys ${showBytes(properties.smallestKey, 32)} … ${showBytes(properties.largestKey, 32)}`,
    )
    text.push(
      `              raw key bytes ${formatCount(properties.rawKeyBytes)}, raw value bytes ${formatCount(properties.rawValueBytes)}; ` +
        `built with blockBytes ${properties.blockBytes}, restartInterval ${properties.restartInterval}, ` +
        `bloomBitsPerKey ${properties.bloomBitsPerKey}`,
    )
  }
  const filter = report.filter
  if (filter !== undefined) {
    text.push(
      filter.layout === 'none'
        ? '  filter      none (every key may be present)'
        : `  filter      ${filter.layout} bloom filter, ${filter.probes} probes, ${formatCount(filter.bits)} bits (${formatBytes(filter.length)})`,
    )
  }
  const fragments = report.rangeTombstones
  if (fragments !== undefined && fragments.length > 0) {
    const seqs = fragments.reduce((total, fragment) => total + fragment.seqs.length, 0)
    text.push(
      `  range del.  ${formatCount(fragments.length)} fragments (${formatCount(seqs)} fragment seqs), ` +
        `${showBytes(fragments[0]!.start, 40)} … ${fragments.at(-1)!.end === null ? '(no end)' : showBytes(fragments.at(-1)!.end!, 40)}`,
    )
  }
  if (report.index !== undefined) {
    text.push(`  index       ${formatCount(report.index.entryCount)} entries, ${handle(report.index)}`)
  }
  if (report.dataBlocks.length > 0) {
    const stored = report.dataBlocks.reduce((total, block) => total + block.length, 0)
    const uncompressed = report.dataBlocks.reduce((total, block) => total + block.uncompressedLength, 0)
    const codecs = [...new Set(report.dataBlocks.map((block) => block.codec))].join(', ')
    text.push(
      `  data blocks ${formatCount(report.dataBlocks.length)}: ${formatCount(uncompressed)} bytes stored in ` +
        `${formatCount(stored)} (${codecs}; ratio ${ratio(uncompressed, stored)})`,
    )
    text.push(
      `    ${padStart('#', 6)}  ${padStart('offset', 11)}  ${padStart('bytes', 7)}  ${padEnd('codec', 7)}  ${padStart('ratio', 5)}  ${padStart('entries', 7)}  check  first key … last key`,
    )
    for (const block of report.dataBlocks.slice(0, limit)) {
      text.push(
        `    ${padStart(String(block.number), 6)}  ${padStart(formatCount(block.offset), 11)}  ${padStart(formatCount(block.length), 7)}  ` +
          `${padEnd(block.codec, 7)}  ${padStart(ratio(block.uncompressedLength, block.length), 5)}  ` +
          `${padStart(formatCount(block.entryCount), 7)}  ${padEnd(block.ok ? '✓' : '✗', 5)}  ` +
          (block.firstKey === undefined
            ? ''
            : `${showBytes(block.firstKey, 28)} … ${showBytes(block.lastKey!, 28)}`),
      )
    }
    if (report.dataBlocks.length > limit) {
      text.push(`    … ${formatCount(report.dataBlocks.length - limit)} more blocks (--all shows every one)`)
    }
  }
  const entries = report.dataBlocks.flatMap((block) => block.entries ?? [])
  const shownEntries = entries.slice(0, limit)
  if (shownEntries.length > 0) {
    text.push(`  entries (internal order: key ascending, newest version first):`)
    text.push(`    ${padStart('seq', 10)}  op   key  value`)
    for (const entry of shownEntries) {
      text.push(
        `    ${padStart(String(entry.seq), 10)}  ${entry.op === 1 ? 'put' : entry.op === 3 ? 'delete-range' : 'del'}  ${showBytes(entry.key, 40)}` +
          (entry.value === null ? '' : `  ${showBytes(entry.value, 60)}`),
      )
    }
    if (report.entryCount > shownEntries.length) {
      text.push(
        `    … ${formatCount(report.entryCount - shownEntries.length)} more entries (--all shows every one)`,
      )
    }
  }
  for (const problem of report.problems) {
    text.push(
      `  DAMAGED     ${problem.block} block${problem.blockNumber === undefined ? '' : ` #${problem.blockNumber}`} at byte ${formatCount(problem.offset)}: ${problem.reason}`,
    )
  }
  const verdict =
    report.problems.length === 0
      ? `every checksum verified ✓ (${formatCount(report.dataBlocks.length)} data blocks, ${formatCount(report.entryCount)} entries)`
      : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}; first at byte ${formatCount(report.problems[0]!.offset)}`
  text.push(`  ${verdict}`)
  return {
    kind: 'sst',
    summary: `SSTable, ${formatBytes(report.fileSize)}, ${formatCount(report.entryCount)} entries in ${formatCount(report.dataBlocks.length)} blocks — ${
      report.problems.length === 0
        ? 'every checksum verified'
        : `DAMAGED at byte ${formatCount(report.problems[0]!.offset)} (${report.problems[0]!.block} block): ${report.problems[0]!.reason}`
    }`,
    text,
    json: {
      file: path,
      kind: 'sst',
      bytes: report.fileSize,
      status: report.problems.length === 0 ? 'ok' : 'damaged',
      footer: report.footer ?? null,
      properties:
        properties === undefined
          ? null
          : {
              ...properties,
              smallestKey: undefined,
              largestKey: undefined,
              ...jsonBytes('smallestKey', properties.smallestKey),
              ...jsonBytes('largestKey', properties.largestKey),
            },
      filter: report.filter ?? null,
      index: report.index ?? null,
      dataBlockCount: report.dataBlocks.length,
      dataBlocks: report.dataBlocks.slice(0, limit).map((block) => ({
        number: block.number,
        offset: block.offset,
        length: block.length,
        codec: block.codec,
        uncompressedLength: block.uncompressedLength,
        ok: block.ok,
        entryCount: block.entryCount,
        restartCount: block.restartCount,
        ...(block.firstKey === undefined ? {} : jsonBytes('firstKey', block.firstKey)),
        ...(block.lastKey === undefined ? {} : jsonBytes('lastKey', block.lastKey)),
      })),
      entryCount: report.entryCount,
      tombstoneCount: report.tombstoneCount,
      shownEntries: shownEntries.map((entry) => ({
        seq: entry.seq,
        op: entry.op === 1 ? 'put' : entry.op === 3 ? 'delete-range' : 'del',
        ...jsonBytes('key', entry.key),
        ...(entry.value === null ? {} : jsonBytes('value', entry.value)),
      })),
      problems: report.problems,
    },
    damage: report.problems.map((problem) => ({
      offset: problem.offset,
      reason: problem.reason,
      block: problem.blockNumber === undefined ? problem.block : `${problem.block} #${problem.blockNumber}`,
    })),
  }
}
