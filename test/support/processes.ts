import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Path of the `baton` executable in this repository. */
export const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

/** A `baton` child process with its captured output. */
export interface BatonProcess {
  readonly child: ChildProcess
  output(): string
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>
  /** SIGKILL, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Starts `baton ARGS…` with the given environment; output is captured for diagnostics. */
export function startBaton(args: readonly string[], env: Record<string, string>): BatonProcess {
  const child = spawn(process.execPath, [BATON_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1)))
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
  const child = spawn(process.execPath, [BATON_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(input ?? '')
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)))
  return { code, stdout, stderr }
}

/** Starts `baton coordinator` in a namespace and remembers it in `into` (kill them all in `after`). */
export function startCoordinatorProcess(env: Record<string, string>, into: BatonProcess[]): BatonProcess {
  const p = startBaton(['coordinator'], env)
  into.push(p)
  return p
}
