import { randomBytes } from 'node:crypto'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/nats-core'
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream'
import { UnavailableError } from '../errors.js'
import type { Subjects } from './subjects.js'
import { taskLogStreamConfig } from './task-log-stream.js'

export type { NatsConnection } from '@nats-io/transport-node'
export type { JetStreamClient, JetStreamManager, JsMsg, PubAck } from '@nats-io/jetstream'

/** Window within which JetStream drops a re-published message with the same `Nats-Msg-Id`. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000

/**
 * Splits `nats://user:pass@host:port,…` (or `nats://token@host`) into servers and credentials:
 * the client does not read credentials from server URLs itself.
 */
export function natsConnectionOptions(url: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  const out: { servers: string[]; user?: string; pass?: string; token?: string } = { servers: [] }
  for (const raw of url.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+:\/\/)?(?:([^:@/]*)(?::([^@/]*))?@)?(.+)$/i.exec(raw)!
    const [, scheme = '', user, pass, rest] = m
    if (user && pass !== undefined) {
      out.user = decodeURIComponent(user)
      out.pass = decodeURIComponent(pass)
    } else if (user) out.token = decodeURIComponent(user)
    out.servers.push(`${scheme}${rest}`)
  }
  return out
}

/** Connects to NATS; reconnects forever once connected (a brief NATS outage is survived). */
export async function connectNats(url: string, name: string, options: { timeoutMs?: number } = {}): Promise<NatsConnection> {
  try {
    return await connect({
      ...natsConnectionOptions(url),
      name,
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
      // Without it every request/publish builds an Error to keep the caller's async stack:
      // ~10% of a busy worker's CPU and ~5% of a coordinator's (issue 11 profiles).
      noAsyncTraces: true,
    })
  } catch (e) {
    throw new UnavailableError(`cannot connect to NATS at ${natsConnectionOptions(url).servers.join(',')}: ${(e as Error).message}`, { cause: e })
  }
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Encodes a message body as UTF-8 JSON. */
export function encodeJson(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value))
}
/** Decodes a UTF-8 JSON body; throws SyntaxError when malformed. */
export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(dec.decode(data))
}

/** Publishes a JSON message to JetStream with `Nats-Msg-Id` and `traceparent` (a new trace when none is given). */
export async function publishJson(js: JetStreamClient, subject: string, id: string, body: unknown, traceparent?: string): Promise<PubAck> {
  const h: MsgHdrs = natsHeaders()
  // Every message carries trace context (brief §2); a message that starts a trace gets a new one.
  h.set('traceparent', traceparent ?? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`)
  return js.publish(subject, encodeJson(body), { msgID: id, headers: h, timeout: 5000 })
}

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
  try {
    await jsm.streams.info(config.name!)
    await jsm.streams.update(config.name!, config)
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e
    try {
      await jsm.streams.add(config)
    } catch (e2) {
      // Another process created it between our info() and add(): fine when it now exists.
      await jsm.streams.info(config.name!).catch(() => {
        throw e2
      })
    }
  }
}

const DAY_MS = 24 * 3600_000

/** A stream of the namespace: file storage, de-duplication window and message size in common. */
function streamConfig(name: string, subject: string, retention: RetentionPolicy, maxAgeMs?: number): Parameters<JetStreamManager['streams']['add']>[0] {
  return {
    name,
    subjects: [subject],
    retention,
    storage: StorageType.File,
    ...(maxAgeMs ? { max_age: nanos(maxAgeMs) } : {}),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_msg_size: 1024 * 1024,
  }
}

/**
 * Creates or updates the namespace's streams (idempotent; safe when several processes start at
 * once). Events (7 days) and alerts (30 days) are kept by limits; commands use work-queue
 * retention so an acknowledged command is gone and each is delivered to one worker of its
 * queue; task logs have their own limits (see task-log-stream.ts).
 */
export async function ensureStreams(nc: NatsConnection, s: Subjects): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc)
  await ensureStream(jsm, streamConfig(s.eventsStream, s.events, RetentionPolicy.Limits, 7 * DAY_MS))
  await ensureStream(jsm, streamConfig(s.commandsStream, s.commands, RetentionPolicy.Workqueue))
  await ensureStream(jsm, streamConfig(s.alertsStream, s.alerts, RetentionPolicy.Limits, 30 * DAY_MS))
  await ensureStream(jsm, taskLogStreamConfig(s))
  return jsm
}

/** Creates (or keeps) a durable pull consumer with explicit acks. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filterSubject: string,
  options: { ackWaitMs?: number; maxAckPending?: number } = {},
): Promise<void> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_ack_pending: options.maxAckPending ?? 20_000,
    max_deliver: -1,
  }
  try {
    await jsm.consumers.info(stream, durable)
    await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending })
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e
    try {
      await jsm.consumers.add(stream, config)
    } catch (e2) {
      await jsm.consumers.info(stream, durable).catch(() => {
        throw e2
      })
    }
  }
}

/** The JetStream client of a connection. */
export function jetstreamClient(nc: NatsConnection): JetStreamClient {
  return jetstream(nc)
}
