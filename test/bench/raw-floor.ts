import { decodeJson, ensureConsumer, newId, publishJson } from '@baton/shared'
import { sql } from 'kysely'
import { type BenchEnv, percentile, r3 } from './harness.js'

/**
 * The raw floor of one hand-off, measured on the same servers: a JetStream publish + consume
 * (the completion event), one Postgres commit, and a second publish + consume (the command).
 * No orchestration logic at all: what a hand-off cannot beat.
 */
export async function measureRawFloor(env: BenchEnv, iterations: number): Promise<{ p50: number; p99: number; samples: number }> {
  const s = env.subjects
  await ensureConsumer(env.jsm, s.commandsStream, 'floor_events', s.command('floor_events'))
  await ensureConsumer(env.jsm, s.commandsStream, 'floor_commands', s.command('floor'))
  const events = await (await env.js.consumers.get(s.commandsStream, 'floor_events')).consume({ max_messages: 10 })
  const commands = await (await env.js.consumers.get(s.commandsStream, 'floor_commands')).consume({ max_messages: 10 })
  const eventIt = events[Symbol.asyncIterator]()
  const commandIt = commands[Symbol.asyncIterator]()
  await sql`CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v jsonb)`.execute(env.db)
  const samples: number[] = []
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    const id = newId()
    await publishJson(env.js, s.command('floor_events'), id, { id, i })
    const ev = (await eventIt.next()).value!
    ev.ack()
    await env.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO bench_floor (v) VALUES (${JSON.stringify(decodeJson(ev.data))})`.execute(trx)
    })
    const cid = newId()
    await publishJson(env.js, s.command('floor'), cid, { id: cid, i })
    const cmd = (await commandIt.next()).value!
    cmd.ack()
    samples.push(performance.now() - t0)
  }
  events.stop()
  commands.stop()
  samples.sort((a, b) => a - b)
  return { p50: r3(percentile(samples, 50)), p99: r3(percentile(samples, 99)), samples: samples.length }
}
