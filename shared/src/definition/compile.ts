import { createHash } from 'node:crypto'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { parseDuration } from '../duration.js'
import type { TaskKind, TriggerRule } from '../status.js'
import { validateExpectBy } from '../schedule/readiness-deadline.js'
import { validateSchedule } from '../schedule/cron-schedule.js'
import { WorkflowDefinitionSchema, type WorkflowDefinition, type RunSpec } from './schema.js'
import { definitionIssues } from './issues.js'
import { paramsSchemaIssues } from './params-schema.js'
import { suggestionFor } from './suggest.js'
import { admissionOf, type TaskAdmission } from './admission.js'
import { afterWithMapSource, CompiledTasks, DEFAULT_MAX_MAP_INSTANCES, mapIssues, mapSpecOf, type MapSpec } from './map-instances.js'

export { poolGroupKey, taskGroupKey, type TaskAdmission } from './admission.js'

/** Default heartbeat timeout (brief §5): a dead worker's task is re-dispatched within it. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000
/** Queue used when neither the task nor the workflow defaults name one. */
export const DEFAULT_QUEUE = 'default'

/** A task with every option resolved to concrete values and its edges in both directions. */
export interface CompiledTask {
  readonly id: string
  readonly queue: string
  readonly kind: TaskKind
  readonly trigger: TriggerRule
  readonly handler: string
  readonly run?: RunSpec
  readonly owner?: string
  /** `kind: 'approval'`: who may decide it (owners or groups); absent: any approver of the workflow. */
  readonly approvers?: readonly string[]
  readonly upstream: readonly string[]
  readonly downstream: readonly string[]
  readonly retry: { readonly attempts: number; readonly backoffMs: number; readonly factor: number; readonly maxBackoffMs: number; readonly jitter: number }
  readonly timeouts: { readonly executionMs?: number; readonly heartbeatMs: number; readonly scheduleToStartMs?: number }
  /** `run: { workflow }`: the task starts a child run of this workflow and waits for it, with no worker. */
  readonly subWorkflow?: { readonly workflow: string; readonly params: Readonly<Record<string, unknown>>; readonly partition?: string }
  /**
   * The slot groups an attempt must hold before its command is sent (a pool, the task's
   * concurrency across runs), with its priority; absent: the command is sent at once.
   */
  readonly admission?: TaskAdmission
  /** `map`: the task runs once per element of an upstream list (instances `id[i]`). */
  readonly map?: MapSpec
}

/** A validated workflow: the normalised definition, its content hash, and the compiled DAG. */
export interface CompiledWorkflow {
  readonly name: string
  /** sha256 of the canonical JSON of `definition`: the version id. */
  readonly hash: string
  readonly definition: WorkflowDefinition
  readonly tasks: ReadonlyMap<string, CompiledTask>
  /** Tasks that can start when the run starts (no upstream, or trigger `always`). */
  readonly roots: readonly string[]
  /** Every task id in a topological order (upstream before downstream; ties by name). */
  readonly order: readonly string[]
  /** Every queue the workflow's tasks use. */
  readonly queues: readonly string[]
  /** How the workflow's partitions are named: `when.partition`, else `schedule.partition`, else `date`. */
  readonly partitionKind: 'date' | 'hour' | 'key'
  /** Timezone of readiness `expectBy` times of day (`when.timezone`, else `schedule.timezone`, else UTC); cron ticks use `schedule.timezone`. */
  readonly timezone: string
  /** Most instances one mapped task may have in a run (`maxMapInstances`, default 100,000). */
  readonly maxMapInstances: number
}

/** JSON with object keys sorted, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}

/** Finds one cycle (as a closed path of task ids) in the graph, or undefined. */
function findCycle(tasks: Record<string, { after: readonly string[] }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting')
    stack.push(id)
    for (const up of tasks[id]?.after ?? []) {
      if (!(up in tasks)) continue
      if (state.get(up) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(up))
        // `after` points upstream; report in execution order (upstream first).
        return [...cycle, up].reverse()
      }
      if (!state.has(up)) {
        const found = visit(up)
        if (found) return found
      }
    }
    stack.pop()
    state.set(id, 'done')
    return undefined
  }
  for (const id of Object.keys(tasks).sort()) {
    if (!state.has(id)) {
      const found = visit(id)
      if (found) return found
    }
  }
  return undefined
}

function duration(value: string | number | undefined, path: string, issues: ValidationIssue[]): number | undefined {
  if (value === undefined) return undefined
  try {
    return parseDuration(value, path)
  } catch (e) {
    if (e instanceof ValidationError) issues.push(...e.issues)
    else throw e
    return undefined
  }
}

/** Every problem of a definition (and its compiled form when there is none). */
export interface DefinitionCheck {
  readonly issues: readonly ValidationIssue[]
  readonly workflow?: CompiledWorkflow
}

