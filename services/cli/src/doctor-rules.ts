import type { MigrationStatus } from '@baton/shared'

/**
 * The judgement of `baton doctor`, as pure functions of what was observed: each returns the
 * status, the observed value as the user reads it, and one sentence of why it matters and what
 * to do. actions/doctor.ts does the I/O around them (docs/operations.md, "Checking a deployment").
 */

/** The verdict of one check: `fail` breaks one of Baton's guarantees, `warn` weakens it or cannot tell. */
export const CheckStatus = { ok: 'ok', warn: 'warn', fail: 'fail' } as const
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus]

/** What a rule found: status, the observed value, and one sentence of why it matters and what to do. */
export interface Finding {
  readonly status: CheckStatus
  readonly value: string
  readonly advice: string
}

/** One line of `baton doctor` (and one element of `--json`'s `checks`). */
export interface DoctorCheck extends Finding {
  readonly name: string
}

/** `--json`: every check, and whether none failed. */
export interface DoctorReport {
  readonly checks: readonly DoctorCheck[]
  readonly ok: boolean
}

/** The report of a list of checks: ok when none failed (warnings allowed). */
export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
  return { checks, ok: checks.every((c) => c.status !== CheckStatus.fail) }
}

/** `10m`, `2s`, `1h30m`, `850ms`: whole units, as JetStream and Baton's docs write them. */
export function compactDuration(ms: number): string {
  if (ms <= 0 || ms % 1000 !== 0) return `${Math.round(ms)}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`
}

// ---- NATS ------------------------------------------------------------------------------------

type Version = readonly [number, number, number]

/** `2.10.22`, `v2.10.23`, `2.11.0-RC.1` → [2, 10, 22]…; anything else → undefined. */
export function parseServerVersion(text: string | undefined): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]*)?$/.exec(text?.trim() ?? '')
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/** The first version with the `sync_interval` setting (nats-server#4483; 2.9.10 rejects the field). */
const SYNC_INTERVAL_SINCE: Version = [2, 10, 0]

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

/**
 * The version rule (the server reports its version in the connection's INFO). Only known,
 * published defects fail a version:
 * - 2.10.20 to 2.10.22 can lose a whole stream after the server process is killed (Jepsen's
 *   NATS 2.12.1 analysis, December 2025, and Synadia's reply; fixed in 2.10.23);
 * - below 2.9.4 the client Baton uses (nats.js v3) refuses its consumer API ("consumers
 *   framework is only supported on servers 2.9.4 or better"): coordinators and workers cannot
 *   consume at all. This covers "below 2.9".
 * 2.9.4 and later are ok (Baton's own suites run on 2.9.10); an unreadable version is a warning.
 */
export function natsVersionRule(version: string | undefined): Finding {
  const v = parseServerVersion(version)
  const value = version?.trim() || 'unknown'
  if (!v) {
    return { status: 'warn', value, advice: 'the server reported no version Baton can read, so the known JetStream defects cannot be ruled out: check it with `nats-server --version` (2.10.20 to 2.10.22 lose streams; 2.9.4 or later is needed).' }
  }
  if (compare(v, [2, 10, 20]) >= 0 && compare(v, [2, 10, 22]) <= 0) {
    return { status: 'fail', value, advice: 'NATS 2.10.20 to 2.10.22 can lose a whole JetStream stream, and every message in it, after the server process is killed (a JetStream data-loss bug fixed in 2.10.23): upgrade to 2.10.23 or later.' }
  }
  if (compare(v, [2, 9, 4]) < 0) {
    return { status: 'fail', value, advice: 'the NATS client Baton uses refuses its consumer API on servers older than 2.9.4, so coordinators and workers cannot take events or commands: upgrade NATS (2.10.23 or later).' }
  }
  const noSync = compare(v, SYNC_INTERVAL_SINCE) < 0 ? ', though before 2.10 JetStream cannot be told to fsync every write (see jetstream.sync)' : ''
  return { status: 'ok', value, advice: `no JetStream data-loss defect is known for this version (2.10.20 to 2.10.22 lose streams after a process kill, fixed in 2.10.23)${noSync}; keep to a release line NATS still patches (its two newest minor versions).` }
}

