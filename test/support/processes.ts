import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { trackChild } from './leak-check.js'

/** Path of the `baton` executable in this repository. */
export const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

/**
 * `spawn`, with the child remembered by the leak check (leak-check.ts) until it exits: every
 * process a test starts goes through here, so one left running fails its file. A `detached`
 * child leads a process group of its own; the whole group is checked.
 */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions & { label?: string } = {}): ChildProcess {
  const { label, ...spawnOptions } = options
  const child = spawn(command, args, spawnOptions)
  trackChild(child, label ?? [command, ...args].join(' '), { group: spawnOptions.detached === true })
  return child
}

/**
 * The child's exit code (or signal name), once its stdout and stderr are read to the end: Node
 * may emit 'exit' before the last chunk a process wrote just before exiting has been read, so a
 * test reading the output on 'exit' could miss it. A grandchild still holding the pipes must not
 * hang the caller, so the wait for 'close' after 'exit' is capped at 2 s.
 */
export function exitWithOutput(child: ChildProcess): Promise<number | string> {
  const closed = new Promise<void>((r) => child.once('close', () => r()))
  return new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      const result = code ?? signal ?? -1
      const timer = setTimeout(() => resolve(result), 2000)
      void closed.then(() => {
        clearTimeout(timer)
        resolve(result)
      })
    })
  })
}

/** A `baton` child process with its captured output. */
export interface BatonProcess {
  readonly child: ChildProcess
  output(): string
  /** Resolves with the exit code (or signal name), once the output is read to the end. */
  readonly exited: Promise<number | string>
  /** SIGKILL, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Starts `baton ARGS…` with the given environment; output is captured for diagnostics. */
export function startBaton(args: readonly string[], env: Record<string, string>): BatonProcess {
  const child = spawnTracked(process.execPath, [BATON_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], label: `baton ${args.join(' ')}` })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = exitWithOutput(child)
  return {
    child,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

/** Runs `baton ARGS…` to completion: exit code, stdout, stderr. */
export async function runBaton(args: readonly string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnTracked(process.execPath, [BATON_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], label: `baton ${args.join(' ')}` })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin!.end(input ?? '')
  // 'close': the exit and every byte of stdout and stderr (and the pipes closed).
  const code = await new Promise<number>((r) => child.once('close', (c) => r(c ?? 1)))
  return { code, stdout, stderr }
}

/** Starts `baton coordinator` in a namespace and remembers it in `into` (kill them all in `after`). */
export function startCoordinatorProcess(env: Record<string, string>, into: BatonProcess[]): BatonProcess {
  const p = startBaton(['coordinator'], env)
  into.push(p)
  return p
}

/** SIGTERM (services finish what they hold), then SIGKILL if the process is still there after `graceMs`. */
export async function stopGracefully(p: BatonProcess, graceMs = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)))
  const outcome = await Promise.race([p.kill('SIGTERM').then(() => 'exited' as const), late])
  clearTimeout(timer)
  if (outcome === 'late') await p.kill('SIGKILL')
}

/**
 * Two coordinator processes that a test crashes in turn: each time `progress()` reaches the next
 * of `thresholds`, `killInTurn` SIGKILLs the older one and starts a replacement — crashes at
 * arbitrary moments of a workload, with a coordinator always up.
 */
export function coordinatorPair(env: Record<string, string>, into: BatonProcess[]): { killInTurn(progress: () => Promise<number>, thresholds: readonly number[]): Promise<void> } {
  let current = [startCoordinatorProcess(env, into), startCoordinatorProcess(env, into)]
  return {
    async killInTurn(progress, thresholds) {
      for (const at of thresholds) {
        const deadline = Date.now() + 60_000
        while ((await progress()) < at) {
          if (Date.now() > deadline) throw new Error(`progress did not reach ${at} within 60 s`)
          await new Promise((r) => setTimeout(r, 25))
        }
        await current[0]!.kill('SIGKILL')
        current = [current[1]!, startCoordinatorProcess(env, into)]
      }
    },
  }
}