/**
 * Validates a definition (from the DSL, JSON or YAML) and compiles it. Every problem is
 * reported at once as a ValidationError whose issues name the field and the reason.
 */
export function compileWorkflow(input: unknown): CompiledWorkflow {
  const { issues, workflow } = checkWorkflow(input)
  if (!workflow) throw new ValidationError(issues, { code: 'DEFINITION_INVALID' })
  return workflow
}

/**
 * Checks a definition and compiles it when it is valid. Problems of shape (zod), of the DAG, of
 * times and durations and of the params schema are all collected, even when the shape is wrong
 * in one place, so that a file's problems are listed at once, not one per attempt.
 */
export function checkWorkflow(input: unknown): DefinitionCheck {
  // `$schema` only points editors at docs/schemas/workflow.schema.json; it is not part of the version.
  const body = withoutSchemaKey(input)
  const parsed = WorkflowDefinitionSchema.safeParse(body)
  const issues: ValidationIssue[] = parsed.success ? [] : definitionIssues(WorkflowDefinitionSchema, body, parsed.error)
  const raw = (body !== null && typeof body === 'object' ? body : {}) as RawDefinition
  issues.push(...nulIssues(body))
  issues.push(...graphIssues(rawTasks(raw)))
  issues.push(...timingIssues(raw))
  if (raw.params !== null && typeof raw.params === 'object' && !Array.isArray(raw.params)) issues.push(...paramsSchemaIssues(raw.params as Record<string, unknown>))
  if (!parsed.success || issues.length > 0) return { issues: dedupe(issues) }
  return { issues: [], workflow: build(withMapSources(parsed.data)) }
}

/** The definition with each mapped task's source in its `after` (a mapped task waits for its list). */
function withMapSources(def: WorkflowDefinition): WorkflowDefinition {
  if (!Object.values(def.tasks).some((t) => t.map !== undefined)) return def
  const tasks = Object.fromEntries(Object.entries(def.tasks).map(([id, t]) => [id, t.map === undefined ? t : { ...t, after: afterWithMapSource(t.after, t.map) }]))
  return { ...def, tasks }
}

function withoutSchemaKey(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !('$schema' in input)) return input
  const { $schema: _ignored, ...rest } = input as Record<string, unknown>
  return rest
}

function dedupe(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => (seen.has(`${i.path}\u0000${i.reason}`) ? false : (seen.add(`${i.path}\u0000${i.reason}`), true)))
}

/** Every string or key holding a NUL character (Postgres cannot store one in a definition). */
function nulIssues(value: unknown, path: string[] = []): ValidationIssue[] {
  const here = (): string => path.join('.')
  if (typeof value === 'string') return value.includes('\u0000') ? [{ path: here(), reason: 'contains a NUL character (\\u0000), which cannot be stored' }] : []
  if (value === null || typeof value !== 'object') return []
  const out: ValidationIssue[] = []
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) out.push({ path: here(), reason: `key ${JSON.stringify(k)} contains a NUL character (\\u0000), which cannot be stored` })
    out.push(...nulIssues(v, [...path, k]))
  }
  return out
}

/** The parts of a definition the semantic checks read, before (or without) a successful parse. */
interface RawDefinition {
  tasks?: unknown
  params?: unknown
  schedule?: { cron?: unknown; timezone?: unknown }
  when?: { expectBy?: unknown; timezone?: unknown }
  sla?: { finishBy?: unknown }
  defaults?: { timeout?: unknown; retry?: { backoff?: unknown; maxBackoff?: unknown } }
}

interface RawTask {
  after: string[]
  run?: unknown
  handler?: unknown
  timeout?: unknown
  retry?: { backoff?: unknown; maxBackoff?: unknown }
}

/** Tasks whose dependencies can be read (an `after` that is not a list of strings is zod's to report). */
function rawTasks(raw: RawDefinition): Record<string, RawTask> {
  if (raw.tasks === null || typeof raw.tasks !== 'object' || Array.isArray(raw.tasks)) return {}
  const out: Record<string, RawTask> = {}
  for (const [id, t] of Object.entries(raw.tasks as Record<string, unknown>)) {
    if (t === null || typeof t !== 'object' || Array.isArray(t)) continue
    const after = (t as { after?: unknown }).after
    const listed = Array.isArray(after) ? after.filter((a): a is string => typeof a === 'string') : []
    out[id] = { ...(t as object), after: afterWithMapSource(listed, (t as { map?: unknown }).map) } as RawTask
  }
  return out
}