/**
 * JetStream's sync setting is server configuration that no client API shows: not the
 * connection's INFO, not the account info, not stream info (only the system account's VARZ/JSZ
 * or the HTTP monitoring port show it). So it is reported as unknown, with the advice; a server
 * older than 2.10 has no such setting at all (it rejects `sync_interval` in its configuration).
 */
export function jetstreamSyncRule(serverVersion: string | undefined): Finding {
  const v = parseServerVersion(serverVersion)
  if (v && compare(v, SYNC_INTERVAL_SINCE) < 0) {
    return {
      status: 'warn',
      value: 'not settable before 2.10',
      advice: 'this server has no sync_interval setting (it arrived in 2.10) and flushes JetStream writes to disk on its own timer, so an OS crash or power loss can lose messages it already acknowledged: upgrade to 2.10.23 or later and set `jetstream { sync_interval: always }` on every server.',
    }
  }
  return {
    status: 'warn',
    value: 'unknown',
    advice: 'no client can see it, and by default JetStream flushes to disk only every 2 minutes, so an OS crash or power loss can lose messages it already acknowledged: set `jetstream { sync_interval: always }` on every server.',
  }
}

/** Stream names with their common `<NS>_` prefix written once: `BATON_{EVENTS,LOGS}`. */
export function streamSet(names: readonly string[]): string {
  if (names.length < 2) return names.join('')
  const first = names[0]!
  let prefix = first.slice(0, first.lastIndexOf('_') + 1)
  while (prefix && !names.every((n) => n.startsWith(prefix))) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('_') + 1)
  return prefix ? `${prefix}{${names.map((n) => n.slice(prefix.length)).join(',')}}` : names.join(', ')
}

/** The namespace's streams: all present, or which are missing (JetStream itself may be off). */
export function streamsRule(expected: readonly string[], missing: readonly string[], jetstreamError?: string): Finding {
  if (jetstreamError !== undefined) {
    return { status: 'fail', value: 'JetStream unavailable', advice: `the server's JetStream API does not answer (${jetstreamError}), and Baton keeps every event, command, alert and task log in JetStream: run nats-server with JetStream enabled (-js, or a \`jetstream {}\` block).` }
  }
  if (missing.length > 0) {
    return {
      status: 'fail',
      value: `missing ${streamSet(missing)}`,
      advice: 'these streams hold the namespace\'s events, commands, alerts and task logs, and nothing can run without them: check BATON_NAMESPACE, or start `baton coordinator`, which creates them (doctor creates nothing).',
    }
  }
  return { status: 'ok', value: streamSet(expected), advice: 'every event, command, alert and task log of the namespace is kept in these streams.' }
}

/** A stream as the storage, replica and duplicate-window rules see it. */
export interface StreamFacts {
  readonly name: string
  readonly storage: string
  readonly replicas: number
  readonly duplicateWindowMs: number
}

/** Values that differ between streams are listed per stream; a shared value is shown once. */
function perStream(streams: readonly StreamFacts[], show: (s: StreamFacts) => string): string {
  const values = new Set(streams.map(show))
  return values.size === 1 ? [...values][0]! : streams.map((s) => `${s.name} ${show(s)}`).join(', ')
}

/** File storage survives a restart; memory storage does not. */
export function storageRule(streams: readonly StreamFacts[]): Finding {
  const value = perStream(streams, (s) => s.storage)
  const memory = streams.filter((s) => s.storage !== 'file')
  if (memory.length > 0) {
    return {
      status: 'warn',
      value,
      advice: `${memory.map((s) => s.name).join(', ')} keep${memory.length === 1 ? 's' : ''} messages in memory only, so a server restart loses every event and command in ${memory.length === 1 ? 'it' : 'them'}: recreate ${memory.length === 1 ? 'it' : 'them'} with file storage while nothing is in flight (storage cannot be changed in place).`,
    }
  }
  return { status: 'ok', value, advice: 'messages are kept on disk and survive a server restart.' }
}

