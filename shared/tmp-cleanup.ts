import { connectNats, dropNamespaceSchema, ensureStreams, loadConfig, subjectsFor, startMetrics } from '@baton/shared'
import { createServer } from 'node:http'
const ns = 't_metrics_manual'
const config = loadConfig(process.env, { namespace: ns })
const nc = await connectNats(config.natsUrl, 'cleanup')
const s = subjectsFor(ns)
const jsm = await ensureStreams(nc, s)
for (const st of [s.eventsStream, s.commandsStream, s.alertsStream]) await jsm.streams.delete(st).catch(() => {})
await nc.drain()
await dropNamespaceSchema(config.databaseUrl, ns)
const srv = createServer().listen(19777, '127.0.0.1')
await new Promise((r) => srv.once('listening', r))
await startMetrics({ service: 'x', port: 19777 }).then(() => console.log('unexpected'), (e) => console.log('rejected:', e.name, e.code, e.message))
srv.close()
