// CPU time from /proc, by process: utime + stime of given pids, the local servers the bench talks
// to (found by the port they listen on: tests start private nats-server clusters and Postgres
// instances on the same host, which must not count) and the whole machine (/proc/stat).
// test/bench/peers/proc-cpu.ts (`make bench-peers`) reads processes through `readProcStat` here.
import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { readdirSync, readFileSync } from 'node:fs'
import { socketInodes, tcpSockets } from '../support/proc-net.js'

/** Clock ticks per second of /proc's CPU fields (`getconf CLK_TCK`, normally 100). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** Cores the machine offers. */
export const CORES = availableParallelism()

/** One process's /proc/<pid>/stat fields the benches read. */
export interface ProcStat {
  readonly pid: number
  readonly comm: string
  readonly ppid: number
  /** utime + stime. */
  readonly own: number
  /** cutime + cstime: reaped children. */
  readonly children: number
}

/** A process's CPU ticks and parent, or undefined when it is gone. */
export function readProcStat(pid: number | string): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm may hold spaces and parentheses: it ends at the last ')'.
    const close = s.lastIndexOf(')')
    const f = s.slice(close + 2).split(' ')
    // Fields after ')': 0 state, 1 ppid, …, 11 utime, 12 stime, 13 cutime, 14 cstime.
    return { pid: Number(pid), comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) }
  } catch {
    return undefined // gone meanwhile
  }
}

/**
 * The process listening on a local TCP port (/proc/net/tcp{,6} gives the socket's inode, a
 * process's fds name it), or undefined when none is visible (another user's, or not local).
 */
export function listeningPid(port: number): number | undefined {
  const listening = new Set(tcpSockets().filter((s) => s.state === '0A' && s.localPort === port).map((s) => s.inode))
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    for (const inode of socketInodes(Number(name))) if (listening.has(inode)) return Number(name)
  }
  return undefined
}

/** The servers measured: Postgres's postmaster (its backends are its children) and nats-server. */
export interface ServerPids {
  readonly postmaster?: number
  readonly nats?: number
}

/** CPU ticks at one instant: each named group of pids (one figure per pid), the servers, the machine. */
export interface CpuSample {
  readonly at: number
  readonly pids: Readonly<Record<string, readonly number[]>>
  readonly postgres: number
  readonly nats: number
  /** Every process on the machine: non-idle ticks, and all ticks (both summed over cores). */
  readonly machineBusy: number
  readonly machineAll: number
}

/**
 * Samples CPU ticks. Postgres counts the postmaster, its children (backends and auxiliary
 * processes) and its reaped children's time, so that a backend ending between two samples still
 * counts its share in between.
 */
export function sampleCpu(groups: Readonly<Record<string, readonly number[]>>, servers: ServerPids): CpuSample {
  const at = performance.now()
  let postgres = 0
  let nats = 0
  const stats = new Map<number, ProcStat>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const st = readProcStat(name)
    if (st) stats.set(Number(name), st)
  }
  for (const [pid, st] of stats) {
    if (pid === servers.postmaster) postgres += st.own + st.children
    else if (st.ppid === servers.postmaster) postgres += st.own
    else if (pid === servers.nats) nats += st.own
  }
  const pids = Object.fromEntries(Object.entries(groups).map(([k, list]) => [k, list.map((pid) => stats.get(pid)?.own ?? 0)]))
  // /proc/stat "cpu user nice system idle iowait irq softirq steal …", in USER_HZ (= CLK_TCK).
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  const all = cpu.reduce((a, b) => a + b, 0)
  return { at, pids, postgres, nats, machineBusy: all - cpu[3]! - cpu[4]!, machineAll: all }
}

/** Cores used between two samples (CPU-seconds per second), by group and pid, servers and machine. */
export interface CpuUse {
  readonly seconds: number
  readonly pids: Record<string, number[]>
  readonly postgres: number
  readonly nats: number
  /** Sum of the groups and the servers: everything this measurement involves. */
  readonly total: number
  /** Every process on the machine (other users of the host included). */
  readonly machine: number
}

/** The cores each part used between `before` and `after`. */
export function cpuUse(before: CpuSample, after: CpuSample): CpuUse {
  const seconds = (after.at - before.at) / 1000
  const cores = (ticks: number) => Math.max(0, ticks) / CLK_TCK / seconds
  const pids = Object.fromEntries(Object.entries(after.pids).map(([k, list]) => [k, list.map((t, i) => cores(t - (before.pids[k]?.[i] ?? 0)))]))
  const postgres = cores(after.postgres - before.postgres)
  const nats = cores(after.nats - before.nats)
  const total = Object.values(pids).flat().reduce((a, b) => a + b, 0) + postgres + nats
  // The machine's figure is a share of all ticks, which count every core.
  const machine = ((after.machineBusy - before.machineBusy) / Math.max(1, after.machineAll - before.machineAll)) * CORES
  return { seconds, pids, postgres, nats, total, machine }
}
