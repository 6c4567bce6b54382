/**
 * What the page's server accepts. It only reads: `GET` and `HEAD`, anything else `405`. By
 * default it listens on a loopback address and answers loopback clients only (`403` to any
 * other remote address); `--host` with a non-loopback address opens it to the network. A
 * request whose `Host` header names another host is refused (`421`) while bound to loopback,
 * so a web page elsewhere cannot reach the server through a DNS name rebound to 127.0.0.1; a
 * request from another page's script (an `Origin` that is not the server's own) is refused
 * (`403`). Pure: decides from the request's fields, no I/O.
 */
import { isIP } from 'node:net'

/** Who may connect. */
export interface AccessPolicy {
  /** The address the server listens on (`127.0.0.1` by default). */
  host: string
  /** True when bound to a non-loopback address: any client address is accepted. */
  allowRemote: boolean
}

/** The request fields the checks read. */
export interface RequestFacts {
  method: string | undefined
  remoteAddress: string | undefined
  /** The `Host` and `Origin` headers (undefined when absent). */
  hostHeader: string | undefined
  origin: string | undefined
}

/** Why a request is refused: the status and one line saying why. */
export interface Refusal {
  status: 403 | 405 | 421
  reason: string
}

/** The methods the server answers; everything else is `405` with this list in `Allow`. */
export const ALLOWED_METHODS = ['GET', 'HEAD'] as const

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
  if (isIP(plain) === 4) return plain.startsWith('127.')
  return plain === '::1'
}

/** True for the names a loopback server may be reached by. */
function isLoopbackName(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare.endsWith('.localhost') || isLoopbackAddress(bare)
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), lower-cased. */
function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

/** The policy for listening on `host`: a loopback host answers loopback clients only. */
export function accessPolicy(host: string): AccessPolicy {
  return { host, allowRemote: !(host === 'localhost' || isLoopbackAddress(host)) }
}

/** Why `request` is refused, or `undefined` when it is served. */
export function refusalOf(request: RequestFacts, policy: AccessPolicy): Refusal | undefined {
  if (!policy.allowRemote && !isLoopbackAddress(request.remoteAddress)) {
    return {
      status: 403,
      reason: `this server answers local clients only (start it with --host to listen for others); refused ${request.remoteAddress ?? 'an unknown address'}`,
    }
  }
  if (!ALLOWED_METHODS.includes(request.method as (typeof ALLOWED_METHODS)[number])) {
    return {
      status: 405,
      reason: `${request.method ?? 'no method'} is not allowed: the page only reads (${ALLOWED_METHODS.join(', ')})`,
    }
  }
  if (request.hostHeader === undefined) return { status: 421, reason: 'no Host header' }
  const hostname = hostnameOf(request.hostHeader)
  if (hostname === undefined) return { status: 421, reason: `malformed Host header ${request.hostHeader}` }
  if (!policy.allowRemote && !isLoopbackName(hostname)) {
    return {
      status: 421,
      reason: `Host ${request.hostHeader} is not this server's loopback address (a rebound DNS name?)`,
    }
  }
  if (request.origin !== undefined && request.origin !== 'null') {
    let originHost: string | undefined
    try {
      originHost = new URL(request.origin).host.toLowerCase()
    } catch {
      originHost = undefined
    }
    if (originHost !== request.hostHeader.toLowerCase()) {
      return { status: 403, reason: `requests from another page (Origin ${request.origin}) are refused` }
    }
  } else if (request.origin === 'null') {
    return { status: 403, reason: 'requests from an opaque origin are refused' }
  }
  return undefined
}
