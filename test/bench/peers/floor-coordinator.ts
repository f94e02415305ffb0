// The floor's stand-in for a coordinator (a child process of the driver): consumes events in
// batches; per batch one Postgres transaction writing one row per event, then the batch's commands
// published with their PubAcks awaited together, then the events acked. The same order and the
// same durability as Baton's shell, with none of its work (no state machine, no history, no reads).
import { connectNats, createDb, decodeJson, jetstreamClient, loadConfig, newId, publishJson, subjectsFor, type JsMsg } from '@baton/shared'
import { sql } from 'kysely'
import { floorSubjects, type FloorCommand, type FloorEvent } from './floor-protocol.js'

const config = loadConfig(process.env)
const nc = await connectNats(config.natsUrl, 'bench-floor-coordinator')
const js = jetstreamClient(nc)
const db = createDb(config.databaseUrl, config.namespace)
const f = floorSubjects(subjectsFor(config.namespace))
/** Children of a fan-out not yet done, by tag (the rows written say the same; a floor keeps it in memory). */
const remaining = new Map<string, number>()

/** The commands an event leads to. */
function next(e: FloorEvent): Omit<FloorCommand, 'id'>[] {
  const { workload, tag } = e
  if (e.type === 'request') {
    if (workload === 'chain') return [{ workload, tag, task: { kind: 'step', i: 0, size: e.size } }]
    if (workload === 'fanout') return [{ workload, tag, task: { kind: 'parent', size: e.size } }]
    return Array.from({ length: e.size }, () => ({ workload, tag, task: { kind: 'task' } }))
  }
  const t = e.task
  if (t.kind === 'step') return t.i + 1 < t.size ? [{ workload, tag, task: { ...t, i: t.i + 1 } }] : []
  if (t.kind === 'parent') {
    remaining.set(`${workload}/${tag}`, t.size)
    return Array.from({ length: t.size }, () => ({ workload, tag, task: { kind: 'child' } }))
  }
  if (t.kind === 'child') {
    const left = (remaining.get(`${workload}/${tag}`) ?? 0) - 1
    remaining.set(`${workload}/${tag}`, left)
    return left === 0 ? [{ workload, tag, task: { kind: 'join' } }] : []
  }
  return []
}

async function apply(batch: JsMsg[]): Promise<void> {
  const events = batch.map((m) => decodeJson(m.data) as FloorEvent)
  const values = events.map((e) => sql`(${e.workload}, ${e.tag}, ${e.type === 'request' ? 'request' : e.task.kind})`)
  await sql`INSERT INTO bench_floor_log (workload, tag, kind) VALUES ${sql.join(values)}`.execute(db)
  const commands = events.flatMap(next)
  await Promise.all(
    commands.map((c) => {
      const id = newId()
      return publishJson(js, f.commands, id, { id, ...c } satisfies FloorCommand)
    }),
  )
  for (const m of batch) m.ack()
}

const consumer = await js.consumers.get(subjectsFor(config.namespace).eventsStream, f.eventsConsumer)
const messages = await consumer.consume({ max_messages: 500 })
process.on('SIGTERM', () => void messages.close())
// Batches form by themselves: what arrives while one batch is applied is the next batch.
let buffer: JsMsg[] = []
let applying = false
async function drain(): Promise<void> {
  if (applying) return
  applying = true
  try {
    while (buffer.length > 0) {
      const batch = buffer
      buffer = []
      await apply(batch)
    }
  } finally {
    applying = false
  }
}
for await (const m of messages) {
  buffer.push(m)
  void drain().catch((e: unknown) => {
    console.error(`floor coordinator: ${String(e)}`)
    process.exit(1)
  })
}
await nc.drain()
await db.destroy()