/** R3 (or more) keeps every message through one server's loss; R1 and R2 do not. */
export function replicasRule(streams: readonly StreamFacts[]): Finding {
  const value = perStream(streams, (s) => `R${s.replicas}`)
  const min = Math.min(...streams.map((s) => s.replicas))
  if (min <= 1) {
    return { status: 'warn', value, advice: 'R3 recommended in production, one node\'s disk loss loses messages: run a 3-node JetStream cluster and set BATON_STREAM_REPLICAS=3 on every Baton process (or raise the streams with `nats stream edit STREAM --replicas 3`: with the variable unset, Baton keeps what it finds).' }
  }
  if (min === 2) {
    return { status: 'warn', value, advice: 'two replicas keep messages through one disk loss, but a stream stops taking writes while either server is down (its quorum is 2): use R3.' }
  }
  return { status: 'ok', value, advice: 'every message is stored on several servers: one node\'s disk loss loses nothing and the streams keep working.' }
}

/**
 * The duplicate window of the streams Baton de-duplicates on (events, commands) against what it
 * relies on (`DUPLICATE_WINDOW_MS`): a re-publish after a crash (outbox relay, a worker retrying
 * a result) is dropped as a duplicate only within it.
 */
export function duplicateWindowRule(streams: readonly StreamFacts[], requiredMs: number): Finding {
  const value = perStream(streams, (s) => compactDuration(s.duplicateWindowMs))
  const short = streams.filter((s) => s.duplicateWindowMs < requiredMs)
  if (short.length > 0) {
    return {
      status: 'fail',
      value,
      advice: `shorter than the ${compactDuration(requiredMs)} Baton relies on, so a message re-published after a crash can be stored twice and a task run twice: restart a coordinator (it sets the window back) and find what changed it.`,
    }
  }
  return { status: 'ok', value, advice: `a message re-published within ${compactDuration(requiredMs)} (the outbox relay after a crash, a worker retrying a result) is dropped as a duplicate, so it takes effect once.` }
}

/** The shared `coordinator` consumer on the events stream. */
export function coordinatorConsumerRule(ackWaitMs: number | undefined): Finding {
  if (ackWaitMs === undefined) {
    return { status: 'warn', value: 'missing', advice: 'no coordinator has ever started on this namespace, so no event is applied and no run advances: start `baton coordinator`.' }
  }
  return { status: 'ok', value: `ack wait ${compactDuration(ackWaitMs)}`, advice: 'every coordinator shares it; an event not acknowledged within the ack wait (its coordinator died) is redelivered to another.' }
}

/** A queue's `worker_<queue>` consumer on the commands stream, for a queue an active workflow uses. */
export function workerConsumerRule(queue: string, workflows: readonly string[], ackWaitMs: number | undefined): Finding {
  if (ackWaitMs === undefined) {
    return {
      status: 'warn',
      value: 'missing',
      advice: `no worker ever started on queue '${queue}' (used by ${workflows.join(', ')}), so its tasks will wait in queued: start one (\`baton worker --queue ${queue}\`).`,
    }
  }
  return { status: 'ok', value: `ack wait ${compactDuration(ackWaitMs)}`, advice: `the workers of queue '${queue}' share it; a command not acknowledged within the ack wait (its worker died first) is redelivered to another.` }
}

// ---- Postgres --------------------------------------------------------------------------------

/** The server version: informational, what the settings below are read from. */
export function postgresVersionRule(version: string): Finding {
  return { status: 'ok', value: version, advice: 'it holds every run\'s state, timers and outbox; the settings below decide whether a committed transition survives a crash.' }
}

/** `fsync = off` lets a crash corrupt the database. */
export function fsyncRule(value: string): Finding {
  if (value === 'off') {
    return { status: 'fail', value, advice: 'without fsync an OS crash or power loss can corrupt the database and lose transitions Baton already acted on: set fsync = on.' }
  }
  return { status: 'ok', value, advice: 'commits are forced to disk, so a crash cannot lose or corrupt them.' }
}

/** `synchronous_commit`: off loses recent commits on a crash; local does not wait for standbys. */
export function synchronousCommitRule(value: string): Finding {
  if (value === 'off') {
    return {
      status: 'warn',
      value,
      advice: 'a crash of Postgres or its host can lose the transactions committed in its last moments (up to 3 × wal_writer_delay, 600ms by default) after Baton acknowledged their events and sent their commands, so runs step back while their tasks go on: set synchronous_commit = on.',
    }
  }
  if (value === 'local') {
    return {
      status: 'warn',
      value,
      advice: 'commits do not wait for a synchronous standby, so a failover to a standby can lose the last transitions committed on the primary after Baton acted on them: use on (or remote_apply) with synchronous_standby_names if you fail over.',
    }
  }
  return { status: 'ok', value, advice: 'a commit returns only once its WAL is on disk, so a transition Baton acted on survives a crash.' }
}

