import { userInfo } from 'node:os'

/**
 * Who this CLI user is, for the audit log and for the `by` of the operator actions it sends in
 * direct mode: `cli:<OS user>` (the CLI holds the database and NATS credentials: no role applies).
 */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    // A container user without a passwd entry.
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`
  }
}
