import Table from 'cli-table3'
import { diffWorkflowVersions, listWorkflowHistory, NotFoundError, type WorkflowDeployment, type WorkflowDiff } from '@baton/shared'
import { ApiClient, apiTarget } from '../api-client.js'
import { CliClient } from '../client.js'

// `baton workflows history NAME` and `baton workflows diff NAME FROM [TO]`: through the API when
// BATON_API_URL and BATON_TOKEN are set, else straight from Postgres.

async function read<T>(direct: (client: CliClient) => Promise<T>, api: (client: ApiClient) => Promise<T>): Promise<T> {
  const target = apiTarget()
  if (target) {
    const client = new ApiClient(target)
    try {
      return await api(client)
    } finally {
      await client.close()
    }
  }
  const client = new CliClient()
  try {
    return await direct(client)
  } finally {
    await client.close()
  }
}

const short = (hash: string) => hash.slice(0, 12)

/** `baton workflows history NAME`. */
export async function history(name: string, opts: { json?: boolean }): Promise<void> {
  const rows: WorkflowDeployment[] = await read(
    async (c) => {
      const items = await listWorkflowHistory(await c.db({ readOnly: true }), name)
      if (!items) throw new NotFoundError('workflow', name)
      return items
    },
    async (c) => (await c.ok(c.http.GET('/workflows/{name}/history', { params: { path: { name } } }))).data.items,
  )
  if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  const t = new Table({ head: ['version', 'deployed', 'by', 'runs', ''], style: { head: [], border: [] } })
  for (const r of rows) t.push([short(r.hash), r.deployedAt, r.deployedBy ?? '(not recorded)', String(r.runs), [r.current ? 'current' : '', r.restored ? 'restored' : ''].filter(Boolean).join(', ')])
  process.stdout.write(`${t.toString()}\ndiff two versions: baton workflows diff ${name} <from> [<to>]\n`)
}

/** A change's value in one line. */
function value(v: unknown): string {
  const text = JSON.stringify(v)
  return text === undefined ? 'undefined' : text.length > 100 ? `${text.slice(0, 100)}…` : text
}

/** `baton workflows diff NAME FROM [TO]`. */
export async function diff(name: string, from: string, to: string, opts: { json?: boolean }): Promise<void> {
  const d: WorkflowDiff = await read(
    async (c) => diffWorkflowVersions(await c.db({ readOnly: true }), name, from, to),
    async (c) => (await c.ok(c.http.GET('/workflows/{name}/diff', { params: { path: { name }, query: { from, to } } }))).data as WorkflowDiff,
  )
  if (opts.json) return void process.stdout.write(`${JSON.stringify(d, null, 2)}\n`)
  let out = `${name}: ${short(d.from)} → ${short(d.to)}\n`
  if (d.changes.length === 0) out += 'no changes\n'
  for (const c of d.changes) {
    if (c.kind === 'added') out += `+ ${c.path}: ${value(c.after)}\n`
    else if (c.kind === 'removed') out += `- ${c.path}: ${value(c.before)}\n`
    else out += `~ ${c.path}: ${value(c.before)} → ${value(c.after)}\n`
  }
  process.stdout.write(out)
}
