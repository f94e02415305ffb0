import { spawnSync } from 'node:child_process'
import type { Finding } from './findings.js'

const RULES = 'baton-alerts.yaml'
const TESTS = 'baton-alerts.test.yaml'

/** The line `make deploy-check` prints instead of running the step on a machine without promtool. */
export const PROMTOOL_MISSING = 'alert rule unit tests skipped: promtool is not installed (on Debian, `apt-get install prometheus` gives /usr/bin/promtool)'

/** The version of the `promtool` on PATH (`2.42.0+ds`), or undefined when there is none. */
export function promtoolVersion(): string | undefined {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown version'
}

/**
 * Prometheus's own checks of the alert rules in `dir`: `promtool check rules` (expressions and
 * annotation templates), then `promtool test rules` on the unit tests beside them, which give for
 * every alert a situation where it fires and nearby ones where it stays silent. A failing test
 * case is one finding naming its alert and the evaluation time. Needs promtool on PATH
 * (promtoolVersion()): it is not a project dependency. `where` is how findings name `dir`.
 */
export function checkAlertRules(dir: string, where: string): Finding[] {
  const check = promtool(['check', 'rules', RULES], dir)
  if (!check.ok) return checkFindings(check.output, `${where}/${RULES}`)
  // The unit tests load the same file: with check failures they would only repeat them.
  const test = promtool(['test', 'rules', TESTS], dir)
  return test.ok ? [] : testFindings(test.output, `${where}/${TESTS}`)
}

function promtool(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 })
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` }
}

/** `check rules` names the rule on each error line: `file: 12:3: group "g", rule 1, "Alert": message`. */
function checkFindings(output: string, where: string): Finding[] {
  const findings: Finding[] = []
  for (const line of output.split('\n')) {
    const m = /group "[^"]*", rule \d+, "([^"]+)": (.*)$/.exec(line)
    if (m) findings.push({ where, object: `alert ${m[1]}`, rule: 'alert-rules', message: m[2]! })
  }
  return findings.length ? findings : [{ where, object: RULES, rule: 'alert-rules', message: oneLine(output) }]
}

/**
 * `test rules` prints each failing case as `alertname: A, time: 16m,` then the expected and the
 * actual alerts (`exp:[...]`, `got:[...]`, each alert a `Labels:{...}` and an `Annotations:{...}`
 * line). Anything else it prints (a YAML or loading error) becomes one finding as it is.
 */
function testFindings(output: string, where: string): Finding[] {
  const findings: Finding[] = []
  for (const block of output.split(/\n(?=\s*alertname: )/).slice(1)) {
    const head = /alertname: (\S+), time: ([^,]+),/.exec(block)
    const [exp, got] = block.split(/\n\s*got:/).map(alertsOf)
    if (!head || !exp || !got) continue
    findings.push({ where, object: `alert ${head[1]}`, rule: 'alert-tests', message: `at ${head[2]}: ${difference(exp, got)}` })
  }
  return findings.length ? findings : [{ where, object: TESTS, rule: 'alert-tests', message: oneLine(output) }]
}

interface Alert {
  readonly labels: string
  readonly annotations: Record<string, string>
}

function alertsOf(text: string): Alert[] {
  const alerts: Alert[] = []
  const lines = text.split('\n').map((l) => l.trim())
  lines.forEach((line, i) => {
    if (!line.startsWith('Labels:')) return
    const labels = line.slice('Labels:'.length).replace(/alertname="[^"]*"(, )?/, '')
    const annotations: Record<string, string> = {}
    for (const [, key, value] of (lines[i + 1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) annotations[key!] = unquote(value!)
    alerts.push({ labels, annotations })
  })
  return alerts
}

/** What differs, in one line: which alerts were expected and which fired, or which annotation is not as expected. */
function difference(exp: Alert[], got: Alert[]): string {
  const list = (alerts: Alert[]) => (alerts.length ? alerts.map((a) => a.labels).join(' and ') : 'no alert')
  if (list(exp) !== list(got)) return `expected ${list(exp)}, got ${list(got)}`
  for (const [i, e] of exp.entries()) {
    for (const key of new Set([...Object.keys(e.annotations), ...Object.keys(got[i]!.annotations)])) {
      if (e.annotations[key] !== got[i]!.annotations[key]) return `${e.labels}: ${key} is ${JSON.stringify(got[i]!.annotations[key] ?? null)}, expected ${JSON.stringify(e.annotations[key] ?? null)}`
    }
  }
  return `expected ${list(exp)}, got ${list(got)}`
}

/** A value as Go's %q wrote it; left as written when JSON cannot read it (a `\x` escape). */
function unquote(value: string): string {
  try {
    return JSON.parse(`"${value}"`) as string
  } catch {
    return value
  }
}

function oneLine(output: string): string {
  return output.split('\n').map((l) => l.trim()).filter((l) => l && !/^(Checking|Unit Testing:|FAILED:?$)/.test(l)).slice(0, 3).join(' ') || 'promtool failed without a message'
}
