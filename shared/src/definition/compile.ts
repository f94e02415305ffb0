import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { parseDuration } from '../duration.js'
import type { TaskKind, TriggerRule } from '../status.js'
import { validateExpectBy } from '../schedule/readiness-deadline.js'
import { validateSchedule } from '../schedule/cron-schedule.js'
import { WorkflowDefinitionSchema, type WorkflowDefinition, type RunSpec, type TaskDefinition } from './schema.js'

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
  readonly upstream: readonly string[]
  readonly downstream: readonly string[]
  readonly retry: { readonly attempts: number; readonly backoffMs: number; readonly factor: number; readonly maxBackoffMs: number; readonly jitter: number }
  readonly timeouts: { readonly executionMs?: number; readonly heartbeatMs: number; readonly scheduleToStartMs?: number }
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
  /** Every queue the workflow's tasks use. */
  readonly queues: readonly string[]
  /** How the workflow's partitions are named: `when.partition`, else `schedule.partition`, else `date`. */
  readonly partitionKind: 'date' | 'hour' | 'key'
  /** Timezone of readiness `expectBy` times of day (`when.timezone`, else `schedule.timezone`, else UTC); cron ticks use `schedule.timezone`. */
  readonly timezone: string
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

function zodIssues(error: z.ZodError): ValidationIssue[] {
  // An invalid record key carries the key rule's own message in nested issues: surface it.
  return error.issues.map((i) => {
    const nested = (i as { issues?: { message: string }[] }).issues
    const reason = i.code === 'invalid_key' && nested?.length ? nested.map((n) => n.message).join('; ') : i.message
    return { path: i.path.map(String).join('.'), reason }
  })
}

/** Finds one cycle (as a closed path of task ids) in the graph, or undefined. */
function findCycle(tasks: Record<string, TaskDefinition>): string[] | undefined {
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

/**
 * Validates a definition (from the DSL, JSON or YAML) and compiles it. Every problem is
 * reported at once as a ValidationError whose issues name the field and the reason.
 */
export function compileWorkflow(input: unknown): CompiledWorkflow {
  const parsed = WorkflowDefinitionSchema.safeParse(input)
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error), { code: 'DEFINITION_INVALID' })
  const def = parsed.data
  const issues: ValidationIssue[] = []
  const ids = Object.keys(def.tasks)

  for (const id of ids) {
    const t = def.tasks[id]!
    const seen = new Set<string>()
    for (const up of t.after) {
      if (up === id) issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' cannot depend on itself` })
      else if (!(up in def.tasks)) issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' depends on unknown task '${up}'` })
      if (seen.has(up)) issues.push({ path: `tasks.${id}.after`, reason: `task '${id}' lists '${up}' twice` })
      seen.add(up)
    }
    if (t.run && t.handler) issues.push({ path: `tasks.${id}`, reason: `task '${id}' sets both 'run' and 'handler'; choose one` })
  }
  if (def.when?.expectBy !== undefined) issues.push(...validateExpectBy(def.when.expectBy))
  if (def.sla) issues.push(...validateExpectBy(def.sla.finishBy, 'sla.finishBy'))
  if (def.when?.timezone !== undefined) issues.push(...validateSchedule({ cron: '0 0 * * *', timezone: def.when.timezone }, 'when'))
  if (def.schedule) issues.push(...validateSchedule(def.schedule))
  if (issues.length === 0) {
    const cycle = findCycle(def.tasks)
    if (cycle) issues.push({ path: 'tasks', reason: `dependency cycle: ${cycle.join(' → ')}` })
  }

  const downstream = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const id of ids) for (const up of def.tasks[id]!.after) downstream.get(up)?.push(id)

  // Defaults are checked once, at their own path; a task inherits a default only when valid.
  const d = def.defaults
  const defaultTimeout = typeof d?.timeout === 'object' ? d.timeout : { execution: d?.timeout }
  const prefix = typeof d?.timeout === 'object' ? 'defaults.timeout.' : 'defaults.timeout'
  const badDefaults = issues.length
  duration(defaultTimeout.execution, typeof d?.timeout === 'object' ? `${prefix}execution` : prefix, issues)
  duration(defaultTimeout.heartbeat, `${prefix}heartbeat`, issues)
  duration(defaultTimeout.scheduleToStart, `${prefix}scheduleToStart`, issues)
  duration(d?.retry?.backoff, 'defaults.retry.backoff', issues)
  duration(d?.retry?.maxBackoff, 'defaults.retry.maxBackoff', issues)
  const defaultsValid = issues.length === badDefaults

  const tasks = new Map<string, CompiledTask>()
  for (const id of ids) {
    const t = def.tasks[id]!
    const p = `tasks.${id}`
    const sink: ValidationIssue[] = []
    const retry = t.retry ?? def.defaults?.retry
    const timeout = t.timeout ?? def.defaults?.timeout
    const tObj = typeof timeout === 'object' ? timeout : { execution: timeout }
    const jitter = retry?.jitter === undefined || retry.jitter === true ? 0.2 : retry.jitter === false ? 0 : retry.jitter
    const tIssues = t.timeout !== undefined ? issues : sink
    const rIssues = t.retry !== undefined ? issues : sink
    const executionMs = duration(tObj.execution, `${p}.timeout${typeof timeout === 'object' ? '.execution' : ''}`, tIssues)
    const scheduleToStartMs = duration(tObj.scheduleToStart, `${p}.timeout.scheduleToStart`, tIssues)
    const heartbeatMs = duration(tObj.heartbeat, `${p}.timeout.heartbeat`, tIssues) ?? DEFAULT_HEARTBEAT_TIMEOUT_MS
    if (heartbeatMs < 1000) issues.push({ path: `${p}.timeout.heartbeat`, reason: 'must be at least 1s' })
    tasks.set(id, {
      id,
      queue: t.queue ?? def.defaults?.queue ?? DEFAULT_QUEUE,
      kind: t.kind,
      trigger: t.trigger,
      handler: t.handler ?? id,
      ...(t.run ? { run: t.run } : {}),
      ...((t.owner ?? def.defaults?.owner ?? def.owner) ? { owner: t.owner ?? def.defaults?.owner ?? def.owner } : {}),
      upstream: t.after,
      downstream: downstream.get(id)!,
      retry: {
        attempts: retry?.attempts ?? 1,
        backoffMs: duration(retry?.backoff ?? '10s', `${p}.retry.backoff`, rIssues) ?? 0,
        factor: retry?.factor ?? 2,
        maxBackoffMs: duration(retry?.maxBackoff ?? '1h', `${p}.retry.maxBackoff`, rIssues) ?? 0,
        jitter,
      },
      timeouts: {
        ...(executionMs !== undefined ? { executionMs } : {}),
        heartbeatMs,
        ...(scheduleToStartMs !== undefined ? { scheduleToStartMs } : {}),
      },
    })
  }
  if (issues.length > 0 || !defaultsValid) throw new ValidationError(issues, { code: 'DEFINITION_INVALID' })

  const hash = createHash('sha256').update(canonicalJson(def)).digest('hex')
  const roots = ids.filter((id) => def.tasks[id]!.after.length === 0 || def.tasks[id]!.trigger === 'always')
  const queues = [...new Set([...tasks.values()].map((t) => t.queue))].sort()
  return Object.freeze({ name: def.name, hash, definition: def, tasks, roots, queues, partitionKind: def.when?.partition ?? def.schedule?.partition ?? 'date', timezone: def.when?.timezone ?? def.schedule?.timezone ?? 'UTC' })
}
