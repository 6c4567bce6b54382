/** Types of the demo's event generator (`apps/demo/src/dataset.ts`; the CLI ships no .d.ts). */
declare module '@strata/cli/dataset' {
  export interface TourEvent {
    index: number
    userId: number
    timestampMs: number
    type: string
    path: string
    durationMs: number
    amountCents: number | undefined
  }
  export function generateEvents(count: number, seed?: number): Generator<TourEvent>
  export function eventKey(event: Pick<TourEvent, 'userId' | 'timestampMs'>): string
  export function eventValue(event: TourEvent): string
}
