/**
 * Tables and levels as events and `Database.levels()` describe them: plain JSON data, keys as
 * lowercase hex of their stored (encoded) bytes, so a listener can send them anywhere and
 * compare keys as strings of equal-width digits (hex preserves the bytes' order).
 */
import type { TableFileMeta, Version } from './version.js'

/** One table file of the tree. */
export interface TableView {
  fileNumber: number
  level: number
  /** Size on disk. */
  fileBytes: number
  /** Entries stored (every version, tombstones included) and of those, tombstones. */
  entries: number
  tombstones: number
  /** Its smallest and largest key, as hex of the stored bytes. */
  smallestKey: string
  largestKey: string
  /** The seq range of its entries. Key range and seqs describe point entries only: range
   *  tombstones may reach past them (reads honour a table's range tombstones wherever it lies),
   *  and a table holding nothing but range tombstones shows empty keys and seqs 0..0. */
  minSeq: number
  maxSeq: number
}

/** One level of the tree: level 0 newest table first, deeper levels by key. */
export interface LevelView {
  level: number
  /** The level's bytes on disk. */
  bytes: number
  tables: TableView[]
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** `bytes` as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += HEX[byte]
  return text
}

export function tableView(level: number, table: TableFileMeta): TableView {
  return {
    fileNumber: table.fileNumber,
    level,
    fileBytes: table.fileSize,
    entries: table.entryCount,
    tombstones: table.tombstoneCount,
    smallestKey: toHex(table.smallestKey),
    largestKey: toHex(table.largestKey),
    minSeq: table.minSeq,
    maxSeq: table.maxSeq,
  }
}

/** Every level of `version` (empty ones included), with its tables. */
export function levelViews(version: Version): LevelView[] {
  return version.levels.map((tables, level) => ({
    level,
    bytes: version.levelBytes(level),
    tables: tables.map((table) => tableView(level, table)),
  }))
}

/** The total size of `tables`. */
export function totalBytes(tables: readonly TableView[]): number {
  return tables.reduce((total, table) => total + table.fileBytes, 0)
}
