/**
 * The page's HTTP server (`node:http`, nothing else): `GET /` the page, `/app.js` and
 * `/style.css` its script and style (static files, read on each request; no build step, nothing
 * fetched from elsewhere), `GET /api/state` the state as JSON,
 * `GET /api/events` the live frames as server-sent events. Every request passes security.ts
 * first; no endpoint changes anything. Listens on 127.0.0.1 unless told otherwise.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CliError } from '../failure.js'
import type { LiveFeed } from './live-feed.js'
import { ALLOWED_METHODS, accessPolicy, refusalOf } from './security.js'

/** The page's files (apps/demo/web, beside src/ and dist/, shipped in the package), each
 *  named in full so the package check finds every one in the tarball. */
const PAGE = { file: new URL('../../web/index.html', import.meta.url), type: 'text/html; charset=utf-8' }
const STATIC_FILES: Record<string, { file: URL; type: string }> = {
  '/': PAGE,
  '/index.html': PAGE,
  '/app.js': { file: new URL('../../web/app.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: new URL('../../web/style.css', import.meta.url), type: 'text/css; charset=utf-8' },
}

/** Headers on every answer: nothing cached, nothing framed, scripts only from the server. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}

export interface ServeOptions {
  /** Default 127.0.0.1 (loopback clients only); any other address answers every client. */
  host?: string
  /** Default 0: a free port, chosen by the system. */
  port?: number
}

export interface RunningServer {
  /** `http://<host>:<port>/` */
  url: string
  host: string
  port: number
  /** Stops listening and ends every stream. */
  close(): Promise<void>
}

function answer(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  head: boolean,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  })
  response.end(head ? undefined : body)
}

function handle(feed: LiveFeed, request: IncomingMessage, response: ServerResponse, host: string): void {
  const refusal = refusalOf(
    {
      method: request.method,
      remoteAddress: request.socket.remoteAddress,
      hostHeader: request.headers.host,
      origin: request.headers.origin,
    },
    accessPolicy(host),
  )
  const head = request.method === 'HEAD'
  if (refusal !== undefined) {
    answer(
      response,
      refusal.status,
      'text/plain; charset=utf-8',
      `${refusal.reason}\n`,
      head,
      refusal.status === 405 ? { allow: ALLOWED_METHODS.join(', ') } : {},
    )
    return
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  const file = STATIC_FILES[path]
  if (file !== undefined) {
    answer(response, 200, file.type, readFileSync(file.file), head)
    return
  }
  if (path === '/api/state') {
    answer(response, 200, 'application/json; charset=utf-8', JSON.stringify(feed.state()), head)
    return
  }
  if (path === '/api/events') {
    response.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    })
    if (head) {
      response.end()
      return
    }
    request.socket.setNoDelay(true)
    feed.addClient(response)
    return
  }
  answer(response, 404, 'text/plain; charset=utf-8', `no such page: ${path}\n`, head)
}

/** Serves `feed` on `host:port` (resolves once listening). A port in use is a `CliError`. */
export async function startServer(feed: LiveFeed, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const server: Server = createServer((request, response) => {
    try {
      handle(feed, request, response, host)
    } catch (error) {
      if (!response.headersSent) {
        answer(response, 500, 'text/plain; charset=utf-8', `${(error as Error).message}\n`, false)
      } else response.destroy()
    }
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new CliError(
            `port ${options.port} on ${host} is in use`,
            'pass another --port (0 picks a free one)',
          ),
        )
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(
          new CliError(
            `cannot listen on ${host}: ${error.code}`,
            'pass an address of this machine to --host',
          ),
        )
      } else reject(error)
    })
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        feed.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
