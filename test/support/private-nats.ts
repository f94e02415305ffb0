import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
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

/** Starts `nats-server -js` on 127.0.0.1:port with its store in storeDir (the leak check watches both the process and connections to it). */
export function startNats(port: number, storeDir: string): ChildProcess {
  const bin = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server'
  trackServer(`nats://127.0.0.1:${port}`, 'NATS')
  return spawnTracked(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore', label: `private nats-server on port ${port}` })
}

/** SIGKILLs a child process and waits for it to exit. */
export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((resolve) => p.once('exit', resolve))
  p.kill('SIGKILL')
  await exited
}
