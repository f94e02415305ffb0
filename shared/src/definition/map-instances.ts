import type { CompiledTask } from './compile.js'

// Dynamic fan-out (docs/definitions.md, "Mapped tasks"): instance `i` of mapped task `load` is
// the task row `load[i]`. Task ids cannot hold brackets, so an instance id never names a task.

/** Most instances one mapped task may have in a run, unless the workflow sets `maxMapInstances`. */
export const DEFAULT_MAX_MAP_INSTANCES = 100_000

/** What a mapped task runs over and how its downstream receive the results. */
export interface MapSpec {
  /** The upstream task whose output holds the list. */
  readonly from: string
  /** The field of that output holding the list; absent: the output is the list. */
  readonly key?: string
  /** Downstream tasks receive a summary (count, failures) instead of every output. */
  readonly reduce: boolean
}

const INSTANCE = /^([A-Za-z][A-Za-z0-9_-]{0,99})\[(\d{1,7})\]$/

/** The id of instance `index` of mapped task `taskId`. */
export function mapInstanceId(taskId: string, index: number): string {
  return `${taskId}[${index}]`
}

/** The mapped task and index an instance id names, or undefined for any other id. */
export function parseMapInstanceId(id: string): { readonly taskId: string; readonly index: number } | undefined {
  const m = INSTANCE.exec(id)
  return m ? { taskId: m[1]!, index: Number(m[2]) } : undefined
}

/** Whether a task id is an instance of a mapped task (`task[i]`). */
export function isMapInstanceId(id: string): boolean {
  return id.endsWith(']') && INSTANCE.test(id)
}

/**
 * A workflow's compiled tasks by id. An instance id (`load[3]`) resolves to its mapped task's
 * definition: an instance runs, retries and times out as the task it belongs to. `has`, `size`
 * and iteration see only the workflow's own tasks.
 */
export class CompiledTasks extends Map<string, CompiledTask> {
  override get(id: string): CompiledTask | undefined {
    const own = super.get(id)
    if (own !== undefined || !id.endsWith(']')) return own
    const instance = parseMapInstanceId(id)
    const base = instance ? super.get(instance.taskId) : undefined
    return base?.map ? base : undefined
  }
}

/** A task's `map` as written: the source's id, or `{ from, key?, reduce? }`. */
type MapInput = string | { readonly from: string; readonly key?: string; readonly reduce?: boolean }

/** The compiled form of a task's `map`. */
export function mapSpecOf(map: MapInput): MapSpec {
  if (typeof map === 'string') return { from: map, reduce: false }
  return { from: map.from, ...(map.key !== undefined ? { key: map.key } : {}), reduce: map.reduce ?? false }
}

/** The source a raw `map` names, when it names one (a malformed `map` is zod's to report). */
export function mapSourceOf(map: unknown): string | undefined {
  if (typeof map === 'string') return map
  const from = (map as { from?: unknown } | null | undefined)?.from
  return typeof from === 'string' ? from : undefined
}

/** A task's dependencies with its map source added (a mapped task waits for its list). */
export function afterWithMapSource(after: readonly string[], map: unknown): string[] {
  const from = mapSourceOf(map)
  return from === undefined || after.includes(from) ? [...after] : [...after, from]
}

/** What a mapped task may not be: its own source, a source that is itself mapped, an approval, a branch or a sub-workflow. */
export function mapIssues(tasks: Readonly<Record<string, { readonly after: readonly string[]; readonly kind?: unknown; readonly run?: unknown; readonly map?: unknown }>>): { path: string; reason: string }[] {
  const issues: { path: string; reason: string }[] = []
  for (const [id, t] of Object.entries(tasks)) {
    const from = mapSourceOf(t.map)
    if (from === undefined) continue
    const path = `tasks.${id}.map`
    if (from === id) issues.push({ path, reason: `task '${id}' cannot map over its own output` })
    else if (!(from in tasks)) issues.push({ path, reason: `task '${id}' maps over unknown task '${from}'` })
    else if (mapSourceOf(tasks[from]!.map) !== undefined) issues.push({ path, reason: `task '${id}' maps over '${from}', which is itself mapped: map over a task that returns a list` })
    if (t.kind === 'approval' || t.kind === 'branch') issues.push({ path, reason: `${t.kind === 'approval' ? 'an approval' : 'a branch'} task cannot be mapped` })
    if ((t.run as { workflow?: unknown } | undefined)?.workflow !== undefined) issues.push({ path, reason: `task '${id}' runs a sub-workflow and cannot be mapped` })
  }
  return issues
}