/** `full_page_writes = off` leaves torn pages after a crash. */
export function fullPageWritesRule(value: string): Finding {
  if (value === 'off') {
    return { status: 'fail', value, advice: 'a crash during a page write can leave a torn page that WAL replay cannot repair, corrupting run state: set full_page_writes = on.' }
  }
  return { status: 'ok', value, advice: 'a page torn by a crash mid-write is restored from WAL.' }
}

/** A standby (in recovery) must never be the database Baton schedules from. */
export function primaryRule(inRecovery: boolean): Finding {
  if (inRecovery) {
    return { status: 'fail', value: 'standby (in recovery)', advice: 'never schedule from a read replica: its writes fail and its reads lag the primary, so timers and cron ticks fire late or twice: point BATON_DATABASE_URL at the primary.' }
  }
  return { status: 'ok', value: 'primary', advice: 'transitions, timers and cron ticks are written here, where every coordinator reads them.' }
}

/** The namespace's migrations against the ones this CLI knows. */
export function migrationsRule(namespace: string, m: Pick<MigrationStatus, 'schemaExists' | 'applied' | 'pending' | 'unknown' | 'known'>, databaseMissing?: string): Finding {
  if (databaseMissing !== undefined) {
    return { status: 'fail', value: `database '${databaseMissing}' missing`, advice: 'nothing was deployed or run with this BATON_DATABASE_URL: check it, or start `baton coordinator`, which creates the database and the schema (doctor creates nothing).' }
  }
  if (!m.schemaExists) {
    return { status: 'fail', value: `no schema '${namespace}'`, advice: 'nothing was deployed or run in this namespace: check BATON_NAMESPACE, or start `baton coordinator`, which creates and migrates it (doctor creates nothing).' }
  }
  const count = `${m.applied.length - m.unknown.length} of ${m.known.length} applied`
  if (m.pending.length > 0) {
    return {
      status: 'fail',
      value: `${count}, pending ${m.pending.join(', ')}`,
      advice: 'the schema is older than this Baton, whose commands and services expect tables and columns it lacks: start one coordinator of this version (it migrates at start-up, under a lock).',
    }
  }
  if (m.unknown.length > 0) {
    return {
      status: 'warn',
      value: `${count}, and newer ${m.unknown.join(', ')}`,
      advice: 'a newer Baton migrated this database, and this CLI (or a coordinator of its version) may misread the schema: upgrade the CLI and every service to that version.',
    }
  }
  return { status: 'ok', value: count, advice: `the schema is the one this Baton expects (latest ${m.known.at(-1) ?? 'none'}).` }
}

/**
 * Clock skew between this process and Postgres. `skewMs` is the database's clock minus ours at
 * the middle of the round trip; the skew is only known to ±rtt/2, so only what lies beyond that
 * counts. Timers, cron ticks and leases compare a coordinator's clock with the database's.
 */
export function clockSkewRule(skewMs: number, rttMs: number): Finding {
  const rounded = Math.round(Math.abs(skewMs))
  const side = rounded === 0 ? 'database in step' : `database ${rounded}ms ${skewMs > 0 ? 'ahead' : 'behind'}`
  const value = `${side} (±${Math.max(1, Math.ceil(rttMs / 2))}ms)`
  const certain = Math.max(0, Math.abs(skewMs) - rttMs / 2)
  const why = 'timers, cron ticks and leases compare the coordinator\'s clock with the database\'s'
  if (certain > 5000) return { status: 'fail', value, advice: `${why}, and this much skew fires them seconds early or late and can expire live leases: sync both hosts with NTP.` }
  if (certain > 500) return { status: 'warn', value, advice: `${why}, and this much skew fires them noticeably early or late: sync both hosts with NTP.` }
  return { status: 'ok', value, advice: `${why}; run doctor where the coordinators run to measure their clocks.` }
}
