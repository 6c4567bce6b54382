import { crc32c } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { DIRECTORY_FORMAT_VERSION, decodeIdentity, encodeIdentity } from './identity.js'

const id = '00112233445566778899aabbccddeeff'

describe('IDENTITY', () => {
  it('encodes to the bytes of the worked example in docs/format.md', () => {
    expect(Buffer.from(encodeIdentity(id)).toString('hex')).toBe(
      '53545241544144420200000000112233445566778899aabbccddeeff938a021d',
    )
    expect(decodeIdentity(encodeIdentity(id), 'IDENTITY')).toEqual({
      id,
      formatVersion: DIRECTORY_FORMAT_VERSION,
    })
  })

  it('reports a flipped bit, a wrong length, a wrong magic and a newer format version', () => {
    const flipped = Buffer.from(encodeIdentity(id))
    flipped[14]! ^= 1
    expect(() => decodeIdentity(flipped, 'IDENTITY')).toThrow(/fails its checksum/)
    expect(() => decodeIdentity(encodeIdentity(id).subarray(0, 31), 'IDENTITY')).toThrow(/31 bytes/)
    const magic = Buffer.from(encodeIdentity(id))
    magic[0] = 0x73
    expect(() => decodeIdentity(magic, 'IDENTITY')).toThrow(/magic/)
    const newer = Buffer.from(encodeIdentity(id))
    newer.writeUInt32LE(DIRECTORY_FORMAT_VERSION + 1, 8)
    newer.writeUInt32LE(crc32c(newer.subarray(0, 28)), 28)
    expect(() => decodeIdentity(newer, 'IDENTITY')).toThrow(/directory format version 3 is newer/)
  })
})
