import pg from 'pg'
import { toError, type Logger } from '@baton/shared'

/**
 * The channel coordinators notify when a batch wrote history (payload: the namespace). The same
 * name is in services/coordinator/src/db/history-notify.ts (services share no code but
 * @baton/shared); test/integration/api-events.test.ts checks the two meet.
 */
export const HISTORY_NOTIFY_CHANNEL = 'baton_history'

/** A LISTEN connection that wakes the tail. */
export interface NotifyListener {
  /** Whether the connection is up and listening (notifications arrive). */
  readonly connected: boolean
  /** Ends the connection and any pending reconnect. */
  close(): Promise<void>
}

/** Options of `listenForHistory`. */
export interface NotifyListenerOptions {
  readonly databaseUrl: string
  readonly namespace: string
  readonly applicationName: string
  /** A coordinator of this namespace committed history. */
  readonly onNotify: () => void
  /** The connection is (again) listening: notifications may have been missed meanwhile. */
  readonly onConnected: () => void
  readonly log: Logger
}

const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 5000

/**
 * One dedicated connection (LISTEN holds it; a pooled one cannot) that calls `onNotify` for each
 * notification of this namespace. Notifications are only a wake-up: the tail reads what changed,
 * and polls on its own while this connection is down, so a lost notification delays an event by
 * at most one poll interval, never loses it. A dropped connection is reopened with backoff.
 */
export function listenForHistory(options: NotifyListenerOptions): NotifyListener {
  let client: pg.Client | undefined
  let connected = false
  let closed = false
  let failures = 0
  let timer: NodeJS.Timeout | undefined
  let connecting: Promise<void> | undefined

  const schedule = () => {
    if (closed || timer) return
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(failures, 5))
    timer = setTimeout(() => {
      timer = undefined
      connecting = connect()
    }, delay)
  }

  const drop = (c: pg.Client, err?: unknown) => {
    if (client !== c) return
    client = undefined
    if (connected && !closed) options.log.warn({ err: err === undefined ? undefined : toError(err) }, 'live updates: LISTEN connection lost; polling until it is back')
    connected = false
    void c.end().catch(() => {})
    schedule()
  }

  async function connect(): Promise<void> {
    if (closed) return
    const c = new pg.Client({ connectionString: options.databaseUrl, application_name: options.applicationName, connectionTimeoutMillis: 10_000, keepAlive: true })
    client = c
    c.on('error', (e) => drop(c, e))
    c.on('end', () => drop(c))
    c.on('notification', (m) => {
      if (m.channel === HISTORY_NOTIFY_CHANNEL && m.payload === options.namespace) options.onNotify()
    })
    try {
      await c.connect()
      await c.query(`LISTEN ${HISTORY_NOTIFY_CHANNEL}`)
      if (closed || client !== c) return
      connected = true
      failures = 0
      options.onConnected()
    } catch (e) {
      failures++
      if (failures === 1 && !closed) options.log.warn({ err: toError(e) }, 'live updates: cannot LISTEN for history; polling meanwhile')
      drop(c, e)
    }
  }

  connecting = connect()
  return {
    get connected() {
      return connected
    },
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await connecting?.catch(() => {})
      const c = client
      client = undefined
      connected = false
      await c?.end().catch(() => {})
    },
  }
}
