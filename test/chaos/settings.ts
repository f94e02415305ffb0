import { parseArgs } from 'node:util'
import { createPrng, randomSeed } from './prng.js'
import type { Settings } from './plan.js'

/**
 * The settings of a chaos run from its command line, their defaults, and the command that
 * replays a run (the same seed and settings give the same plan).
 */

/** Defaults of everything but the seed and the number of coordinators (drawn from the seed). */
export const DEFAULTS = { minutes: 2, workers: 3, concurrency: 8, rate: 1.5, junkRate: 0.3, quiesceSeconds: 120 } as const

/** Reads the settings from the command line (the seed drawn when not given). */
export function settingsFrom(argv: readonly string[]): { settings: Settings; keep: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      coordinators: { type: 'string' },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'junk-rate': { type: 'string' },
      quiesce: { type: 'string' },
      'no-faults': { type: 'boolean' },
      'nats-cluster': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
  })
  const num = (v: string | undefined, dflt: number, what: string): number => {
    if (v === undefined || v === '') return dflt
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got ${JSON.stringify(v)}`)
    return n
  }
  const seed = Math.floor(num(values.seed, randomSeed(), 'seed'))
  const settings: Settings = {
    seed,
    minutes: num(values.minutes, DEFAULTS.minutes, 'minutes'),
    coordinators: Math.floor(num(values.coordinators, defaultCoordinators(seed), 'coordinators')),
    workers: Math.floor(num(values.workers, DEFAULTS.workers, 'workers')),
    concurrency: Math.floor(num(values.concurrency, DEFAULTS.concurrency, 'concurrency')),
    rate: num(values.rate, DEFAULTS.rate, 'rate'),
    junkRate: num(values['junk-rate'], DEFAULTS.junkRate, 'junk-rate'),
    quiesceSeconds: num(values.quiesce, DEFAULTS.quiesceSeconds, 'quiesce'),
    faults: !values['no-faults'],
    ...(values['nats-cluster'] ? { natsCluster: true as const } : {}),
  }
  return { settings, keep: values.keep ?? false }
}

/** 2 or 3 coordinators, drawn from the seed. */
function defaultCoordinators(seed: number): number {
  return createPrng(seed, 'topology').int(2, 3)
}

/** The command that replays `s`: `make chaos SEED= MINUTES=` when the rest is default, else run.ts with its flags. */
export function replayCommand(s: Settings): string {
  const flags: string[] = []
  if (s.coordinators !== defaultCoordinators(s.seed)) flags.push(`--coordinators ${s.coordinators}`)
  if (s.workers !== DEFAULTS.workers) flags.push(`--workers ${s.workers}`)
  if (s.concurrency !== DEFAULTS.concurrency) flags.push(`--concurrency ${s.concurrency}`)
  if (s.rate !== DEFAULTS.rate) flags.push(`--rate ${s.rate}`)
  if (s.junkRate !== DEFAULTS.junkRate) flags.push(`--junk-rate ${s.junkRate}`)
  if (s.quiesceSeconds !== DEFAULTS.quiesceSeconds) flags.push(`--quiesce ${s.quiesceSeconds}`)
  if (!s.faults) flags.push('--no-faults')
  if (flags.length === 0) return `make chaos SEED=${s.seed} MINUTES=${s.minutes}${s.natsCluster ? ' NATS_CLUSTER=1' : ''}`
  if (s.natsCluster) flags.push('--nats-cluster')
  return `make build && node --conditions=baton-source --import tsx test/chaos/run.ts --seed ${s.seed} --minutes ${s.minutes} ${flags.join(' ')}`
}
