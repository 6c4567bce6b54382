import { type InternalEntry, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { compareKeys } from './coding.js'
import { TableIndex } from './table-index.js'

const text = (value: string) => new Uint8Array(Buffer.from(value, 'latin1'))

/** An index over blocks whose last keys are `lastKeys` (ascending), each 100 bytes long. */
function indexOf(lastKeys: string[]): TableIndex {
  const entries: InternalEntry[] = lastKeys.map((key, position) => ({
    key: text(key),
    seq: 7,
    op: OpType.Put,
    value: new Uint8Array([...varint(position * 105), 100]),
  }))
  const index = TableIndex.decode(entries, lastKeys.length * 105, 5)
  if (typeof index === 'string') throw new Error(index)
  return index
}

function varint(value: number): number[] {
  const bytes: number[] = []
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80)
    value >>>= 7
  }
  bytes.push(value)
  return bytes
}

/** The first position whose last key is >= key (> with strict), by a linear walk. */
function reference(lastKeys: string[], key: string, strict: boolean): number {
  const position = lastKeys.findIndex((last) => {
    const order = compareKeys(text(last), text(key))
    return strict ? order > 0 : order >= 0
  })
  return position < 0 ? lastKeys.length : position
}

describe('TableIndex', () => {
  it('finds blocks by keys that share a long prefix, and by keys around that prefix', () => {
    // Zero-padded numbers: every key starts with the same 9 bytes.
    const lastKeys = Array.from({ length: 300 }, (_, position) => String(position * 7 + 3).padStart(16, '0'))
    const index = indexOf(lastKeys)
    const probes = [
      ...Array.from({ length: 2200 }, (_, number) => String(number).padStart(16, '0')),
      '',
      '0',
      '000000000',
      '0000000000000',
      '00000000000000000',
      '/',
      '1',
      '0000000001',
      '000000000\xff',
      '0000000000000002',
      '0000000000002104',
      '00000000000021040',
      '\xff',
    ]
    for (const probe of probes) {
      for (const strict of [false, true]) {
        expect(index.atOrAfter(text(probe), strict), `${probe} ${strict}`).toBe(
          reference(lastKeys, probe, strict),
        )
      }
      expect(index.find(text(probe), 7)).toBe(reference(lastKeys, probe, false))
      for (const position of [0, 150, 299]) {
        expect(Math.sign(index.compareLastKey(position, text(probe)))).toBe(
          Math.sign(compareKeys(text(lastKeys[position]!), text(probe))),
        )
      }
    }
  })

  it('rejects an index whose keys leave the prefix their first and last key share', () => {
    const entries = ['0001', '0100', '0002'].map((key, position) => ({
      key: text(key),
      seq: 1,
      op: OpType.Put,
      value: new Uint8Array([position * 105, 100]),
    }))
    expect(TableIndex.decode(entries, 3 * 105, 5)).toBe('index entry 1 is out of order')
  })
})
