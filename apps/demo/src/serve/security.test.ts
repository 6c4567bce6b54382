import { describe, expect, it } from 'vitest'
import { accessPolicy, isLoopbackAddress, type RequestFacts, refusalOf } from './security.js'

const local: RequestFacts = {
  method: 'GET',
  remoteAddress: '127.0.0.1',
  hostHeader: '127.0.0.1:7380',
  origin: undefined,
}

describe('refusalOf', () => {
  const loopback = accessPolicy('127.0.0.1')

  it('serves GET and HEAD from a loopback client', () => {
    expect(refusalOf(local, loopback)).toBeUndefined()
    expect(refusalOf({ ...local, method: 'HEAD', hostHeader: 'localhost:7380' }, loopback)).toBeUndefined()
    expect(refusalOf({ ...local, remoteAddress: '::ffff:127.0.0.1' }, loopback)).toBeUndefined()
    expect(refusalOf({ ...local, remoteAddress: '::1', hostHeader: '[::1]:7380' }, loopback)).toBeUndefined()
  })

  it('refuses every method that is not GET or HEAD with 405', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', undefined]) {
      expect(refusalOf({ ...local, method }, loopback)?.status).toBe(405)
    }
  })

  it('refuses a remote client unless listening on a non-loopback address', () => {
    const remote = { ...local, remoteAddress: '192.168.1.20', hostHeader: '192.168.1.5:7380' }
    expect(refusalOf(remote, loopback)).toMatchObject({ status: 403 })
    expect(refusalOf(remote, accessPolicy('0.0.0.0'))).toBeUndefined()
    expect(refusalOf({ ...remote, remoteAddress: undefined }, loopback)?.status).toBe(403)
  })

  it('refuses a Host that is not a loopback name (DNS rebinding) with 421', () => {
    expect(refusalOf({ ...local, hostHeader: 'evil.example:7380' }, loopback)?.status).toBe(421)
    expect(refusalOf({ ...local, hostHeader: undefined }, loopback)?.status).toBe(421)
    expect(refusalOf({ ...local, hostHeader: 'evil.example:7380' }, accessPolicy('0.0.0.0'))).toBeUndefined()
  })

  it("refuses a request from another page's script", () => {
    expect(refusalOf({ ...local, origin: 'http://127.0.0.1:7380' }, loopback)).toBeUndefined()
    expect(refusalOf({ ...local, origin: 'https://evil.example' }, loopback)?.status).toBe(403)
    expect(refusalOf({ ...local, origin: 'http://127.0.0.1:9999' }, loopback)?.status).toBe(403)
    expect(refusalOf({ ...local, origin: 'null' }, loopback)?.status).toBe(403)
  })
})

describe('isLoopbackAddress', () => {
  it('knows 127/8, ::1 and their mapped forms, and nothing else', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['10.0.0.1', '0.0.0.0', '::', '128.0.0.1', 'localhost', undefined].map(isLoopbackAddress)).toEqual(
      [false, false, false, false, false, false],
    )
  })
})
