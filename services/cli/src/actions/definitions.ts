import {
  archiveWorkflow,
  definitionWarnings,
  deployWorkflow,
  listWorkflowSummaries,
  loadDefinitionFiles,
  ValidationError,
  type CompiledWorkflow,
  type LoadedDefinitions,
  type ValidationIssue,
  type WorkflowSummary,
} from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { CliClient } from '../client.js'
import { cliActor } from '../cli-actor.js'
import { importUserModule } from '../user-modules.js'
import { formatWorkflows } from '../format.js'
import { workerWarnings } from '../worker-warnings.js'

/** Loads definitions; every problem of every file at once, or a ValidationError listing them. */
async function loadOrFail(paths: string[]): Promise<LoadedDefinitions> {
  const loaded = await loadDefinitionFiles(paths, { importModule: importUserModule })
  if (loaded.issues.length > 0) throw new ValidationError(loaded.issues, { code: 'DEFINITION_INVALID' })
  if (loaded.workflows.length === 0) {
    throw new ValidationError([{ path: paths.join(', '), reason: 'no workflow definitions found (a .ts/.js file must export workflow(...) results; .json/.yaml files hold definitions)' }])
  }
  return loaded
}

function staticWarnings(workflows: readonly CompiledWorkflow[]): ValidationIssue[] {
  return workflows.flatMap((wf) => definitionWarnings(wf).map((w) => ({ path: `${wf.name}: ${w.path}`, reason: w.reason })))
}

function printWarnings(warnings: readonly ValidationIssue[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.path ? `${w.path}: ` : ''}${w.reason}\n`)
}

/** `baton validate PATH…`: checks definitions; no database, no NATS. */
export async function validate(paths: string[], opts: { json?: boolean }): Promise<void> {
  const loaded = await loadDefinitionFiles(paths, { importModule: importUserModule })
  const warnings = staticWarnings(loaded.workflows)
  const empty = loaded.issues.length === 0 && loaded.workflows.length === 0
  const problems = empty ? [{ path: paths.join(', '), reason: 'no workflow definitions found' }] : loaded.issues
  if (opts.json) {
    const workflows = loaded.workflows.map((w) => ({ workflow: w.name, version: w.hash, tasks: w.tasks.size, queues: w.queues }))
    process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, workflows, problems, warnings }, null, 2)}\n`)
    if (problems.length > 0) process.exitCode = 2
    return
  }
  printWarnings(warnings)
  if (problems.length > 0) throw new ValidationError(problems, { code: 'DEFINITION_INVALID' })
  for (const w of loaded.workflows) process.stdout.write(`valid ${w.name} (${w.tasks.size} tasks, queues: ${w.queues.join(', ')})\n`)
}

/** What deploying one workflow did. */
interface DeployResult {
  readonly workflow: string
  readonly hash: string
  readonly changed: boolean
  readonly restored: boolean
}

/** Where `deploy`, `undeploy` and `workflows` act: the catalog in Postgres, or the HTTP API. */
interface Catalog {
  deploy(wf: CompiledWorkflow): Promise<DeployResult>
  /** Workers that cannot run the workflows' tasks (direct mode asks NATS; through the API: none checked). */
  workerWarnings(workflows: readonly CompiledWorkflow[]): Promise<ValidationIssue[]>
  /** Archives a workflow: false when it already was. */
  archive(name: string): Promise<boolean>
  list(): Promise<WorkflowSummary[]>
  close(): Promise<void>
}

/** The one place these commands choose their mode: the HTTP API when configured, else Postgres (and NATS). */
function openCatalog(): Catalog {
  const api = apiTarget()
  return api ? apiCatalog(api) : directCatalog()
}

function directCatalog(): Catalog {
  const client = new CliClient()
  return {
    async deploy(wf) {
      const r = await deployWorkflow(await client.db(), wf, new Date(), { by: cliActor() })
      return { workflow: wf.name, hash: r.hash, changed: r.changed, restored: r.restored }
    },
    workerWarnings: (workflows) => workerWarnings(client, workflows),
    archive: async (name) => (await archiveWorkflow(await client.db({ readOnly: true }), name)).archived,
    list: async () => listWorkflowSummaries(await client.db({ readOnly: true })),
    close: () => client.close(),
  }
}

function apiCatalog(target: ApiTarget): Catalog {
  const api = new ApiClient(target)
  return {
    async deploy(wf) {
      // The definition as compiled here (defaults filled in); the API compiles it again.
      const body = JSON.parse(JSON.stringify(wf.definition)) as Record<string, unknown>
      const { data } = await api.ok(api.http.PUT('/workflows/{name}', { params: { path: { name: wf.name } }, body }))
      return { workflow: wf.name, hash: data.hash, changed: data.changed, restored: data.restored }
    },
    // Which workers run is known to NATS only, which an operator of the API does not reach.
    workerWarnings: async () => [],
    archive: async (name) => (await api.ok(api.http.POST('/workflows/{name}/archive', { params: { path: { name } } }))).data.changed,
    async list() {
      const { data } = await api.ok(api.http.GET('/workflows', {}))
      // Without the API's extra `freshness` (baton status shows it): the same rows as direct mode.
      return data.items.map(({ freshness: _freshness, ...w }) => w as WorkflowSummary)
    },
    close: () => api.close(),
  }
}

/** `baton deploy PATH…`: all definitions valid, or nothing deployed. */
export async function deploy(paths: string[], opts: { json?: boolean }): Promise<void> {
  const { workflows } = await loadOrFail(paths)
  const catalog = openCatalog()
  try {
    const results = []
    for (const wf of workflows) {
      const r = await catalog.deploy(wf)
      results.push({ ...r, tasks: wf.tasks.size, queues: wf.queues })
    }
    const warnings = [...staticWarnings(workflows), ...(await catalog.workerWarnings(workflows))]
    if (opts.json) process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, warnings: warnings.filter((w) => w.path.startsWith(`${r.workflow}: `)) })), null, 2)}\n`)
    else {
      for (const r of results) {
        const verb = r.restored ? 'restored' : r.changed ? 'deployed' : 'unchanged'
        process.stdout.write(`${verb} ${r.workflow} (version ${r.hash.slice(0, 12)}, ${r.tasks} tasks, queues: ${r.queues.join(', ')})\n`)
      }
    }
    printWarnings(warnings)
  } finally {
    await catalog.close()
  }
}

/** `baton undeploy WORKFLOW`: archives it. */
export async function undeploy(name: string): Promise<void> {
  const catalog = openCatalog()
  try {
    const archived = await catalog.archive(name)
    process.stdout.write(
      archived
        ? `archived ${name}: its schedule and data gate start no runs, it is out of \`baton status\`, its runs stay readable; \`baton deploy\` restores it\n`
        : `${name} is already archived\n`,
    )
  } finally {
    await catalog.close()
  }
}

/** `baton workflows`. */
export async function workflows(opts: { json?: boolean }): Promise<void> {
  const catalog = openCatalog()
  try {
    const rows = await catalog.list()
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatWorkflows(rows))
  } finally {
    await catalog.close()
  }
}
