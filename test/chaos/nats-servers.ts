import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { NatsCluster, NODE_NAMES } from '../support/nats-cluster.js'
import { PrivateNats } from './servers.js'

/**
 * The chaos run's NATS, as the fault injector sees it: one private nats-server, or with
 * `--nats-cluster` a local 3-node cluster (test/support/nats-cluster.ts) whose streams Baton
 * creates with 3 replicas. A fault names its server by index (`victim`): always 0 for the single
 * server, 0–2 for n1–n3. The plan never has two NATS faults on at once, so a cluster loses at
 * most one node at a time and keeps its quorum.
 */
export interface ChaosNats {
  /** BATON_NATS_URL of the run's processes (every node of a cluster). */
  readonly url: string
  /** How many servers a fault can pick from. */
  readonly size: number
  /** Extra environment of the run's processes (`BATON_STREAM_REPLICAS=3` on a cluster). */
  readonly env: Readonly<Record<string, string>>
  /** Where it runs, for the progress log. */
  readonly description: string
  /** A server's name in fault records: `nats-server`, or `nats-n1`… */
  name(victim: number): string
  /** SIGKILL, or SIGTERM (a graceful stop), and waits for the exit. */
  stopServer(victim: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>
  /** Starts a stopped server again on its port and store (returns at once). */
  startServer(victim: number): void
  /** SIGSTOP or SIGCONT. */
  signal(victim: number, sig: 'SIGSTOP' | 'SIGCONT'): void
  /** After the faults: every server running, none paused, JetStream answering. */
  restoreAll(): Promise<void>
  /** Stops for good (the stores stay in the run's work directory). */
  stop(): Promise<void>
}

/** Starts the run's NATS in `dir`: one server, or a 3-node cluster. */
export async function startChaosNats(dir: string, cluster: boolean): Promise<ChaosNats> {
  return cluster ? clusterNats(await NatsCluster.start({ dir: join(dir, 'nats-cluster') })) : singleNats(await PrivateNats.start(dir))
}

async function stopChild(c: ChildProcess | undefined, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return
  const exited = new Promise((r) => c.once('exit', r))
  c.kill('SIGCONT')
  c.kill(signal)
  await exited
}

function singleNats(n: PrivateNats): ChaosNats {
  return {
    url: n.url,
    size: 1,
    env: {},
    description: `nats ${n.url} (store ${n.storeDir})`,
    name: () => 'nats-server',
    stopServer: (_victim, signal) => stopChild(n.child, signal),
    startServer: () => n.spawn(),
    signal: (_victim, sig) => n.signal(sig),
    async restoreAll() {
      n.signal('SIGCONT')
      if (!n.child || n.child.exitCode !== null || n.child.signalCode !== null) n.spawn()
      await n.waitUp()
    },
    stop: () => n.stop(),
  }
}

function clusterNats(c: NatsCluster): ChaosNats {
  const node = (victim: number) => NODE_NAMES[victim % NODE_NAMES.length]!
  return {
    url: c.urls,
    size: NODE_NAMES.length,
    env: { BATON_STREAM_REPLICAS: '3' },
    description: `a 3-node NATS cluster ${c.urls} (stores and logs in ${c.dir})`,
    name: (victim) => `nats-${node(victim)}`,
    stopServer: (victim, signal) => c.kill(node(victim), signal),
    startServer: (victim) => c.spawnNode(node(victim)),
    signal: (victim, sig) => void c.kill(node(victim), sig),
    async restoreAll() {
      for (const n of c.nodes) {
        if (n.alive) await c.kill(n.name, 'SIGCONT')
        else c.spawnNode(n.name)
      }
      await c.waitReady(60_000)
    },
    stop: () => c.stop(),
  }
}
