import { listAlerts, listDeadLetters, workflowStates, NotFoundError } from '@baton/shared'
import { CliClient } from '../client.js'
import { formatAlerts, formatDeadLetters } from '../format.js'

/** `baton alerts`. */
export async function alerts(opts: { open?: boolean; workflow?: string; since?: Date; limit: number; json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    if (opts.workflow && !(await workflowStates(db, [opts.workflow])).has(opts.workflow)) throw new NotFoundError('workflow', opts.workflow)
    const rows = await listAlerts(db, opts)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatAlerts(rows))
  } finally {
    await client.close()
  }
}

/** `baton dead-letters`. */
export async function deadLetters(opts: { since?: Date; limit: number; json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const rows = await listDeadLetters(await client.db({ readOnly: true }), opts)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatDeadLetters(rows))
  } finally {
    await client.close()
  }
}
