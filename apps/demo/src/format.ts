/**
 * Formatting for people and for scripts: sizes, counts, durations, and bytes shown as text.
 * Keys and values are bytes; they are shown as UTF-8 text when they are valid UTF-8 without
 * control characters, and escaped otherwise (never silently replaced with U+FFFD).
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** `1,234,567` */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** `512 B`, `4.0 KiB`, `12.3 MiB`, `1.02 GiB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`
}

/** `850 µs`, `12.4 ms`, `3.2 s`, `1m 05s` */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 100) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`
}

/** `1 record`, `2 records` */
export function plural(count: number, word: string): string {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`
}

/** `12,345/s`, or `12,345 events/s` with a unit */
export function formatRate(count: number, ms: number, unit?: string): string {
  return `${formatCount(ms <= 0 ? 0 : (count * 1000) / ms)}${unit === undefined ? '' : ` ${unit}`}/s`
}

/** The text of `bytes` when it is valid UTF-8, else `undefined`. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** Bytes shown on one line: UTF-8 text with control characters and backslashes escaped
 *  (`\n`, `\t`, `\\`, `\x00`), invalid UTF-8 as `\xNN` byte escapes. */
export function showBytes(bytes: Uint8Array, maxChars = Number.POSITIVE_INFINITY): string {
  const text = utf8OrUndefined(bytes)
  let shown: string
  if (text === undefined) {
    shown = Array.from(bytes, (byte) =>
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`,
    ).join('')
  } else {
    shown = ''
    for (const char of text) {
      const code = char.charCodeAt(0)
      if (char === '\\') shown += '\\\\'
      else if (char === '\n') shown += '\\n'
      else if (char === '\t') shown += '\\t'
      else if (char === '\r') shown += '\\r'
      else if (code < 0x20 || code === 0x7f) shown += `\\x${code.toString(16).padStart(2, '0')}`
      else shown += char
    }
  }
  return shown.length > maxChars ? `${shown.slice(0, Math.max(1, maxChars - 1))}…` : shown
}

/** Bytes for JSON output: `{ [name]: text }` when valid UTF-8, else `{ [name + 'Hex']: hex }`. */
export function jsonBytes(name: string, bytes: Uint8Array): Record<string, string> {
  const text = utf8OrUndefined(bytes)
  return text === undefined ? { [`${name}Hex`]: Buffer.from(bytes).toString('hex') } : { [name]: text }
}

/** Pads to `width` on the left (numbers) or right (text). */
export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text
}
export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}
