import { parseMapInstanceId, type Db } from '@baton/shared'
import { loadMapElements, loadMapResults, type InstanceOverride } from '../db/map-instances.js'
import { loadOutputs } from '../db/tasks.js'
import type { RunWork } from './run-work.js'

/** One attempt whose command is about to be built. */
export interface CommandToBuild {
  readonly work: RunWork
  readonly taskId: string
  readonly attempt: number
}

/** What a command carries besides the task: upstream outputs, and for an instance its index and element. */
export interface CommandPayload {
  readonly inputs: Record<string, unknown>
  readonly map?: { readonly task: string; readonly index: number; readonly element: unknown }
}

/**
 * The inputs of a batch of commands, read in at most three statements: each upstream's output
 * (from the batch's memory when it has it), a mapped upstream's results (its instances' outputs
 * as a list, or the reduced summary), and each instance's element. An instance does not get its
 * map source's output: the whole list would travel with each of its thousands of commands.
 */
export async function commandPayloads(db: Db, items: readonly CommandToBuild[]): Promise<CommandPayload[]> {
  const outputs = new Map<string, { runId: string; taskId: string }>()
  const maps = new Map<string, { runId: string; taskId: string; reduce: boolean }>()
  const elements = new Map<string, { runId: string; taskId: string }>()
  const upstreamOf = (c: CommandToBuild): string[] => {
    const def = c.work.workflow.tasks.get(c.taskId)!
    return def.map && parseMapInstanceId(c.taskId) ? def.upstream.filter((up) => up !== def.map!.from) : [...def.upstream]
  }
  for (const c of items) {
    const runId = c.work.view.id
    for (const up of upstreamOf(c)) {
      const spec = c.work.workflow.tasks.get(up)?.map
      if (spec) maps.set(`${runId}/${up}`, { runId, taskId: up, reduce: spec.reduce })
      else if (!('output' in (c.work.tasks.get(up) ?? {}))) outputs.set(`${runId}/${up}`, { runId, taskId: up })
    }
    if (parseMapInstanceId(c.taskId) && !('mapElement' in (c.work.tasks.get(c.taskId) ?? {}))) elements.set(`${runId}/${c.taskId}`, { runId, taskId: c.taskId })
  }
  const [stored, results, loadedElements] = await Promise.all([
    loadOutputs(db, [...outputs.values()]),
    loadMapResults(db, [...maps.values()], unwrittenInstances(new Set(items.map((c) => c.work)), maps)),
    loadMapElements(db, [...elements.values()]),
  ])
  return items.map((c) => {
    const runId = c.work.view.id
    const inputs: Record<string, unknown> = {}
    for (const up of upstreamOf(c)) {
      const key = `${runId}/${up}`
      const t = c.work.tasks.get(up) as { output?: unknown } | undefined
      inputs[up] = maps.has(key) ? (results.get(key) ?? []) : t && 'output' in t ? t.output : (stored.get(key) ?? null)
    }
    const instance = parseMapInstanceId(c.taskId)
    if (!instance) return { inputs }
    const inMemory = c.work.tasks.get(c.taskId) as { mapIndex?: number; mapElement?: unknown } | undefined
    const element = inMemory && 'mapElement' in inMemory ? inMemory.mapElement : (loadedElements.get(`${runId}/${c.taskId}`)?.element ?? null)
    return { inputs, map: { task: instance.taskId, index: instance.index, element } }
  })
}

/** The instances of mapped tasks (`maps`, by `runId/taskId`) that the batch changed but has not written yet. */
export function unwrittenInstances(works: Iterable<RunWork>, maps: ReadonlyMap<string, unknown>): InstanceOverride[] {
  if (maps.size === 0) return []
  const out: InstanceOverride[] = []
  for (const work of works) {
    for (const taskId of work.dirtyTasks) {
      const instance = parseMapInstanceId(taskId)
      if (!instance || !maps.has(`${work.view.id}/${instance.taskId}`)) continue
      const t = work.tasks.get(taskId) as { status: string; output?: unknown; error?: unknown }
      out.push({ runId: work.view.id, taskId, status: t.status, output: t.output ?? null, error: t.error ?? null })
    }
  }
  return out
}
