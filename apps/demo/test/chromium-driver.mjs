// Drives headless Chromium over the DevTools protocol for the page's browser test:
//   node --experimental-websocket chromium-driver.mjs <chromium> <url> <condition> <screenshot.png> <timeout ms> [full]
// Loads <url>, evaluates the JavaScript expression <condition> in the page every 200 ms until it
// is true (or the timeout passes), saves a screenshot (of the window, or with `full` of the whole
// page), and prints one JSON line on stdout:
// { met, waitedMs, html } — the page's DOM as it was when the condition was met (or at the
// timeout). `--dump-dom` cannot do this: with --virtual-time-budget it waits for every request
// to end, and the page's event stream never does.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [chromium, url, condition, screenshot, timeoutText, extent] = process.argv.slice(2)
const timeoutMs = Number(timeoutText ?? 20000)
const profile = mkdtempSync(join(tmpdir(), 'strata-chromium-'))
const args = [
  '--headless=new',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--remote-debugging-port=0',
  `--user-data-dir=${profile}`,
  '--window-size=1400,900',
  'about:blank',
]
// Chromium refuses to run as root with its sandbox (CI containers run as root).
if (process.getuid?.() === 0) args.unshift('--no-sandbox')
const browser = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] })

function finish(code, result) {
  if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`)
  browser.kill('SIGKILL')
  setTimeout(() => {
    rmSync(profile, { recursive: true, force: true })
    process.exit(code)
  }, 200)
}

const overall = setTimeout(() => {
  process.stderr.write(`chromium-driver: gave up after ${timeoutMs + 15000} ms\n`)
  finish(1)
}, timeoutMs + 15000)

/** The browser's DevTools endpoint, from the line Chromium prints on stderr. */
const endpoint = await new Promise((resolve, reject) => {
  let text = ''
  browser.stderr.on('data', (chunk) => {
    text += chunk.toString()
    const found = /DevTools listening on (ws:\/\/\S+)/.exec(text)
    if (found) resolve(found[1])
  })
  browser.on('exit', (code) => reject(new Error(`chromium exited with ${code} before listening:\n${text}`)))
}).catch((error) => {
  process.stderr.write(`${error.message}\n`)
  finish(1)
  return new Promise(() => {})
})

const { port } = new URL(endpoint)
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
const target = targets.find((candidate) => candidate.type === 'page')
const socket = new WebSocket(target.webSocketDebuggerUrl)
await new Promise((resolve, reject) => {
  socket.addEventListener('open', resolve, { once: true })
  socket.addEventListener('error', reject, { once: true })
})
let lastId = 0
const pending = new Map()
socket.addEventListener('message', (message) => {
  const reply = JSON.parse(message.data)
  const waiting = pending.get(reply.id)
  if (waiting === undefined) return
  pending.delete(reply.id)
  if (reply.error) waiting.reject(new Error(`${reply.error.message} (${reply.error.code})`))
  else waiting.resolve(reply.result)
})

function call(method, params = {}) {
  const id = ++lastId
  socket.send(JSON.stringify({ id, method, params }))
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
}

async function evaluate(expression) {
  const { result, exceptionDetails } = await call('Runtime.evaluate', { expression, returnByValue: true })
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text)
  return result.value
}

await call('Page.enable')
await call('Runtime.enable')
await call('Page.navigate', { url })
const started = Date.now()
let met = false
while (Date.now() - started < timeoutMs) {
  await new Promise((resolve) => setTimeout(resolve, 200))
  try {
    if (await evaluate(`Boolean(${condition})`)) {
      met = true
      break
    }
  } catch {
    // The page is still loading.
  }
}
const waitedMs = Date.now() - started
const html = await evaluate('document.documentElement.outerHTML')
let clip
if (extent === 'full') {
  // A window as tall as the page, so what lies below the fold is laid out and drawn too.
  const { cssContentSize } = await call('Page.getLayoutMetrics')
  const height = Math.ceil(cssContentSize.height)
  await call('Emulation.setDeviceMetricsOverride', {
    width: 1400,
    height,
    deviceScaleFactor: 1,
    mobile: false,
  })
  await new Promise((resolve) => setTimeout(resolve, 500))
  clip = { x: 0, y: 0, width: 1400, height, scale: 1 }
}
const { data } = await call('Page.captureScreenshot', {
  format: 'png',
  ...(clip === undefined ? {} : { clip, captureBeyondViewport: true }),
})
writeFileSync(screenshot, Buffer.from(data, 'base64'))
clearTimeout(overall)
socket.close()
finish(0, { met, waitedMs, html })
