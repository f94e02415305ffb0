import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { socketInodes, tcpSockets } from './proc-net.js'

/**
 * The leak check of style rule 20: when a test file ends, everything it started is gone. A file
 * calls `await assertNoLeaks()` last in its root `after` hook (after its own clean-up), and the
 * hook fails — failing the file — naming each leftover:
 *
 * - child processes started through test/support (processes.ts, private-nats.ts) that are still
 *   running, detached process groups with a member left, live direct children of this process
 *   (product code started in-process spawns them too: a stock worker's shell), and any live
 *   process whose environment names one of the file's namespaces (a grandchild that outlived its
 *   parent: its BATON_NAMESPACE says whose it is);
 * - namespaces never closed, and subscriptions still open on a namespace's connection when it
 *   was closed (a worker, consumer or subscriber the test did not stop);
 * - Postgres backends whose application_name names one of the file's namespaces
 *   (`baton:<ns>`, `baton-coordinator:<ns>`, …), after every pool should have been closed;
 * - TCP connections of this process to the NATS and Postgres servers the file used;
 * - handles that keep this process alive (`process.getActiveResourcesInfo()`: timers, sockets,
 *   servers, child processes, pipes) beyond those present when the file was loaded — only
 *   ref'd handles are listed there, and the file is the only code in its process, so an extra
 *   one is the file's (or product code it started).
 *
 * Things that end on their own (a backend noticing its client went away, a closing socket) get a
 * few seconds; then the check reports. Child processes found alive are SIGKILLed after being
 * reported, and the process exits soon after the failure is reported, so a leak fails the file
 * instead of hanging it until the test timeout.
 */

/** How long leftovers that end on their own (closing sockets, exiting backends) may take. */
const GRACE_MS = 5000
const POLL_MS = 100

interface TrackedNamespace {
  readonly name: string
  readonly databaseUrl: string
  readonly nc: { isClosed(): boolean }
  closed: boolean
  /** Subjects of subscriptions still open when `close()` drained the connection. */
  openAtClose: string[]
}

/** Live children started through test/support, with what they are. */
const children = new Map<ChildProcess, string>()
/** Process groups of detached children (`spawn(…, { detached: true })`), with what they are. */
const groups = new Map<number, string>()
const namespaces: TrackedNamespace[] = []
/** Ports of the NATS and Postgres servers the file used (connections to them must be closed). */
const serverPorts = new Map<number, string>()
/** Handle counts by type when the file was loaded (the runner's and tsx's own pipes). */
const baseline = countResources()

