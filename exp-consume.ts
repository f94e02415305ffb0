import { connectNats, ensureStreams, ensureConsumer, subjectsFor, publishJson, jetstreamClient } from '@baton/shared'
import { jetstream } from '@nats-io/jetstream'
const ns = 'exp_' + Math.random().toString(36).slice(2, 8)
const s = subjectsFor(ns)
const nc = await connectNats('nats://127.0.0.1:4222', 'exp')
const jsm = await ensureStreams(nc, s)
await ensureConsumer(jsm, s.commandsStream, 'w', s.command('q'))
const js = jetstreamClient(nc)
for (let i = 0; i < 50; i++) await publishJson(js, s.command('q'), 'm' + i, { i })
const c = await jetstream(nc).consumers.get(s.commandsStream, 'w')
const mode = process.argv[2]
const msgs = await c.consume({ max_messages: 2, expires: 2000 })
;(async () => { for await (const st of msgs.status()) if (st.type !== 'heartbeat' && st.type !== 'next') console.log('status', JSON.stringify(st)) })()
const it = msgs[Symbol.asyncIterator]()
const first = await it.next()
console.log('got first', first.value.seq)
const second = await it.next()
console.log('got second', second.value.seq)
// block for 15 s without calling next
for (let t = 0; t < 8; t++) {
  await new Promise((r) => setTimeout(r, 1000))
  const info = await c.info()
  console.log(t, 'ack_pending', info.num_ack_pending, 'waiting', info.num_waiting, 'redelivered', info.num_redelivered)
}
const third = await it.next(); console.log("third", third.value.seq); await new Promise((r) => setTimeout(r, 1500)); { const info = await c.info(); console.log("after unblock ack_pending", info.num_ack_pending) }
await msgs.close().catch(() => {})
await jsm.streams.delete(s.commandsStream); await jsm.streams.delete(s.eventsStream)
await nc.drain()
