import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JetStreamManager } from '@baton/shared'
import { trackServer } from './leak-check.js'
import { freePort, natsServerBin } from './private-nats.js'
import { spawnTracked } from './processes.js'

/**
 * A local 3-node JetStream cluster (nats-server processes n1, n2, n3 on free loopback ports,
 * routes between them, one store directory each), for tests and the chaos harness that lose one
 * node at a time. Flags only, no config file: nats-server 2.9 refuses `jetstream { sync_interval }`
 * (`unknown field`; it arrived in 2.10), and nothing else here needs a file. Every process goes
 * through spawnTracked, so the leak check sees one left running.
 */

/** Names of the cluster's servers (`server_name`, what stream info reports as a leader). */
export const NODE_NAMES = ['n1', 'n2', 'n3'] as const
/** One server of the cluster by name. */
export type NodeName = (typeof NODE_NAMES)[number]

/** One server: its ports, store and log, and its current process. */
export interface ClusterNode {
  readonly name: NodeName
  /** Client URL (`nats://127.0.0.1:<port>`). */
  readonly url: string
  readonly port: number
  readonly clusterPort: number
  /** HTTP monitoring port (`/jsz`). */
  readonly monitorPort: number
  readonly storeDir: string
  readonly logFile: string
  readonly child: ChildProcess | undefined
  /** Whether its process is running (a SIGSTOPped one counts as running). */
  readonly alive: boolean
}

class Node implements ClusterNode {
  child: ChildProcess | undefined
  constructor(
    readonly name: NodeName,
    readonly port: number,
    readonly clusterPort: number,
    readonly monitorPort: number,
    readonly storeDir: string,
    readonly logFile: string,
  ) {}
  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }
  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A running 3-node cluster; `stop()` leaves no process (and, unless the caller owns `dir`, no directory). */
