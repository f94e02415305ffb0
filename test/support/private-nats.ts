import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { trackServer } from './leak-check.js'
import { spawnTracked } from './processes.js'

/**
 * A private nats-server on its own port and store, for tests that stop and restart NATS
 * without touching the shared server other test files use.
 */

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/** The nats-server executable: Debian's package installs it outside a normal user's PATH. */
export function natsServerBin(): string {
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server'
}

/** Starts `nats-server -js` on 127.0.0.1:port with its store in storeDir (the leak check watches both the process and connections to it). */
export function startNats(port: number, storeDir: string): ChildProcess {
  trackServer(`nats://127.0.0.1:${port}`, 'NATS')
  return spawnTracked(natsServerBin(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore', label: `private nats-server on port ${port}` })
}

/** SIGKILLs a child process and waits for it to exit. */
export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((resolve) => p.once('exit', resolve))
  p.kill('SIGKILL')
  await exited
}

/**
 * A private nats-server on a free port with a store directory of its own, which a test stops
 * (SIGKILL, the store kept) and starts again on the same port and store.
 */
export class PrivateNats {
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private child: ChildProcess,
  ) {}

  /** Starts one (it may still be coming up: connect with retries). */
  static async start(): Promise<PrivateNats> {
    const port = await freePort()
    const storeDir = mkdtempSync(join(tmpdir(), 'baton-nats-'))
    return new PrivateNats(port, storeDir, startNats(port, storeDir))
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }

  /** SIGKILLs the server; its store stays for `restart`. */
  async stop(): Promise<void> {
    await stopProcess(this.child)
  }

  /** Starts the server again on the same port and store. */
  restart(): void {
    this.child = startNats(this.port, this.storeDir)
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.storeDir, { recursive: true, force: true })
  }
}
