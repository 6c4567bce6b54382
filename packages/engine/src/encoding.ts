/**
 * Key and value encodings. The core stores bytes; an encoding turns what the caller passes into
 * bytes on the way in and bytes into what the caller wants on the way out.
 */
import { describeType, InvalidArgumentError, utf8Text } from '@strata/base'

/** A user codec: `encode` returns bytes (or a string, stored as UTF-8); `decode` gets a copy of
 *  the stored bytes, a `Uint8Array` over an `ArrayBuffer` of its own, which it may keep. */
export interface Codec<T> {
  encode(value: T): Uint8Array | string
  decode(data: Uint8Array): T
  /** Shown in error messages. */
  name?: string
}

/**
 * - `binary` (also `buffer`, `view`): Uint8Array in and out (strings are accepted as UTF-8);
 *   values read back are `Buffer`s (a Uint8Array subclass) the caller owns (copies).
 * - `utf8`: strings in and out (Uint8Array accepted on the way in).
 * - `json`: any JSON-serialisable value, stored as its UTF-8 JSON text.
 */
export type EncodingName = 'binary' | 'buffer' | 'view' | 'utf8' | 'json'
export type Encoding<T> = EncodingName | Codec<T>

/** The type one encoding yields: `utf8` strings, `json` `unknown`, a codec its `T`, the byte
 *  encodings `Uint8Array`. Distributes over a union of encodings. */
type DecodedBy<E> = E extends 'utf8'
  ? string
  : E extends 'json'
    ? unknown
    : E extends Codec<infer T>
      ? T
      : Uint8Array

/**
 * The type an encoding option `E` yields, for typed `open()` calls: absent (`undefined`) is
 * `Uint8Array`, a literal name or a codec its type (`Decoded<'utf8'>` is `string`), and the whole
 * `Encoding<T>` (an option typed `OpenOptions<K, V>` rather than written out) is `T`.
 */
export type Decoded<E> = [Exclude<E, undefined>] extends [never]
  ? Uint8Array
  : EncodingName extends Exclude<E, undefined>
    ? Extract<E, Codec<unknown>> extends Codec<infer T>
      ? T
      : unknown
    : DecodedBy<Exclude<E, undefined>>

export interface ResolvedEncoding<T> {
  readonly name: string
  /** Bytes for `value`; `argument` names it in errors ("key", "value"). */
  encode(value: T, argument: string): Uint8Array
  /** The same bytes as `encode`, possibly in a buffer that the next call overwrites: for a
   *  point read's key, used and dropped before the read returns or awaits anything. */
  encodeTransient(value: T, argument: string): Uint8Array
  decode(data: Uint8Array): T
}

const encoder = new TextEncoder()

/** The buffer of `transientUtf8`, and views of its first n bytes by n (made on first use). */
const TRANSIENT_BYTES = 1024
const transient = new Uint8Array(TRANSIENT_BYTES)
const transientViews: Uint8Array[] = []

/**
 * `text` as UTF-8 in the shared transient buffer (valid until the next call), or `undefined`
 * when it does not fit. A point read's key then costs no allocation: ASCII is copied by a loop
 * (a 16-character key in ~20 ns, where `Buffer.from` took ~150 ns), the rest by `encodeInto`.
 */
function transientUtf8(text: string): Uint8Array | undefined {
  const length = text.length
  if (length > TRANSIENT_BYTES) return undefined
  let written = length
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0x80) {
      const result = encoder.encodeInto(text, transient)
      if (result.read !== length) return undefined
      written = result.written
      break
    }
    transient[index] = code
  }
  let view = transientViews[written]
  if (view === undefined) {
    view = new Uint8Array(transient.buffer, 0, written)
    transientViews[written] = view
  }
  return view
}

/** A new Buffer holding `data`'s bytes: from Node's pool, filled by one native copy (what
 *  `Buffer.from(data)` does through a slower generic path). */
function copyToBuffer(data: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(data.length)
  copy.set(data)
  return copy
}

function bytesOrString(value: unknown, argument: string, encodingName: string): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  throw new InvalidArgumentError(
    `${argument} must be a Uint8Array or a string with the '${encodingName}' encoding, not ${describeType(value)}`,
    { argument },
  )
}

/** `encodeTransient` of encodings whose bytes are always fresh anyway (json, codecs): `encode`. */
function encodeAsUsual<T>(this: ResolvedEncoding<T>, value: T, argument: string): Uint8Array {
  return this.encode(value, argument)
}

/** `bytesOrString`, with a string put in the transient buffer when it fits. */
function transientBytesOrString(value: unknown, argument: string, encodingName: string): Uint8Array {
  return (typeof value === 'string' && transientUtf8(value)) || bytesOrString(value, argument, encodingName)
}

const binary: ResolvedEncoding<Uint8Array> = {
  name: 'binary',
  encode: (value, argument) => bytesOrString(value, argument, 'binary'),
  encodeTransient: (value, argument) => transientBytesOrString(value, argument, 'binary'),
  // A copy: what the memtable and tables hand out are read-only views into shared slabs and
  // cached blocks. The caller owns what it gets and may write into it.
  decode: copyToBuffer,
}

const utf8: ResolvedEncoding<string> = {
  name: 'utf8',
  encode: (value, argument) => bytesOrString(value, argument, 'utf8'),
  encodeTransient: (value, argument) => transientBytesOrString(value, argument, 'utf8'),
  decode: (data) => utf8Text(data),
}

const json: ResolvedEncoding<unknown> = {
  name: 'json',
  encode(value, argument) {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (cause) {
      throw new InvalidArgumentError(`${argument} cannot be encoded as JSON: ${(cause as Error).message}`, {
        argument,
        cause,
      })
    }
    if (text === undefined) {
      throw new InvalidArgumentError(`${argument} cannot be encoded as JSON (${describeType(value)})`, {
        argument,
      })
    }
    return encoder.encode(text)
  },
  encodeTransient: encodeAsUsual,
  decode: (data) => JSON.parse(utf8Text(data)),
}

/** Turns an `Encoding` option into encode/decode functions, or throws naming the option. */
export function resolveEncoding<T>(encoding: Encoding<T> | undefined, option: string): ResolvedEncoding<T> {
  if (encoding === undefined || encoding === 'binary' || encoding === 'buffer' || encoding === 'view') {
    return binary as unknown as ResolvedEncoding<T>
  }
  if (encoding === 'utf8') return utf8 as unknown as ResolvedEncoding<T>
  if (encoding === 'json') return json as ResolvedEncoding<T>
  if (
    typeof encoding === 'object' &&
    typeof encoding.encode === 'function' &&
    typeof encoding.decode === 'function'
  ) {
    const codec = encoding
    const name = codec.name ?? 'custom codec'
    return {
      name,
      encode(value, argument) {
        return bytesOrString(codec.encode(value), `${argument} (as encoded by ${name})`, name)
      },
      encodeTransient: encodeAsUsual,
      // A copy the codec may keep, in an ArrayBuffer of its own (offset 0: a codec may read
      // `data.buffer`): the memtables and tables hand out views into slabs and blocks whose
      // memory serves other data later.
      decode: (data) => codec.decode(new Uint8Array(data)),
    }
  }
  throw new InvalidArgumentError(
    `options.${option} must be 'binary', 'buffer', 'view', 'utf8', 'json' or a codec { encode, decode }, ` +
      `not ${typeof encoding === 'string' ? `'${encoding}'` : describeType(encoding)}`,
    { argument: `options.${option}` },
  )
}
