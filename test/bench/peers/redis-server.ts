// BullMQ's own Redis: a private redis-server on a free loopback port, durable like the
// Postgres-backed peers (every write fsynced to the append-only file before it is acknowledged),
// never the machine's Redis on 6379.
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnTracked, stopProcess } from './children.js'

/** A running private redis-server. */
export interface PrivateRedis {
  readonly port: number
  readonly pid: number
  /** The redis-server flags that make it durable, for the output. */
  readonly flags: readonly string[]
  /** Stops the server and removes its directory. */
  stop(): Promise<void>
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((r) => server.close(r))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/** Starts redis-server (BENCH_PEERS_REDIS_SERVER or `redis-server` on PATH) with AOF `appendfsync always`. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-redis-'))
  const port = await freePort()
  // appendfsync always: a write is on disk before Redis answers it (as a Postgres commit is);
  // --save '': no RDB snapshots besides the AOF, so no background save races the measurement.
  const flags = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
  const bin = process.env.BENCH_PEERS_REDIS_SERVER ?? 'redis-server'
  const child = spawnTracked(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...flags, '--daemonize', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 2],
  }, 'server')
  // Even an exit that skips stop() (a crash) leaves no directory behind.
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  const stop = async () => {
    await stopProcess(child)
    removeDir()
  }
  try {
    // With --loglevel warning it prints little; readiness is a PING answered on the port.
    const deadline = Date.now() + 15_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}) before answering`)
      if (await pingOk(port)) break
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 15 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  } catch (e) {
    await stop()
    throw e
  }
  child.stdout?.resume()
  return { port, pid: child.pid!, flags: [...flags.slice(0, 4), '--save', "''"], stop }
}

/** Whether something on the port answers a RESP PING with +PONG. */
function pingOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')))
  })
}
