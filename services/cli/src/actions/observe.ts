import { listAlerts, listDeadLetters, workflowStates, NotFoundError, type AlertView, type DeadLetterView } from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { CliClient } from '../client.js'
import { formatAlerts, formatDeadLetters } from '../format.js'

/** What `alerts` and `dead-letters` ask for. */
interface AlertQuery {
  open?: boolean
  workflow?: string
  since?: Date
  limit: number
}

/** Where `alerts` and `dead-letters` read from. */
interface ObserveReader {
  alerts(q: AlertQuery): Promise<AlertView[]>
  deadLetters(q: { since?: Date; limit: number }): Promise<DeadLetterView[]>
  close(): Promise<void>
}

/** The one place these commands choose their mode: the HTTP API when configured, else the database. */
function openReader(): ObserveReader {
  const api = apiTarget()
  return api ? apiReader(api) : directReader()
}

function directReader(): ObserveReader {
  const client = new CliClient()
  return {
    async alerts(q) {
      const db = await client.db({ readOnly: true })
      if (q.workflow && !(await workflowStates(db, [q.workflow])).has(q.workflow)) throw new NotFoundError('workflow', q.workflow)
      return listAlerts(db, q)
    },
    deadLetters: async (q) => listDeadLetters(await client.db({ readOnly: true }), q),
    close: () => client.close(),
  }
}

/** The API's largest page of alerts and dead letters (it has no cursor for them: the newest). */
const API_MAX = 500

function apiReader(target: ApiTarget): ObserveReader {
  const api = new ApiClient(target)
  return {
    async alerts(q) {
      if (q.workflow) await api.ok(api.http.GET('/workflows/{name}', { params: { path: { name: q.workflow }, query: { fireTimes: 0 } } }))
      const query = { ...(q.open ? { status: 'firing' as const } : {}), ...(q.workflow ? { workflow: q.workflow } : {}), ...(q.since ? { since: q.since.toISOString() } : {}), limit: Math.min(q.limit, API_MAX) }
      return (await api.ok(api.http.GET('/alerts', { params: { query } }))).data.items as AlertView[]
    },
    async deadLetters(q) {
      const query = { ...(q.since ? { since: q.since.toISOString() } : {}), limit: Math.min(q.limit, API_MAX) }
      return (await api.ok(api.http.GET('/dead-letters', { params: { query } }))).data.items as DeadLetterView[]
    },
    close: () => api.close(),
  }
}

/** `baton alerts`. */
export async function alerts(opts: AlertQuery & { json?: boolean }): Promise<void> {
  const reader = openReader()
  try {
    const rows = await reader.alerts(opts)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatAlerts(rows))
  } finally {
    await reader.close()
  }
}

/** `baton dead-letters`. */
export async function deadLetters(opts: { since?: Date; limit: number; json?: boolean }): Promise<void> {
  const reader = openReader()
  try {
    const rows = await reader.deadLetters(opts)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatDeadLetters(rows))
  } finally {
    await reader.close()
  }
}
