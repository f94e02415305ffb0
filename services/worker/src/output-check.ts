import { MAX_OUTPUT_BYTES } from '@baton/shared'
import { TaskFailure } from './task-failure.js'

/**
 * Checks a handler's return value before it goes on the wire: it must be JSON and at most
 * MAX_OUTPUT_BYTES once serialised, since it is stored with the attempt and passed to every
 * downstream task. Retrying would produce the same value, so both failures are non-retryable.
 * `undefined` becomes `null` (a task that returns nothing has a null output).
 */
export function checkOutput(output: unknown): unknown {
  if (output === undefined) return null
  let json: string | undefined
  try {
    json = JSON.stringify(output)
  } catch (e) {
    throw new TaskFailure(`task output is not JSON-serialisable: ${(e as Error).message}`, {
      kind: 'output_not_serializable',
      retryable: false,
      cause: e,
    })
  }
  // JSON.stringify returns undefined for functions and symbols.
  if (json === undefined) {
    throw new TaskFailure(`task output of type ${typeof output} is not JSON-serialisable`, { kind: 'output_not_serializable', retryable: false })
  }
  const bytes = Buffer.byteLength(json, 'utf8')
  if (bytes > MAX_OUTPUT_BYTES) {
    throw new TaskFailure(`task output is ${bytes} bytes of JSON, over the ${MAX_OUTPUT_BYTES}-byte limit; store large results elsewhere and return a reference`, {
      kind: 'output_too_large',
      retryable: false,
    })
  }
  return output
}
