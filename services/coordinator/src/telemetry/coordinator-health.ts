import { sql } from 'kysely'
import { registerReadinessCheck, type Db, type NatsConnection } from '@baton/shared'
import type { EventConsumer } from '../consume/event-consumer.js'

/**
 * The coordinator's `/readyz` checks (Postgres answers, NATS answers, events are consumed) and
 * its one liveness check (the events consumer has not ended on its own: only a restart brings it
 * back). Returns the function that removes them, called first when the coordinator stops.
 */
export function registerCoordinatorHealth(nc: NatsConnection, db: Db, consumer: EventConsumer): () => void {
  const removers = [
    registerReadinessCheck('coordinator.postgres', async () => {
      await sql`SELECT 1`.execute(db)
    }),
    registerReadinessCheck('coordinator.nats', async () => {
      if (nc.isClosed()) throw new Error('the NATS connection is closed')
      await nc.flush()
    }),
    registerReadinessCheck(
      'coordinator.events',
      () => {
        if (consumer.ended) throw new Error(consumer.ended)
      },
      { liveness: true },
    ),
  ]
  return () => {
    for (const remove of removers) remove()
  }
}
