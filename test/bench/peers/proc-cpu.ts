// CPU seconds of every process involved in a workload run, from /proc (utime + stime, in clock
// ticks). The servers are whole-server figures: they include whatever else talks to them.
import { readdirSync } from 'node:fs'
// One reader of /proc for both benches, as baton.ts shares make bench's harness (not a copy).
// eslint-disable-next-line import-x/no-relative-packages
import { CLK_TCK, readProcStat, type ProcStat } from '../process-cpu.js'

export { CLK_TCK }

/** The processes counted, by role; the servers are found by name. */
export interface CpuTargets {
  readonly worker?: number
  readonly coordinator?: number
  /** The private redis-server of BullMQ (never the machine's own Redis). */
  readonly redis?: number
}

/** CPU ticks by role at one instant. */
export type CpuSample = Record<'worker' | 'coordinator' | 'driver' | 'postgres' | 'nats' | 'redis', number>

/**
 * Samples the roles' CPU ticks. A server counts all its processes (`postgres`: the postmaster
 * and every backend; `nats-server`); the postmaster's reaped-children time is added so that a
 * backend ending between two samples still counts (its whole life minus what the first sample
 * saw of it, which is exactly its share in between).
 */
export function sampleCpu(targets: CpuTargets): CpuSample {
  const sample: CpuSample = { worker: 0, coordinator: 0, driver: 0, postgres: 0, nats: 0, redis: 0 }
  const stats = new Map<number, ProcStat>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const st = readProcStat(name)
    if (st) stats.set(st.pid, st)
  }
  for (const st of stats.values()) {
    if (st.comm === 'postgres') {
      sample.postgres += st.own
      if (stats.get(st.ppid)?.comm !== 'postgres') sample.postgres += st.children
    } else if (st.comm === 'nats-server') {
      sample.nats += st.own
    }
  }
  const own = (pid: number | undefined) => (pid === undefined ? 0 : (stats.get(pid)?.own ?? 0))
  sample.worker = own(targets.worker)
  sample.coordinator = own(targets.coordinator)
  sample.driver = own(process.pid)
  sample.redis = own(targets.redis)
  return sample
}

/** CPU seconds between two samples, by role, plus their total. */
export function cpuSeconds(before: CpuSample, after: CpuSample): Record<keyof CpuSample | 'total', number> {
  const d = (k: keyof CpuSample) => Math.max(0, after[k] - before[k]) / CLK_TCK
  const out = { worker: d('worker'), coordinator: d('coordinator'), driver: d('driver'), postgres: d('postgres'), nats: d('nats'), redis: d('redis') }
  return { ...out, total: Object.values(out).reduce((a, b) => a + b, 0) }
}
