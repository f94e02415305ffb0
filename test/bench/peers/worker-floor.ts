// The floor's worker process: consumes commands, runs the no-op (stamps), publishes the completion
// (PubAck awaited), then acks the command, at most CONCURRENCY at once: what Baton's worker does
// for an instant handler, without the SDK.
import { connectNats, decodeJson, jetstreamClient, loadConfig, newId, publishJson, subjectsFor } from '@baton/shared'
import { floorSubjects, type FloorCommand, type FloorEvent } from './floor-protocol.js'
import { workerMain, type Recorders } from './recorder.js'

function run(c: FloorCommand, rec: Recorders): void {
  const r = rec[c.tag]
  const t = c.task
  if (t.kind === 'step') {
    r.stepStart(t.i)
    r.stepEnd(t.i)
  } else if (t.kind === 'parent') r.fanParentEnd()
  else if (t.kind === 'child') r.fanChildStart()
  else if (t.kind === 'join') r.fanJoinStart()
  else {
    r.taskStart()
    r.taskEnd()
  }
}

await workerMain(async (spec, rec) => {
  const config = loadConfig(process.env)
  const nc = await connectNats(config.natsUrl, 'bench-floor-worker')
  const js = jetstreamClient(nc)
  const s = subjectsFor(config.namespace)
  const f = floorSubjects(s)
  const consumer = await js.consumers.get(s.commandsStream, f.commandsConsumer)
  const messages = await consumer.consume({ max_messages: spec.concurrency })
  const inFlight = new Set<Promise<void>>()
  const loop = (async () => {
    for await (const m of messages) {
      const c = decodeJson(m.data) as FloorCommand
      const p = (async () => {
        run(c, rec)
        const id = newId()
        await publishJson(js, f.events, id, { type: 'done', workload: c.workload, tag: c.tag, task: c.task } satisfies FloorEvent)
        m.ack()
      })()
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
      if (inFlight.size >= spec.concurrency) await Promise.race(inFlight)
    }
  })()
  return {
    async stop() {
      await messages.close()
      await loop
      await Promise.all(inFlight)
      await nc.drain()
    },
  }
})
