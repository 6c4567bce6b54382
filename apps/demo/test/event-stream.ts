/** Test helper: reads the page server's event stream (`/api/events`) as a page would. */
import { expect } from 'vitest'

export interface ServerSentEvent {
  name: string
  data: unknown
}

/** Reads `/api/events` until `enough` says so (or `timeoutMs`), then disconnects. */
export async function readStream(
  url: string,
  enough: (events: ServerSentEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<ServerSentEvent[]> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const events: ServerSentEvent[] = []
  try {
    const response = await fetch(new URL('/api/events', url), { signal: controller.signal })
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const decoder = new TextDecoder()
    let text = ''
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true })
      let end = text.indexOf('\n\n')
      while (end >= 0) {
        const block = text.slice(0, end)
        text = text.slice(end + 2)
        const name = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (name !== undefined && data !== undefined) events.push({ name, data: JSON.parse(data) })
        end = text.indexOf('\n\n')
      }
      if (enough(events)) break
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return events
}
