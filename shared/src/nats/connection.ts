import { randomBytes } from 'node:crypto'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/nats-core'
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream'
import { UnavailableError } from '../errors.js'
import type { Subjects } from './subjects.js'
import { checkReplicasSupported, namespaceStreamConfigs, streamUpdateConfig, type NamespaceStreamConfig } from './stream-configs.js'

export { DUPLICATE_WINDOW_MS } from './stream-configs.js'

export type { NatsConnection } from '@nats-io/transport-node'
export type { JetStreamClient, JetStreamManager, JsMsg, PubAck } from '@nats-io/jetstream'

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

async function ensureStream(jsm: JetStreamManager, config: NamespaceStreamConfig): Promise<void> {
  try {
    const existing = await jsm.streams.info(config.name)
    await jsm.streams.update(config.name, streamUpdateConfig(config, existing.config))
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e
    try {
      await jsm.streams.add(config)
    } catch (e2) {
      // Another process created it between our info() and add(): fine when it now exists.
      await jsm.streams.info(config.name).catch(() => {
        throw e2
      })
    }
  }
}

/** How `ensureStreams` provisions. */
export interface EnsureStreamsOptions {
  /**
   * Replicas of every stream (`BatonConfig.streamReplicas`): set on create and on update.
   * Undefined: new streams get the server's default (R1), existing ones keep theirs.
   */
  readonly replicas?: number | undefined
}

/**
 * Creates or updates the namespace's streams (idempotent; safe when several processes start at
 * once); see `namespaceStreamConfigs` for what each keeps. A replica count above 1 on a server
 * outside a cluster is a ValidationError (CONFIG_INVALID), not something to retry.
 */
export async function ensureStreams(nc: NatsConnection, s: Subjects, options: EnsureStreamsOptions = {}): Promise<JetStreamManager> {
  checkReplicasSupported(options.replicas, nc.info?.cluster, nc.info?.server_name ?? 'this server')
  const jsm = await jetstreamManager(nc)
  for (const config of namespaceStreamConfigs(s, options.replicas)) await ensureStream(jsm, config)
  return jsm
}

/**
 * Options of every `consume()` of a durable consumer (the coordinators' events, a worker queue's
 * commands). When the server leading a consumer dies, nats-server 2.9 drops the pull requests it
 * held without a word (2.10 sends 409 "Leadership Change"), and a client still connected to a live
 * node cannot tell. nats.js notices only by missed idle heartbeats, then asks for consumer info
 * before pulling again, which times out (5 s) and backs off by `expires` (30 s) until a new
 * leader is elected. Measured on a local 3-node 2.9.10 cluster, from SIGKILL of the consumer
 * leader to the first message published after it: 44.5 s with the defaults, 11–12.6 s with a 5 s
 * expiry, 6.5–8.5 s like this (the election itself took 5.1–10.2 s). `bind` re-pulls without the
 * info; a 1 s heartbeat notices a lost pull after two silent seconds (a busy event loop only
 * delays the check: it takes two ticks with no heartbeat) and costs one small server message a
 * second per idle consumer. The price of `bind`: a deleted consumer is not reported, the client
 * keeps pulling.
 */
export const DURABLE_CONSUME_OPTIONS = { bind: true, idle_heartbeat: 1000 } as const

/**
 * Creates (or keeps) a durable pull consumer with explicit acks. Its `num_replicas` is 0 on
 * create and on every update: the consumer has its stream's replicas and follows when they
 * change (nats-server 2.9.10 takes 0-replica consumers along on an R1→R3 stream edit, and turns
 * an R1 consumer of an R3 stream into R3 on an update to 0): a consumer on fewer servers than
 * its stream would lose its acks and position with one node.
 */
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
    num_replicas: 0,
  }
  try {
    await jsm.consumers.info(stream, durable)
    await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending, num_replicas: 0 })
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
