import {
  connectNats,
  ensureStreams,
  jetstreamClient,
  natsConnectionOptions,
  UnavailableError,
  ValidationError,
  type EnsureStreamsOptions,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type Subjects,
} from '@baton/shared'
import { clarifyNatsMessage, describeError } from './failure-report.js'

/**
 * Opens the CLI's NATS connection and provisions the namespace's streams (with the configured
 * replicas, `provisioning`). Its own module so that commands that never talk to NATS (`runs`,
 * `run`, `workflows`…) never load the NATS client.
 *
 * A one-shot command fails fast: NATS down, a server that closes the connection, or one that
 * does not answer within `timeoutMs` (connecting and provisioning together) is an
 * UnavailableError naming the server. A connection that opens after the timeout is closed. A
 * replica count the server cannot have stays the ValidationError it is (a setting to fix).
 */
export async function openNatsSession(url: string, subjects: Subjects, timeoutMs: number, provisioning: EnsureStreamsOptions = {}): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const where = `NATS at ${natsConnectionOptions(url).servers.join(',')}`
  let timedOut = false
  const opening = (async () => {
    const nc = await connectNats(url, 'baton-cli', { timeoutMs })
    if (timedOut) {
      await nc.close().catch(() => {})
      throw new UnavailableError(`${where} answered too late`)
    }
    try {
      return { nc, jsm: await ensureStreams(nc, subjects, provisioning) }
    } catch (e) {
      await nc.close().catch(() => {})
      throw e instanceof UnavailableError || e instanceof ValidationError ? e : new UnavailableError(`cannot use JetStream at ${where}: ${describeError(e)}`, { cause: e })
    }
  })()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true
      reject(new UnavailableError(`cannot reach ${where}: no answer within ${timeoutMs / 1000}s`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([opening, timeout])
  } catch (e) {
    // The losing attempt must neither keep a connection open nor reject unobserved.
    opening.then((s) => (timedOut ? s.nc.close().catch(() => {}) : undefined)).catch(() => {})
    if (e instanceof ValidationError) throw e
    if (e instanceof UnavailableError) throw e.message === clarifyNatsMessage(e.message) ? e : new UnavailableError(clarifyNatsMessage(e.message), { cause: e })
    throw new UnavailableError(`cannot reach ${where}: ${clarifyNatsMessage(describeError(e))}`, { cause: e })
  } finally {
    clearTimeout(timer)
  }
}

/** The JetStream client of a session's connection. */
export function jetstreamOf(nc: NatsConnection): JetStreamClient {
  return jetstreamClient(nc)
}
