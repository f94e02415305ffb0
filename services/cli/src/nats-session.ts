import { connectNats, ensureStreams, jetstreamClient, type JetStreamClient, type JetStreamManager, type NatsConnection, type Subjects } from '@baton/shared'

/**
 * Opens the CLI's NATS connection and provisions the namespace's streams. Its own module so that
 * commands that never talk to NATS (`runs`, `run`, `workflows`…) never load the NATS client.
 */
export async function openNatsSession(url: string, subjects: Subjects): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connectNats(url, 'baton-cli')
  try {
    return { nc, jsm: await ensureStreams(nc, subjects) }
  } catch (e) {
    await nc.close().catch(() => {})
    throw e
  }
}

/** The JetStream client of a session's connection. */
export function jetstreamOf(nc: NatsConnection): JetStreamClient {
  return jetstreamClient(nc)
}
