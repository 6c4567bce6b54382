/**
 * `DecompressionError`: a compressed block could not be decoded into exactly the length its
 * handle promised. Its `code` is `STRATA_CORRUPTION`; the codec knows neither the file nor the
 * offset, so the table reader wraps it (as `cause`) in an `SSTableCorruptError` naming both.
 */
import { ErrorCode, StrataError } from '@strata/base'

export interface DecompressionDetails {
  /** The codec's name, e.g. `lz4`. */
  codec: string
  /** What is wrong, in a few words. */
  reason: string
  /** Byte position in the compressed input where decoding stopped, when known. */
  at?: number
  cause?: unknown
}

/** Damaged compressed bytes. `code` is `STRATA_CORRUPTION`; never returned as data. */
export class DecompressionError extends StrataError {
  readonly codec: string
  readonly reason: string
  /** Byte position in the compressed input, or -1 when unknown. */
  readonly at: number

  constructor(details: DecompressionDetails) {
    const where = details.at === undefined ? '' : ` at compressed byte ${details.at}`
    super(
      ErrorCode.Corruption,
      `${details.codec} block cannot be decompressed${where}: ${details.reason}`,
      details.cause === undefined ? {} : { cause: details.cause },
    )
    this.codec = details.codec
    this.reason = details.reason
    this.at = details.at ?? -1
  }
}
