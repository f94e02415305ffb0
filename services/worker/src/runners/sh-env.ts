import type { TaskCommand } from '@baton/shared'

/** `BATON_PARAM_<NAME>`: uppercased, anything but letters and digits becomes `_`. */
function paramVariable(name: string): string {
  return `BATON_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/**
 * The environment of a shell task: the worker's own environment (so PATH, credentials and
 * tool config reach the command), then the task's `env`, then the attempt's BATON_* variables,
 * which always win so a script can trust them.
 */
export function shEnvironment(command: TaskCommand, base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v
  Object.assign(env, extra)
  for (const [name, value] of Object.entries(command.params)) {
    env[paramVariable(name)] = typeof value === 'string' ? value : JSON.stringify(value ?? null)
  }
  env.BATON_RUN_ID = command.runId
  env.BATON_TASK_ID = command.taskId
  env.BATON_ATTEMPT = String(command.attempt)
  env.BATON_PARTITION = command.partition ?? ''
  env.BATON_IDEMPOTENCY_KEY = command.idempotencyKey
  env.BATON_WORKFLOW = command.workflow
  env.BATON_INPUTS = JSON.stringify(command.inputs)
  if (command.map) {
    // An instance of a mapped task: its index, and its element (a string as is, anything else as JSON).
    env.BATON_MAP_INDEX = String(command.map.index)
    env.BATON_MAP_ELEMENT = typeof command.map.element === 'string' ? command.map.element : JSON.stringify(command.map.element ?? null)
  }
  return env
}