export class NatsCluster {
  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly clusterName: string,
    private readonly all: readonly Node[],
  ) {}

  /**
   * Starts the three servers and resolves once every one of them knows the JetStream meta
   * leader. `dir` holds the stores and logs (a new temporary directory, removed by `stop()`,
   * when not given).
   */
  static async start(options: { dir?: string; timeoutMs?: number } = {}): Promise<NatsCluster> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'baton-nats-cluster-'))
    const nodes: Node[] = []
    for (const name of NODE_NAMES) {
      const storeDir = join(dir, `${name}-store`)
      mkdirSync(storeDir, { recursive: true })
      nodes.push(new Node(name, await freePort(), await freePort(), await freePort(), storeDir, join(dir, `${name}.log`)))
    }
    const cluster = new NatsCluster(dir, options.dir === undefined, `baton_${nodes[0]!.port}`, nodes)
    for (const n of nodes) trackServer(n.url, 'NATS')
    try {
      for (const n of nodes) cluster.spawn(n)
      await cluster.waitReady(options.timeoutMs)
    } catch (e) {
      // The directory stays: its logs say why (the error names it).
      await cluster.stop({ keep: true })
      throw e
    }
    return cluster
  }

  /** The servers, n1 to n3. */
  get nodes(): readonly ClusterNode[] {
    return this.all
  }

  /** Every server's client URL, comma separated: what BATON_NATS_URL takes. */
  get urls(): string {
    return this.all.map((n) => n.url).join(',')
  }

  /** A server by name. */
  node(name: NodeName): ClusterNode {
    return this.all.find((n) => n.name === name)!
  }

  private spawn(n: Node): void {
    const routes = this.all.filter((o) => o !== n).map((o) => `nats://127.0.0.1:${o.clusterPort}`).join(',')
    n.child = spawnTracked(
      natsServerBin(),
      ['-js', '-sd', n.storeDir, '-a', '127.0.0.1', '-p', String(n.port), '-m', String(n.monitorPort), '-n', n.name, '--cluster_name', this.clusterName, '--cluster', `nats://127.0.0.1:${n.clusterPort}`, '--routes', routes, '-l', n.logFile],
      { stdio: 'ignore', label: `nats-server ${n.name} of cluster ${this.clusterName} (port ${n.port})` },
    )
  }

  /**
   * Sends `signal` to a server (SIGKILL by default); for a signal that ends it, resolves once it
   * has exited. SIGSTOP/SIGCONT pause and resume it.
   */
  async kill(name: NodeName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.all.find((x) => x.name === name)!
    const c = n.child
    if (!c || !n.alive) return
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      c.kill(signal)
      return
    }
    const exited = new Promise((r) => c.once('exit', r))
    // A paused process only acts on SIGKILL: SIGCONT lets it handle a SIGTERM too.
    c.kill('SIGCONT')
    c.kill(signal)
    await exited
  }

  /** Starts a stopped server again (same ports, same store) without waiting for it. */
  spawnNode(name: NodeName): void {
    const n = this.all.find((x) => x.name === name)!
    if (n.alive) throw new Error(`nats-server ${name} is still running`)
    this.spawn(n)
  }

  /** Starts a stopped server again and waits until every running server knows the meta leader. */
  async restart(name: NodeName, timeoutMs = 30_000): Promise<void> {
    this.spawnNode(name)
    await this.waitReady(timeoutMs)
  }

  /** Resolves once every running server reports the same elected JetStream meta leader (its `/jsz`). */
  async waitReady(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let last = 'no answer yet'
    for (;;) {
      const live = this.all.filter((n) => n.alive)
      const leaders = await Promise.all(live.map((n) => metaLeader(n.monitorPort).catch((e: unknown) => `(${(e as Error).message})`)))
      const leader = leaders[0]
      if (leader && NODE_NAMES.includes(leader as NodeName) && leaders.every((l) => l === leader)) return leader
      last = live.map((n, i) => `${n.name}: ${leaders[i] || 'no meta leader'}`).join(', ')
      if (Date.now() > deadline) throw new Error(`the NATS cluster elected no JetStream meta leader within ${timeoutMs} ms (${last}; logs in ${this.dir})`)
      await sleep(200)
    }
  }

  /** The server leading a stream's replicas (`cluster.leader` of its stream info). */
  async streamLeader(jsm: JetStreamManager, stream: string): Promise<NodeName> {
    const leader = (await jsm.streams.info(stream)).cluster?.leader
    if (!leader || !NODE_NAMES.includes(leader as NodeName)) throw new Error(`stream ${stream} has no leader in this cluster (${leader ?? 'none'})`)
    return leader as NodeName
  }

  /**
   * Waits until each stream and each of its durable consumers has a leader and every other
   * replica is current: after a restart, the node has caught up and the cluster can lose another.
   */
  async waitCurrent(jsm: JetStreamManager, streams: readonly string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const lagging: string[] = []
      for (const s of streams) {
        const info = await jsm.streams.info(s).catch(() => undefined)
        lagging.push(...behind(s, info?.config.num_replicas, info?.cluster))
        for await (const c of jsm.consumers.list(s)) {
          if (c.config.durable_name) lagging.push(...behind(`${s}/${c.name}`, c.config.num_replicas || info?.config.num_replicas, c.cluster))
        }
      }
      if (lagging.length === 0) return
      if (Date.now() > deadline) throw new Error(`not current within ${timeoutMs} ms: ${lagging.join('; ')}`)
      await sleep(200)
    }
  }

  /** Kills every server; removes the directory unless the caller gave it (or `keep`). */
  async stop(options: { keep?: boolean } = {}): Promise<void> {
    await Promise.all(this.all.map((n) => this.kill(n.name)))
    if (this.ownsDir && !options.keep) rmSync(this.dir, { recursive: true, force: true })
  }
}

/** `what` when it lacks a leader or one of its `replicas - 1` followers is not current. */
function behind(what: string, replicas: number | undefined, c: { leader?: string; replicas?: { current: boolean; offline?: boolean }[] } | undefined): string[] {
  const want = (replicas ?? 1) - 1
  const current = c?.replicas?.filter((r) => r.current && !r.offline).length ?? 0
  return c?.leader && current >= want ? [] : [`${what} (leader ${c?.leader || 'none'}, ${current}/${want} followers current)`]
}

/**
 * The meta leader a server's monitoring port reports ('' while none is elected). node:http with
 * no agent: the socket closes with the response (fetch would keep one alive past the test).
 */
function metaLeader(monitorPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: monitorPort, path: '/jsz', agent: false, timeout: 2000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => {
        try {
          resolve((JSON.parse(text) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader ?? '')
        } catch (e) {
          reject(e as Error)
        }
      })
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')))
    req.on('error', reject)
  })
}
