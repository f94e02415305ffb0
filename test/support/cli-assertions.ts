import assert from 'node:assert/strict'
import { runBaton } from './processes.js'

/** What a `baton` command printed, and its exit code. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** A run id as the CLI prints it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** A stack trace line: never shown to a user. */
export const STACK = /\n\s+at /

/** Runs a `baton` command that must succeed with `--json` and parses its stdout. */
export async function batonJson<T>(env: Record<string, string>, args: readonly string[]): Promise<T> {
  const r = await runBaton([...args, '--json'], env)
  assert.equal(r.code, 0, `baton ${args.join(' ')} failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** A user mistake (or failure) reported as exactly one `error:` line on stderr, no stack trace, nothing on stdout. */
export function assertOneErrorLine(r: CliResult, pattern: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.doesNotMatch(r.stderr, STACK)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`)
  assert.match(lines[0]!, /^error: /)
  assert.match(lines[0]!, pattern)
}

/** `baton trigger ARGS` without --wait: stdout is just the run id, returned. */
export async function triggerId(env: Record<string, string>, args: readonly string[]): Promise<string> {
  const r = await runBaton(['trigger', ...args], env)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^[0-9a-f-]{36}\n$/, 'stdout is just the run id')
  const id = r.stdout.trim()
  assert.match(id, UUID)
  return id
}
