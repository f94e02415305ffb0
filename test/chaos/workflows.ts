import type { WorkflowDefinitionInput } from '@baton/shared'

/**
 * The workflows a chaos run deploys (`baton deploy` of JSON files), and what a run's params tell
 * the fixture tasks to do. Every task records each execution in the ledger (fixtures/handlers.ts
 * for TypeScript tasks, `SH_TASK` for shell tasks); what a task does is decided by the run's
 * params, drawn from the seed, so a run's expected outcome is known before it starts.
 */

/** Queue of the TypeScript fixture tasks. */
export const QUEUE = 'chaos'
/** Queue of the shell tasks. */
export const SH_QUEUE = 'chaos_sh'
/** Sources the data-gated workflow waits for (partition kind `key`). */
export const GATED_SOURCES = ['chaos_src_a', 'chaos_src_b', 'chaos_src_c'] as const

/** What one TypeScript task does in a run (params `b.<taskId>`). */
export interface TaskBehaviour {
  /** Attempts up to this number fail (retryably). */
  fail?: number
  /** Milliseconds the attempt sleeps (heartbeats run meanwhile). */
  sleep?: number
  /** Waits until aborted (a cancelled run), at most `hang` milliseconds. */
  hang?: number
  /** For `kind: check` tasks: the verdict (default true). */
  pass?: boolean
}

/** Run params: behaviours by task id, and the shell tasks' failures and sleep. */
export interface RunParams {
  b?: Record<string, TaskBehaviour>
  /** Shell tasks fail attempts up to this number. */
  sh_fail?: number
  /** Shell tasks sleep this many seconds (a decimal). */
  sh_sleep?: string
}

/**
 * Retry policy of the fixture workflows: room for faults to cost attempts (a killed worker's
 * attempt times out) — 7 attempts of slack, so a run planned to succeed fails only when
 * something costs attempts that no fault explains.
 */
const RETRY = { attempts: 8, backoff: '200ms', factor: 2, maxBackoff: '2s' }
/** Most planned failures of a `chaos_retry` or shell task when the run is to succeed. */
export const MAX_PLANNED_FAILURES = 2
/** Attempts of the `chaos_retry` tasks: the planned failures, then the same slack. */
export const RETRY_ATTEMPTS = MAX_PLANNED_FAILURES + 8
/** Attempts of the hanging task: a cancelled run's hang may lose several attempts to worker kills before its cancel lands. */
const HANG_ATTEMPTS = 20

/**
 * A shell task: appends `start` and `end` lines to the ledger (`$CHAOS_LEDGER`, inherited from
 * the worker), fails attempts up to `$BATON_PARAM_SH_FAIL`, prints its execution id as output.
 */
export const SH_TASK = [
  'x="sh-$$-$(date +%s%N)"',
  'line() { printf \'{"e":"%s","run":"%s","task":"%s","attempt":%s,"exec":"%s","pid":%s,"t":%s,"ok":%s}\\n\' "$1" "$BATON_RUN_ID" "$BATON_TASK_ID" "$BATON_ATTEMPT" "$x" "$$" "$(date +%s%3N)" "$2" >> "$CHAOS_LEDGER"; }',
  'line start null',
  'sleep "${BATON_PARAM_SH_SLEEP:-0}"',
  'if [ "$BATON_ATTEMPT" -le "${BATON_PARAM_SH_FAIL:-0}" ]; then line end false; echo "planned failure" >&2; exit 3; fi',
  'line end true',
  'printf \'{"exec":"%s"}\\n\' "$x"',
].join('\n')

type Tasks = NonNullable<WorkflowDefinitionInput['tasks']>

function step(after: string[] = [], extra: Record<string, unknown> = {}): Tasks[string] {
  return { handler: 'step', after, ...extra }
}

function chain(prefix: string, n: number): Tasks {
  const tasks: Tasks = {}
  for (let i = 0; i < n; i++) tasks[`${prefix}${i}`] = step(i > 0 ? [`${prefix}${i - 1}`] : [])
  return tasks
}

const fanout: Tasks = { root: step() }
for (let i = 0; i < 12; i++) fanout[`f${i}`] = step(['root'])
fanout.join = step(Array.from({ length: 12 }, (_, i) => `f${i}`))

/** Every workflow a chaos run deploys. */
export const WORKFLOWS: WorkflowDefinitionInput[] = [
  { name: 'chaos_diamond', defaults: { queue: QUEUE, retry: RETRY }, tasks: { a: step(), b: step(['a']), c: step(['a']), d: step(['b', 'c']) } },
  { name: 'chaos_chain', defaults: { queue: QUEUE, retry: RETRY }, tasks: chain('t', 6) },
  { name: 'chaos_fanout', defaults: { queue: QUEUE, retry: RETRY }, tasks: fanout },
  { name: 'chaos_retry', defaults: { queue: QUEUE, retry: { ...RETRY, attempts: RETRY_ATTEMPTS, backoff: '100ms' } }, tasks: chain('r', 3) },
  {
    name: 'chaos_check',
    defaults: { queue: QUEUE, retry: RETRY },
    tasks: { load: step(), check: step(['load'], { kind: 'check' }), publish: step(['check']) },
  },
  {
    name: 'chaos_hang',
    defaults: { queue: QUEUE, retry: RETRY },
    tasks: { a: step(), hang: step(['a'], { retry: { ...RETRY, attempts: HANG_ATTEMPTS } }), z: step(['hang']) },
  },
  {
    name: 'chaos_shell',
    defaults: { queue: SH_QUEUE, retry: RETRY },
    tasks: { s0: { run: { sh: SH_TASK } }, s1: { run: { sh: SH_TASK }, after: ['s0'] }, s2: { ...step(['s1']), queue: QUEUE } },
  },
  {
    name: 'chaos_gated',
    when: { sourcesLanded: [...GATED_SOURCES], partition: 'key' },
    defaults: { queue: QUEUE, retry: RETRY },
    tasks: { g0: step(), g1: step(['g0']) },
  },
  { name: 'chaos_backfill', defaults: { queue: QUEUE, retry: RETRY }, tasks: { b0: step(), b1: step(['b0']) } },
]

/** Task ids of a workflow. */
export function taskIds(workflow: string): string[] {
  const wf = WORKFLOWS.find((w) => w.name === workflow)
  if (!wf) throw new Error(`unknown chaos workflow ${workflow}`)
  return Object.keys(wf.tasks)
}

/** Attempts a task of a workflow has (its retry policy). */
export function attemptsOf(workflow: string, taskId: string): number {
  const wf = WORKFLOWS.find((w) => w.name === workflow)!
  const t = wf.tasks[taskId] as { retry?: { attempts?: number } }
  return t.retry?.attempts ?? (wf.defaults?.retry as { attempts?: number } | undefined)?.attempts ?? 1
}
