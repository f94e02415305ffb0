import { eventually, type TestNamespace } from './namespace.js'

/**
 * Waits until the namespace's coordinators have applied every event published so far: the
 * shared `coordinator` consumer's ack floor has reached the events stream's last sequence. A
 * coordinator acks (or terminates, for a dead letter) a message only after the transaction that
 * applied it committed, and its filter covers the whole stream, so from then on whatever those
 * events do (runs started, landings recorded, transitions, dead letters) is in the database and
 * no message can come back. Use it before asserting that something did NOT happen. Returns the
 * sequence waited for.
 */
export async function allEventsApplied(ns: TestNamespace, timeoutMs = 30_000): Promise<number> {
  const { state } = await ns.jsm.streams.info(ns.subjects.eventsStream)
  const published = state.last_seq
  await eventually(
    async () => (await ns.jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer)).ack_floor.stream_seq >= published,
    `the coordinator consumer to ack every event up to stream sequence ${published}`,
    timeoutMs,
  )
  return published
}