/** Dependencies: unknown, self, twice, cycles; and tasks that set both `run` and `handler`. */
function graphIssues(tasks: Record<string, RawTask>): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  for (const [id, t] of Object.entries(tasks)) {
    const seen = new Set<string>()
    for (const up of t.after) {
      if (up === id) issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' cannot depend on itself` })
      else if (!(up in tasks)) {
        const close = suggestionFor(up, Object.keys(tasks))
        issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' depends on unknown task '${up}'${close ? ` (did you mean '${close}'?)` : ''}` })
      }
      if (seen.has(up)) issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' lists '${up}' twice` })
      seen.add(up)
    }
    if (t.run !== undefined && t.handler !== undefined) issues.push({ path: `tasks.${id}`, reason: `task '${id}' sets both 'run' and 'handler'; choose one` })
    const kind = (t as { kind?: unknown }).kind
    if (kind === 'approval' && (t.run !== undefined || t.handler !== undefined)) issues.push({ path: `tasks.${id}`, reason: `approval task '${id}' runs nothing: remove 'run'/'handler'` })
    if ((t as { approvers?: unknown }).approvers !== undefined && kind !== 'approval') issues.push({ path: `tasks.${id}.approvers`, reason: "only an approval task (kind: 'approval') has approvers" })
    const child = (t.run as { workflow?: unknown } | undefined)?.workflow
    if (child !== undefined) {
      if (kind !== undefined && kind !== 'task') issues.push({ path: `tasks.${id}.kind`, reason: `task '${id}' runs a sub-workflow: its kind must be task (the child run's outcome is its outcome)` })
      if ((t as { pool?: unknown }).pool !== undefined || (t as { concurrency?: unknown }).concurrency !== undefined) issues.push({ path: `tasks.${id}`, reason: `task '${id}' runs a sub-workflow, which takes no worker: no pool or concurrency slot (set them on the child's tasks)` })
    }
    const slotted = t as { pool?: unknown; slots?: unknown; concurrency?: unknown }
    if (slotted.slots !== undefined && slotted.pool === undefined) issues.push({ path: `tasks.${id}.slots`, reason: `task '${id}' sets slots without a pool: add pool: <name>` })
    if (kind === 'approval' && (slotted.pool !== undefined || slotted.concurrency !== undefined)) issues.push({ path: `tasks.${id}`, reason: `approval task '${id}' takes no worker, so no pool or concurrency slot` })
    // A branch chooses among its direct downstream tasks: with none, every choice would fail the run.
    if (kind === 'branch' && !Object.values(tasks).some((d) => d.after.includes(id))) {
      issues.push({ path: `tasks.${id}.kind`, reason: `branch task '${id}' has no downstream task to choose: list it in the 'after' of the tasks it chooses between` })
    }
  }
  issues.push(...mapIssues(tasks))
  if (issues.length === 0) {
    const cycle = findCycle(tasks)
    if (cycle) issues.push({ path: 'tasks', reason: `dependency cycle: ${cycle.join(' → ')}` })
  }
  return issues
}

const isDuration = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number'

/** Durations (each at its own path), the heartbeat floor, cron, timezones, expectBy and sla times. */
function timingIssues(raw: RawDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  // A timeout of 0 would expire at once (and the wire protocol needs a positive number): omit it for none.
  const positive = (value: string | number, path: string): void => {
    const ms = duration(value, path, issues)
    if (ms === 0) issues.push({ path, reason: `must be longer than 0 (got ${JSON.stringify(value)}); leave it out for no timeout` })
  }
  const checkTimeout = (timeout: unknown, path: string): void => {
    if (isDuration(timeout)) positive(timeout, path)
    else if (timeout !== null && typeof timeout === 'object') {
      const t = timeout as Record<string, unknown>
      for (const k of ['execution', 'heartbeat', 'scheduleToStart']) if (isDuration(t[k])) positive(t[k], `${path}.${k}`)
      if (isDuration(t.heartbeat)) {
        const ms = duration(t.heartbeat, `${path}.heartbeat`, [])
        if (ms !== undefined && ms < 1000) issues.push({ path: `${path}.heartbeat`, reason: 'must be at least 1s' })
      }
    }
  }
  const checkRetry = (retry: unknown, path: string): void => {
    if (retry === null || typeof retry !== 'object') return
    const r = retry as Record<string, unknown>
    for (const k of ['backoff', 'maxBackoff']) if (isDuration(r[k])) duration(r[k], `${path}.${k}`, issues)
  }
  checkTimeout(raw.defaults?.timeout, 'defaults.timeout')
  checkRetry(raw.defaults?.retry, 'defaults.retry')
  for (const [id, t] of Object.entries(rawTasks(raw))) {
    checkTimeout(t.timeout, `tasks.${id}.timeout`)
    checkRetry(t.retry, `tasks.${id}.retry`)
  }
  const twice = (raw as { maxActiveRuns?: unknown; schedule?: { maxActiveRuns?: unknown } })
  if (twice.maxActiveRuns !== undefined && twice.schedule?.maxActiveRuns !== undefined) issues.push({ path: 'maxActiveRuns', reason: 'set maxActiveRuns once: at the top (every trigger) or in schedule, not both' })
  if (typeof raw.when?.expectBy === 'string') issues.push(...validateExpectBy(raw.when.expectBy))
  if (typeof raw.sla?.finishBy === 'string') issues.push(...validateExpectBy(raw.sla.finishBy, 'sla.finishBy'))
  if (typeof raw.when?.timezone === 'string') issues.push(...validateSchedule({ cron: '0 0 * * *', timezone: raw.when.timezone }, 'when'))
  if (typeof raw.schedule?.cron === 'string') {
    issues.push(...validateSchedule({ cron: raw.schedule.cron, timezone: typeof raw.schedule.timezone === 'string' ? raw.schedule.timezone : 'UTC' }))
  }
  return issues
}