for (const url of (process.env.BATON_NATS_URL ?? 'nats://127.0.0.1:4222').split(',')) trackServer(url, 'NATS')
trackServer(process.env.BATON_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton', 'Postgres')

/** Remembers a child process until it exits; `group`: it was spawned detached, check its whole process group. */
export function trackChild(child: ChildProcess, label: string, options: { group?: boolean } = {}): void {
  if (child.pid === undefined) return
  children.set(child, label)
  child.once('exit', () => children.delete(child))
  if (options.group) groups.set(child.pid, label)
}

/** Remembers a server whose connections must all be closed when the file ends. */
export function trackServer(url: string, what: 'NATS' | 'Postgres'): void {
  try {
    const u = new URL(url.includes('://') ? url : `nats://${url}`)
    serverPorts.set(Number(u.port || (what === 'NATS' ? 4222 : 5432)), what)
  } catch {
    // Not a URL: nothing to watch.
  }
}

/** Remembers a namespace of the file; `closing` is called by its `close()` with the subscriptions still open then. */
export function trackNamespace(ns: { name: string; databaseUrl: string; natsUrl: string; nc: { isClosed(): boolean } }): (openSubscriptions: string[]) => void {
  const tracked: TrackedNamespace = { name: ns.name, databaseUrl: ns.databaseUrl, nc: ns.nc, closed: false, openAtClose: [] }
  namespaces.push(tracked)
  for (const url of ns.natsUrl.split(',')) trackServer(url, 'NATS')
  trackServer(ns.databaseUrl, 'Postgres')
  return (open) => {
    tracked.closed = true
    tracked.openAtClose = open
  }
}

/**
 * Subscriptions still open on a nats.js connection, by subject, except the connection's own
 * request inbox (`_INBOX.<token>.*`, shared by every request it makes). Reads nats.js internals
 * (`protocol.subscriptions`): when they are not there, it reports nothing rather than guess.
 */
export function openSubscriptions(nc: unknown): string[] {
  const subs = (nc as { protocol?: { subscriptions?: { all?(): { subject: string; isClosed?(): boolean }[]; getMux?(): unknown } } }).protocol?.subscriptions
  if (typeof subs?.all !== 'function') return []
  const mux = subs.getMux?.()
  return subs
    .all()
    .filter((s) => s !== mux && !s.isClosed?.())
    .map((s) => s.subject)
}

/** Fails (throws) when the file left anything behind; see the module comment for what is checked. */
export async function assertNoLeaks(): Promise<void> {
  const problems: string[] = []
  for (const ns of namespaces) {
    if (!ns.closed) problems.push(`namespace ${ns.name} was never closed (ns.close())`)
    else if (!ns.nc.isClosed()) problems.push(`the NATS connection of namespace ${ns.name} is still open`)
    if (ns.openAtClose.length > 0) {
      const named = ns.openAtClose.map((s) => (s.startsWith('_INBOX.') ? `${s} (a JetStream consumer's inbox: a worker or consumer not stopped)` : s))
      problems.push(`namespace ${ns.name} was closed with subscriptions still open: ${named.join(', ')}`)
    }
  }
  problems.push(...(await settle(() => leftoverProcesses())))
  problems.push(...(await postgresBackends()))
  problems.push(...(await settle(() => [...serverConnections(), ...extraResources()])))
  killLeftovers()
  if (problems.length === 0) return
  // Leaked handles would keep this process (and the run) waiting for the test timeout: once the
  // failure below has been reported, end it.
  setTimeout(() => process.exit(1), 3000).unref()
  throw new Error(`the test file left these behind (style rule 20):\n  - ${problems.join('\n  - ')}`)
}

/** Polls `find` until it reports nothing or GRACE_MS have passed; returns its last report. */
async function settle(find: () => string[] | Promise<string[]>): Promise<string[]> {
  const deadline = Date.now() + GRACE_MS
  for (;;) {
    const found = await find()
    if (found.length === 0 || Date.now() > deadline) return found
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

function leftoverProcesses(): string[] {
  const out: string[] = []
  const reported = new Set<number>()
  for (const [child, label] of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    out.push(`child process ${child.pid} still running: ${label}`)
    reported.add(child.pid!)
  }
  for (const [pgid, label] of groups) {
    if (groupAlive(pgid)) out.push(`process group ${pgid} still has live members: ${label}`)
  }
  const names = namespaces.map((n) => n.name)
  for (const p of liveProcesses()) {
    if (reported.has(p.pid) || p.pid === process.pid) continue
    if (p.ppid === process.pid && !isEsbuildService(p.cmdline)) {
      out.push(`child process ${p.pid} of this test process still running: ${p.cmdline}`)
    } else if (p.ns !== undefined && names.includes(p.ns)) {
      out.push(`process ${p.pid} of namespace ${p.ns} still running: ${p.cmdline}`)
    }
  }
  return out
}

/** tsx's esbuild service: a child of every test process for its whole life, not the file's. */
function isEsbuildService(cmdline: string): boolean {
  return /\/esbuild\S* --service=/.test(cmdline)
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

interface ProcessInfo {
  readonly pid: number
  readonly ppid: number
  readonly cmdline: string
  /** BATON_NAMESPACE of its environment, if it has one. */
  readonly ns: string | undefined
}

/** Every live (not zombie) process this user can read, from /proc; none where there is no /proc. */
function liveProcesses(): ProcessInfo[] {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  } catch {
    return []
  }
  const out: ProcessInfo[] = []
  for (const d of pids) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (state === 'Z' || state === 'X') continue
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      let ns: string | undefined
      try {
        ns = /(?:^|\0)BATON_NAMESPACE=([^\0]*)/.exec(readFileSync(`/proc/${d}/environ`, 'utf8'))?.[1]
      } catch {
        // Another user's process: its environment is not ours to read.
      }
      out.push({ pid: Number(d), ppid: Number(ppid), cmdline, ns })
    } catch {
      // Exited while we looked.
    }
  }
  return out
}

/** Backends whose application_name names one of the file's namespaces, once they had GRACE_MS to go. */
async function postgresBackends(): Promise<string[]> {
  const byUrl = new Map<string, string[]>()
  for (const ns of namespaces) byUrl.set(ns.databaseUrl, [...(byUrl.get(ns.databaseUrl) ?? []), ns.name])
  const out: string[] = []
  for (const [url, names] of byUrl) {
    const client = new pg.Client({ connectionString: url, application_name: 'baton-leak-check', connectionTimeoutMillis: 5000 })
    client.on('error', () => {})
    try {
      await client.connect()
      const rows = await settle(async () => {
        const r = await client.query<{ pid: number; application_name: string; state: string | null; query: string }>(
          `SELECT pid, application_name, state, query FROM pg_stat_activity
           WHERE pid <> pg_backend_pid() AND EXISTS (SELECT 1 FROM unnest($1::text[]) AS n WHERE position(':' || n IN application_name) > 0)`,
          [names],
        )
        return r.rows.map((b) => `Postgres backend ${b.pid} (${b.application_name}, ${b.state ?? 'unknown state'}, last query: ${b.query.slice(0, 80).replace(/\s+/g, ' ')})`)
      })
      out.push(...rows)
    } catch (e) {
      out.push(`cannot check the Postgres backends of ${names.join(', ')}: ${(e as Error).message}`)
    } finally {
      await client.end().catch(() => {})
    }
  }
  return out
}

/** Open TCP connections of this process to the NATS and Postgres servers the file used (Linux /proc). */
function serverConnections(): string[] {
  const inodes = socketInodes('self')
  const out: string[] = []
  for (const s of tcpSockets('/proc/self/net')) {
    if (!inodes.has(s.inode) || s.state === '0A') continue // not ours, or listening
    const what = serverPorts.get(s.remotePort)
    if (what) out.push(`a TCP connection to ${what} (port ${s.remotePort}) is still open in this process`)
  }
  return out
}

/** Types of handles that keep a process alive, and that a test or the code it starts may leave open. */
const LEAK_TYPES = ['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'ProcessWrap', 'UDPWrap', 'FSEventWrap', 'StatWatcher']

function countResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

function extraResources(): string[] {
  const now = countResources()
  return LEAK_TYPES.flatMap((type) => {
    const extra = (now.get(type) ?? 0) - (baseline.get(type) ?? 0)
    return extra > 0 ? [`${extra} ${type} handle(s) still keep this process alive`] : []
  })
}

function killLeftovers(): void {
  for (const child of children.keys()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const pgid of groups.keys()) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}
