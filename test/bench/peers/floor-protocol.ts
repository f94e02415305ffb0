// The messages of the JetStream + Postgres floor (floor.ts, floor-coordinator.ts, worker-floor.ts):
// what Baton's transport and store cost with no orchestration at all, on the same workloads.
import type { Subjects } from '@baton/shared'
import type { Tag, Workload } from './common.js'

/** A request from the driver (like a run request) or a task's completion from the worker. */
export type FloorEvent =
  | { readonly type: 'request'; readonly workload: Workload; readonly tag: Tag; readonly size: number }
  | { readonly type: 'done'; readonly workload: Workload; readonly tag: Tag; readonly task: FloorTask }

/** A task: a chain step `i`, the fan-out's parent, a child or the join, or an independent task. */
export type FloorTask = { readonly kind: 'step'; readonly i: number; readonly size: number } | { readonly kind: 'parent'; readonly size: number } | { readonly kind: 'child' } | { readonly kind: 'join' } | { readonly kind: 'task' }

/** A command to the worker. */
export interface FloorCommand {
  readonly id: string
  readonly workload: Workload
  readonly tag: Tag
  readonly task: FloorTask
}

/** Subjects and consumers of the floor, inside a bench namespace's streams. */
export function floorSubjects(s: Subjects) {
  return {
    events: s.events.replace(/>$/, 'floor'),
    eventsConsumer: 'floor_coordinator',
    commands: s.command('floor'),
    commandsConsumer: 'floor_worker',
  }
}
