import { z } from 'zod'
import type { TaskDefinitionInput, WorkflowDefinitionInput } from './schema.js'

/** The TypeScript form of a workflow: like the JSON form, but `params` may be a zod schema. */
export interface WorkflowOptions extends Omit<WorkflowDefinitionInput, 'params'> {
  params?: z.ZodType | Record<string, unknown>
}

/** Marks objects produced by `workflow()` so loaders can find them among a module's exports. */
export const WORKFLOW_MARK = Symbol.for('baton.workflow')

/** A workflow definition produced by the DSL, ready for `baton deploy`. */
export type WorkflowSpec = WorkflowDefinitionInput & { readonly [WORKFLOW_MARK]: true }

/**
 * Declares a workflow. The result is plain data (validated at deploy time by the same zod schema
 * as JSON/YAML definitions); a zod `params` schema is converted to JSON Schema.
 */
export function workflow(options: WorkflowOptions): WorkflowSpec {
  const { params, ...rest } = options
  const definition: WorkflowDefinitionInput = { ...rest }
  if (params !== undefined) {
    definition.params = params instanceof z.ZodType ? (z.toJSONSchema(params, { io: 'input' }) as Record<string, unknown>) : params
  }
  return Object.assign(definition, { [WORKFLOW_MARK]: true as const })
}

/** Declares a task; identity today, it exists for type inference and editor help. */
export function task(options: TaskDefinitionInput = {}): TaskDefinitionInput {
  return options
}

/** True for values produced by `workflow()`. */
export function isWorkflowSpec(value: unknown): value is WorkflowSpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WORKFLOW_MARK] === true
}
