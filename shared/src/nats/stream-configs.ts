import { nanos } from '@nats-io/nats-core'
import { RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream'
import { ValidationError } from '../errors.js'
import type { Subjects } from './subjects.js'
import { taskLogStreamConfig } from './task-log-stream.js'

/**
 * What the namespace's streams look like, and which replica count a create or an update of one
 * carries. Pure: `ensureStreams` (connection.ts) does the requests.
 */

/** Window within which JetStream drops a re-published message with the same `Nats-Msg-Id`. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000

/** A stream's configuration as Baton writes it (what the server adds is left out). */
export type NamespaceStreamConfig = Partial<StreamConfig> & { name: string }

const DAY_MS = 24 * 3600_000

/** A stream of the namespace: file storage, de-duplication window and message size in common. */
function streamConfig(name: string, subject: string, retention: RetentionPolicy, maxAgeMs?: number): NamespaceStreamConfig {
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
 * The namespace's four streams. Events (7 days) and alerts (30 days) are kept by limits;
 * commands use work-queue retention so an acknowledged command is gone and each is delivered to
 * one worker of its queue; task logs have their own limits (task-log-stream.ts). `replicas`
 * (BATON_STREAM_REPLICAS) goes into every one; without it none says how many replicas, so a
 * new stream gets the server's default (1).
 */
export function namespaceStreamConfigs(s: Subjects, replicas?: number): NamespaceStreamConfig[] {
  const configs = [
    streamConfig(s.eventsStream, s.events, RetentionPolicy.Limits, 7 * DAY_MS),
    streamConfig(s.commandsStream, s.commands, RetentionPolicy.Workqueue),
    streamConfig(s.alertsStream, s.alerts, RetentionPolicy.Limits, 30 * DAY_MS),
    taskLogStreamConfig(s),
  ]
  return replicas === undefined ? configs : configs.map((c) => ({ ...c, num_replicas: replicas }))
}

/**
 * What an update of an existing stream sends: Baton's settings, with the configured replicas
 * (`desired.num_replicas`, from `namespaceStreamConfigs`) or else the stream's own. Always explicit, because nats-server (2.9.10 checked) takes a missing
 * `num_replicas` in an update request as 1 and scales an R3 stream down to R1; only nats.js's
 * client-side merge with the current config hides that today.
 */
export function streamUpdateConfig(desired: NamespaceStreamConfig, existing: Pick<StreamConfig, 'num_replicas'>): NamespaceStreamConfig {
  return { ...desired, num_replicas: desired.num_replicas ?? (existing.num_replicas || 1) }
}

/**
 * Refuses more than one replica on a NATS server that is not part of a cluster (its INFO has no
 * `cluster`): creating such a stream fails there ("replicas > 1 not supported in non-clustered
 * mode"), but nats-server 2.9.10 accepts it in an update and then reports a replica count it does
 * not have. A configuration mistake, not an outage: start-up retries would never fix it.
 */
export function checkReplicasSupported(replicas: number | undefined, serverCluster: string | undefined, serverName: string): void {
  if (replicas === undefined || replicas <= 1 || serverCluster) return
  throw new ValidationError(
    [{ path: 'BATON_STREAM_REPLICAS', reason: `${replicas} replicas need a JetStream cluster, and NATS server ${serverName} is not in one (unset it, or set 1)` }],
    { code: 'CONFIG_INVALID' },
  )
}