/** Task ids upstream first, ties by name (Kahn's algorithm; the graph has no cycle by now). */
function topologicalOrder(tasks: Record<string, { after: readonly string[] }>): string[] {
  const done = new Set<string>()
  const out: string[] = []
  let left = Object.keys(tasks).sort()
  while (left.length > 0) {
    const ready = left.filter((id) => tasks[id]!.after.every((up) => done.has(up)))
    for (const id of ready) {
      done.add(id)
      out.push(id)
    }
    left = left.filter((id) => !done.has(id))
  }
  return out
}

/** Compiles a definition that passed every check: defaults resolved, edges both ways. */
function build(def: WorkflowDefinition): CompiledWorkflow {
  const ids = Object.keys(def.tasks)
  const downstream = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const id of ids) for (const up of def.tasks[id]!.after) downstream.get(up)?.push(id)
  const ms = (value: string | number | undefined): number | undefined => (value === undefined ? undefined : parseDuration(value))
  const tasks = new CompiledTasks()
  for (const id of ids) {
    const t = def.tasks[id]!
    const retry = t.retry ?? def.defaults?.retry
    const timeout = t.timeout ?? def.defaults?.timeout
    const tObj = typeof timeout === 'object' ? timeout : { execution: timeout }
    const jitter = retry?.jitter === undefined || retry.jitter === true ? 0.2 : retry.jitter === false ? 0 : retry.jitter
    const executionMs = ms(tObj.execution)
    const scheduleToStartMs = ms(tObj.scheduleToStart)
    const owner = t.owner ?? def.defaults?.owner ?? def.owner
    tasks.set(id, {
      id,
      queue: t.queue ?? def.defaults?.queue ?? DEFAULT_QUEUE,
      kind: t.kind,
      trigger: t.trigger,
      handler: t.handler ?? id,
      ...(t.run ? { run: t.run } : {}),
      ...(owner ? { owner } : {}),
      ...(t.approvers ? { approvers: t.approvers } : {}),
      upstream: t.after,
      downstream: downstream.get(id)!,
      retry: {
        attempts: retry?.attempts ?? 1,
        backoffMs: ms(retry?.backoff ?? '10s')!,
        factor: retry?.factor ?? 2,
        maxBackoffMs: ms(retry?.maxBackoff ?? '1h')!,
        jitter,
      },
      timeouts: {
        ...(executionMs !== undefined ? { executionMs } : {}),
        heartbeatMs: ms(tObj.heartbeat) ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
        ...(scheduleToStartMs !== undefined ? { scheduleToStartMs } : {}),
      },
      ...admissionOf(def, id),
      ...(t.map !== undefined ? { map: mapSpecOf(t.map) } : {}),
      ...(t.run && 'workflow' in t.run ? { subWorkflow: { workflow: t.run.workflow, params: t.run.params ?? {}, ...(t.run.partition !== undefined ? { partition: t.run.partition } : {}) } } : {}),
    })
  }
  const hash = createHash('sha256').update(canonicalJson(def)).digest('hex')
  const roots = ids.filter((id) => def.tasks[id]!.after.length === 0 || def.tasks[id]!.trigger === 'always')
  const order = topologicalOrder(def.tasks)
  // Approval and sub-workflow tasks take no worker: their queue is not one a worker must serve.
  const queues = [...new Set([...tasks.values()].filter((t) => t.kind !== 'approval' && !t.subWorkflow).map((t) => t.queue))].sort()
  return Object.freeze({ name: def.name, hash, definition: def, tasks, roots, order, queues, partitionKind: def.when?.partition ?? def.schedule?.partition ?? 'date', timezone: def.when?.timezone ?? def.schedule?.timezone ?? 'UTC', maxMapInstances: def.maxMapInstances ?? DEFAULT_MAX_MAP_INSTANCES })
}
