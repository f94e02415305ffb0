import { decodeJson, MAX_MESSAGE_BYTES, TaskCommandSchema, type TaskCommand } from '@baton/shared'

/** A decoded command, or why the message is poison. */
export type DecodedCommand = { ok: true; command: TaskCommand } | { ok: false; reason: string }

/**
 * Validates a command message once, at the edge (house style §14): size, JSON, then
 * TaskCommandSchema. Unknown fields are dropped, not rejected.
 */
export function decodeCommand(data: Uint8Array): DecodedCommand {
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, reason: `message is ${data.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` }
  let body: unknown
  try {
    body = decodeJson(data)
  } catch (e) {
    return { ok: false, reason: `malformed JSON: ${(e as Error).message}` }
  }
  const parsed = TaskCommandSchema.safeParse(body)
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    return { ok: false, reason: `invalid command: ${issues.join('; ')}` }
  }
  return { ok: true, command: parsed.data }
}
