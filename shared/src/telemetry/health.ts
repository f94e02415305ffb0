/**
 * Health of a process, for `GET /readyz` and `GET /healthz` on its metrics port (the probes
 * Kubernetes and compose use). Each service registers what it depends on (the coordinator:
 * Postgres, NATS, its events consumer; a worker: NATS and its command consumer); the endpoint
 * runs every check with a deadline, because a dependency that hangs is as unready as one that
 * refuses. Checks of the process's own state (a consume loop that ended) are also liveness
 * checks: a failing one makes `/healthz` fail, so the kubelet restarts the pod. A dependency
 * never is: restarting every pod because Postgres is down helps nothing.
 */

/** Resolves when the dependency is usable; rejects (or throws) with why it is not. */
export type ReadinessCheck = () => Promise<void> | void

/** One check's result. */
export interface ReadinessCheckResult {
  readonly ok: boolean
  readonly error?: string
}

/** Every registered check's result; ready when all passed (and at least one is registered). */
export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready'
  readonly checks: Readonly<Record<string, ReadinessCheckResult>>
}

interface Registered {
  readonly check: ReadinessCheck
  readonly liveness: boolean
}
const checks = new Map<string, Registered>()

/**
 * Registers `check` under `name` (a second registration of the same name, say a second worker
 * in one process, is kept as `name#2`); `liveness: true` for a check of the process's own state.
 * Returns the function that removes it: a service stopping removes its checks first, so the
 * process reads unready while it drains.
 */
export function registerReadinessCheck(name: string, check: ReadinessCheck, options: { liveness?: boolean } = {}): () => void {
  let key = name
  for (let n = 2; checks.has(key); n++) key = `${name}#${n}`
  const entry = { check, liveness: options.liveness ?? false }
  checks.set(key, entry)
  return () => {
    if (checks.get(key) === entry) checks.delete(key)
  }
}

/** Runs every check, each bounded by `timeoutMs`. A process with no check registered is not ready: nothing in it serves yet. */
export async function readiness(timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await runAll([...checks.entries()], timeoutMs)
  const ready = results.length > 0 && results.every(([, r]) => r.ok)
  return { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) }
}

/** Runs only the liveness checks: alive when none fails (none registered: alive). */
export async function liveness(timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await runAll([...checks.entries()].filter(([, e]) => e.liveness), timeoutMs)
  return { status: results.every(([, r]) => r.ok) ? 'ready' : 'not_ready', checks: Object.fromEntries(results) }
}

function runAll(entries: [string, Registered][], timeoutMs: number): Promise<(readonly [string, ReadinessCheckResult])[]> {
  return Promise.all(entries.map(async ([name, e]) => [name, await runCheck(e.check, timeoutMs)] as const))
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessCheckResult> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([Promise.resolve().then(check), deadline])
    return { ok: true }
  } catch (e) {
    // The reason is one line for the operator; it never carries a URL (so never a password).
    return { ok: false, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) }
  } finally {
    clearTimeout(timer)
  }
}
