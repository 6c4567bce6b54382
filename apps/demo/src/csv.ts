/**
 * CSV records (RFC 4180) from physical lines: fields separated by commas, optionally quoted
 * with `"`, a quote inside a quoted field written `""`; a quoted field may span lines (the
 * record then reports the line it started on). Malformed input is reported with its line
 * number and reason, never guessed at.
 */

export type CsvRecord =
  | { kind: 'record'; line: number; fields: string[] }
  | { kind: 'error'; line: number; reason: string }

type Parsed = { fields: string[] } | { error: string } | 'incomplete'

/** Parses one record's text; 'incomplete' when a quoted field is still open at the end. */
export function parseRecord(text: string): Parsed {
  const fields: string[] = []
  let position = 0
  for (;;) {
    if (text[position] === '"') {
      let value = ''
      position++
      for (;;) {
        const close = text.indexOf('"', position)
        if (close < 0) return 'incomplete'
        value += text.slice(position, close)
        if (text[close + 1] === '"') {
          value += '"'
          position = close + 2
          continue
        }
        position = close + 1
        break
      }
      fields.push(value)
      if (position === text.length) return { fields }
      if (text[position] !== ',') {
        return {
          error: `unexpected ${JSON.stringify(text[position])} after a closing quote (column ${position + 1})`,
        }
      }
      position++
      if (position === text.length) {
        fields.push('')
        return { fields }
      }
    } else {
      const comma = text.indexOf(',', position)
      const value = comma < 0 ? text.slice(position) : text.slice(position, comma)
      const quote = value.indexOf('"')
      if (quote >= 0) {
        return {
          error: `a quote inside an unquoted field (column ${position + quote + 1}); quote the field and double the quote`,
        }
      }
      fields.push(value)
      if (comma < 0) return { fields }
      position = comma + 1
      if (position === text.length) {
        fields.push('')
        return { fields }
      }
    }
  }
}

/** Assembles records from lines fed one at a time. */
export class CsvReader {
  private pending: string | undefined
  private pendingLine = 0

  /** True while a quoted field continues on the next line. */
  get inRecord(): boolean {
    return this.pending !== undefined
  }

  /** Feeds line `lineNumber` (without its line break); returns a record, an error, or nothing
   *  while a quoted field continues on the next line. */
  push(line: string, lineNumber: number): CsvRecord | undefined {
    const text = this.pending === undefined ? line : `${this.pending}\n${line}`
    const start = this.pending === undefined ? lineNumber : this.pendingLine
    const parsed = parseRecord(text)
    if (parsed === 'incomplete') {
      this.pending = text
      this.pendingLine = start
      return undefined
    }
    this.pending = undefined
    if ('error' in parsed) return { kind: 'error', line: start, reason: parsed.error }
    return { kind: 'record', line: start, fields: parsed.fields }
  }

  /** At the end of the input: an error if a quoted field was never closed. */
  end(): CsvRecord | undefined {
    if (this.pending === undefined) return undefined
    const line = this.pendingLine
    this.pending = undefined
    return {
      kind: 'error',
      line,
      reason: 'a quoted field is never closed (missing `"` before the end of the file)',
    }
  }
}
