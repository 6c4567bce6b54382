/**
 * The tour's dataset: a deterministic stream of web-shop events, keyed
 * `user:<5-digit id>:<13-digit timestamp ms>` with a JSON value. The same seed and count always
 * give the same events, so the tour can say how many events a query must find (counts computed
 * from the generator, not claimed) and replay any of them.
 *
 * Events arrive in time order from 10,000 users (a few are much busier than most, as in real
 * traffic); timestamps strictly increase across the stream, so every key is distinct.
 */
import { seededRandom } from '@strata/base'

/** Midnight UTC, 1 November 2024: the first event's time. */
export const DATASET_START_MS = Date.UTC(2024, 10, 1)
export const USER_COUNT = 10_000
export const DEFAULT_SEED = 20241101

const EVENT_TYPES = [
  'page_view',
  'page_view',
  'page_view',
  'search',
  'click',
  'add_to_cart',
  'purchase',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface TourEvent {
  /** Position in the stream, from 0. */
  index: number
  userId: number
  timestampMs: number
  type: EventType
  path: string
  durationMs: number
  amountCents: number | undefined
}

/** The events, in order. Average gap between events: about 5 seconds (500,000 ≈ 30 days). */
export function* generateEvents(count: number, seed = DEFAULT_SEED): Generator<TourEvent> {
  const next = seededRandom(seed)
  let timestampMs = DATASET_START_MS
  for (let index = 0; index < count; index++) {
    timestampMs += 1 + Math.floor(next() * 10_368)
    // Skewed towards low ids: user 0..99 produce about a tenth of the traffic.
    const userId = Math.min(USER_COUNT - 1, Math.floor(USER_COUNT * next() ** 2))
    const type = EVENT_TYPES[Math.floor(next() * EVENT_TYPES.length)]!
    const product = Math.floor(next() * 5000)
    const path = type === 'search' ? `/search?q=item-${product % 300}` : `/products/${product}`
    const durationMs = 5 + Math.floor(next() * 900)
    const amountCents = type === 'purchase' ? 199 + Math.floor(next() * 20_000) : undefined
    yield { index, userId, timestampMs, type, path, durationMs, amountCents }
  }
}

/** `user:00042:` — the key prefix of one user's events. */
export function userPrefix(userId: number): string {
  return `user:${String(userId).padStart(5, '0')}:`
}

/** `user:00042:1730419205123` */
export function eventKey(event: Pick<TourEvent, 'userId' | 'timestampMs'>): string {
  return `${userPrefix(event.userId)}${String(event.timestampMs).padStart(13, '0')}`
}

/** The event's JSON value (about 100 bytes). */
export function eventValue(event: TourEvent): string {
  return JSON.stringify({
    type: event.type,
    at: new Date(event.timestampMs).toISOString(),
    path: event.path,
    ms: event.durationMs,
    ...(event.amountCents === undefined ? {} : { amountCents: event.amountCents }),
  })
}
