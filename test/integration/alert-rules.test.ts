import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { parse as parseYaml } from 'yaml'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { newId, publishJson, setPool, type BatonConfig } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { parseMetrics } from '../support/metrics-scrape.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The alert rules shipped in deploy/observability/baton-alerts.yaml against what Baton really
// exports: a coordinator and a worker (in-process, one metrics endpoint, the coordinator first so
// the endpoint is the coordinator's) run what makes every family the rules use appear — a
// retried task and its downstream, a schedule-to-start timeout, junk events and a junk command —
// and the scrape is the list of metric names, labels and label values a rule may name. Each rule
// must parse as PromQL, have its severity, summary, description, `for` and a runbook_url whose
// anchor is a heading of docs/operations.md. No Prometheus needed; a failure names the rule.

/** A node of a parsed expression. */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode']

const ROOT = new URL('../../', import.meta.url)
const RULES_FILE = 'deploy/observability/baton-alerts.yaml'
const RUNBOOK_FILE = 'docs/operations.md'

/** Labels Prometheus (or Prometheus Operator) attaches to every series of a target. */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'container', 'service', 'endpoint'])
/** Series Prometheus makes itself for every target. */
const PROMETHEUS_SERIES: Readonly<Record<string, readonly string[]>> = { up: [] }
/**
 * Label values Baton records that this test cannot provoke from outside, by metric and label
 * (the reason is on each line). A rule may name them; any other value must have been scraped.
 */
const UNPROVOKED_VALUES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  // An event that fails to apply five times: a bug or data the code cannot handle.
  baton_dead_letters_total: { reason_kind: ['apply_failed'] },
  // JetStream refusing a worker's `started` while the worker still runs.
  baton_worker_attempts_total: { outcome: ['not_started'] },
}
const SEVERITIES = new Set(['critical', 'warning', 'info'])
/** Functions whose argument is a range vector; the first group also needs a counter. */
const COUNTER_RANGE_FUNCTIONS = new Set(['rate', 'irate', 'increase'])
const RANGE_FUNCTIONS = new Set([...COUNTER_RANGE_FUNCTIONS, 'resets', 'delta', 'idelta', 'deriv', 'predict_linear', 'changes', 'absent_over_time', 'present_over_time', 'holt_winters'])

/** What a scrape says about each series name: its type (from `# TYPE`) and its labels' values. */
interface Exported {
  readonly type: string
  readonly labels: Map<string, Set<string>>
}

let ns: TestNamespace
let config: BatonConfig
let coordinator: Coordinator
let worker: Worker
/** The owners' alert receiver: refuses its first send (503), accepts the rest. */
let receiver: Server
let routesDir: string

before(async () => {
  let sends = 0
  receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(sends++ === 0 ? 503 : 200).end())
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  routesDir = await mkdtemp(join(tmpdir(), 'baton-alert-rules-'))
  const alertRoutesPath = join(routesDir, 'alerts.yaml')
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`
  await writeFile(alertRoutesPath, `channels:\n  ops-hook: { type: webhook, url: "${url}" }\nowners:\n  default: [ops-hook]\n`)
  ns = await createTestNamespace('alert-rules')
  config = { ...ns.config, metricsPort: await freePort(), alertRoutesPath }
  coordinator = await startCoordinator({ config, timerIntervalMs: 50, alertIntervalMs: 100 })
  worker = await startWorker({
    config,
    nc: ns.nc,
    queue: 'alerted',
    handlers: {
      flaky: async (ctx: { attempt: number }) => {
        if (ctx.attempt === 1) throw new Error('first attempt fails')
        return { attempt: ctx.attempt }
      },
      done: async () => ({ ok: true }),
    },
  })
})
after(async () => {
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  const closed = new Promise((r) => receiver.close(r))
  receiver.closeAllConnections()
  await closed
  await rm(routesDir, { recursive: true, force: true })
  await assertNoLeaks()
})

/** Scrapes the endpoint: every series name with its type and the values seen per label. */
async function scrapeExported(): Promise<Map<string, Exported>> {
  const res = await fetch(`http://127.0.0.1:${config.metricsPort}/metrics`)
  assert.equal(res.status, 200)
  const text = await res.text()
  const types = new Map<string, string>()
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!)
  const out = new Map<string, Exported>()
  for (const s of parseMetrics(text)) {
    const family = types.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, '')
    const e = out.get(s.name) ?? { type: types.get(family) ?? 'untyped', labels: new Map<string, Set<string>>() }
    for (const [k, v] of Object.entries(s.labels)) e.labels.set(k, (e.labels.get(k) ?? new Set()).add(v))
    out.set(s.name, e)
  }
  return out
}

/** Makes Baton record what the rules read, and returns the scrape once all of it is there. */
async function exercise(): Promise<Map<string, Exported>> {
  // A retried task and its downstream on a served queue: attempts failed and succeeded, a hand-off,
  // schedule-to-start, event batches, the worker's attempts.
  await deploy(ns, { name: 'chain', defaults: { queue: 'alerted' }, tasks: { flaky: { retry: { attempts: 3, backoff: '50ms', jitter: false } }, done: { after: ['flaky'] } } })
  assert.equal((await waitForRun(ns, await trigger(ns, 'chain'))).status, 'succeeded')
  // A task no worker takes, with a schedule-to-start timeout: an attempt `timed_out`, and the
  // run's failure alerts the default owner, whose receiver refuses the first send.
  await deploy(ns, { name: 'stalled', defaults: { queue: 'unserved' }, tasks: { waits: { timeout: { scheduleToStart: '1s' }, retry: { attempts: 1 } } } })
  assert.equal((await waitForRun(ns, await trigger(ns, 'stalled'))).status, 'failed')
  // A pool: its gauges are sampled for every pool, used or not.
  await setPool(ns.db, { name: 'gauged', slots: 1 }, 'alert-rules test')
  // Dead letters: malformed JSON, an unknown workflow, a result for a run that does not exist.
  await ns.js.publish(ns.subjects.runRequested, new TextEncoder().encode('{not json'), { msgID: newId() })
  const request = newId()
  await publishJson(ns.js, ns.subjects.runRequested, request, { id: request, workflow: 'never_deployed' })
  const event = newId()
  const ghostRun = randomUUID()
  await publishJson(ns.js, ns.subjects.task(ghostRun), event, { id: event, runId: ghostRun, taskId: 'ghost', attempt: 1, type: 'succeeded', workerId: 'w', output: null })
  // A command the worker cannot decode.
  await ns.js.publish(ns.subjects.command('alerted'), new TextEncoder().encode('not a command'), { msgID: newId() })

  const wanted: [name: string, labels: Record<string, string>][] = [
    ['baton_task_attempts_total', { outcome: 'timed_out' }],
    ['baton_handoff_latency_seconds_bucket', {}],
    ['baton_schedule_to_start_seconds_bucket', {}],
    ['baton_event_batch_size_count', {}],
    ['baton_worker_attempts_total', { outcome: 'succeeded' }],
    ['baton_worker_invalid_commands_total', {}],
    ['baton_queue_depth', { queue: 'unserved' }],
    ['baton_outbox_backlog', {}],
    ['baton_outbox_oldest_seconds', {}],
    ['baton_timer_lag_seconds', {}],
    ['baton_events_waiting', {}],
    ['baton_pool_oldest_wait_seconds', { pool: 'gauged' }],
    ['nodejs_eventloop_delay_p99', {}],
    ['baton_alert_deliveries_total', { outcome: 'failed' }],
    ['baton_alert_deliveries_total', { outcome: 'delivered' }],
    ...['invalid_message', 'rejected', 'unknown_run'].map((kind): [string, Record<string, string>] => ['baton_dead_letters_total', { reason_kind: kind }]),
  ]
  let missing = wanted
  try {
    return await eventually(async () => {
      const exported = await scrapeExported()
      missing = wanted.filter(([name, labels]) => {
        const e = exported.get(name)
        return !e || !Object.entries(labels).every(([k, v]) => e.labels.get(k)?.has(v))
      })
      return missing.length === 0 && exported
    }, 'every family the test provokes to be scraped')
  } catch (e) {
    throw new Error(`never scraped: ${missing.map(([name, labels]) => `${name}${JSON.stringify(labels)}`).join(', ')}`, { cause: e })
  }
}

/** GitHub's anchor of a Markdown heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** Every child of `node`. */
function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c)
  return out
}

/** Every node of the tree under `node` (itself included). */
function descendants(node: SyntaxNode): SyntaxNode[] {
  return [node, ...children(node).flatMap(descendants)]
}

/** The literal values a matcher names: its string, or each alternative of a regex made only of literals. */
function literalValues(op: string, value: string): string[] | undefined {
  if (op === '=' || op === '!=') return [value]
  return /^[A-Za-z0-9_:-]+(\|[A-Za-z0-9_:-]+)*$/.test(value) ? value.split('|') : undefined
}

/** What is wrong with one rule's expression, each a sentence. */
function expressionProblems(expr: string, exported: Map<string, Exported>): string[] {
  const problems: string[] = []
  const root = parser.parse(expr).topNode
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to)
  for (const n of descendants(root)) {
    if (n.type.isError) problems.push(`does not parse as PromQL at offset ${n.from}: …${expr.slice(Math.max(0, n.from - 20), n.from + 20).replace(/\s+/g, ' ')}…`)
  }
  if (problems.length > 0) return problems

  const known = (name: string) => exported.has(name) || name in PROMETHEUS_SERIES
  const labelsOf = (name: string): Set<string> => new Set([...(exported.get(name)?.labels.keys() ?? [])])
  const selected: string[] = []
  for (const sel of descendants(root).filter((n) => n.name === 'VectorSelector')) {
    const matchers = descendants(sel).filter((n) => n.name === 'UnquotedLabelMatcher' || n.name === 'QuotedLabelMatcher')
    const parts = (m: SyntaxNode) => {
      const c = children(m)
      const label = c.find((x) => x.name === 'LabelName' || x.name === 'QuotedLabelName')
      const op = c.find((x) => x.name === 'MatchOp')
      const value = c.find((x) => x.name === 'StringLiteral')
      return { label: label ? text(label).replace(/^"|"$/g, '') : '', op: op ? text(op) : '', value: value ? JSON.parse(text(value).replace(/^'|'$/g, '"')) as string : '' }
    }
    const identifier = children(sel).find((x) => x.name === 'Identifier')
    const byName = matchers.map(parts).find((p) => p.label === '__name__' && p.op === '=')
    const name = identifier ? text(identifier) : byName?.value
    if (!name) {
      problems.push(`selects ${text(sel)} without a metric name`)
      continue
    }
    selected.push(name)
    if (!known(name)) {
      problems.push(`names metric ${name}, which Baton does not export (exported: ${[...exported.keys()].sort().join(', ')})`)
      continue
    }
    for (const m of matchers.map(parts)) {
      if (m.label === '__name__' || TARGET_LABELS.has(m.label)) continue
      if (!labelsOf(name).has(m.label)) {
        problems.push(`matches label ${m.label} on ${name}, which has only ${[...labelsOf(name)].sort().join(', ') || 'no labels'}`)
        continue
      }
      const values = literalValues(m.op, m.value)
      const seen = exported.get(name)!.labels.get(m.label)!
      const allowed = new Set([...seen, ...(UNPROVOKED_VALUES[name]?.[m.label] ?? [])])
      for (const v of values ?? []) if (!allowed.has(v)) problems.push(`matches ${name}{${m.label}${m.op}"${m.value}"}, but Baton records no ${m.label} "${v}" (seen: ${[...allowed].sort().join(', ')})`)
    }
  }
  // Grouping (by, without, on, ignoring): a label some selected series has, or a target's.
  const groupable = new Set([...TARGET_LABELS, ...selected.flatMap((n) => [...labelsOf(n)])])
  for (const g of descendants(root).filter((n) => n.name === 'GroupingLabels')) {
    for (const l of children(g).filter((c) => c.name === 'LabelName')) if (!groupable.has(text(l))) problems.push(`groups by label ${text(l)}, which none of ${[...new Set(selected)].join(', ')} has`)
  }
  // Range functions take a range vector; rate, increase and the like a counter.
  for (const call of descendants(root).filter((n) => n.name === 'FunctionCall')) {
    const fn = text(children(call).find((c) => c.name === 'FunctionIdentifier')!)
    if (!RANGE_FUNCTIONS.has(fn) && !fn.endsWith('_over_time')) continue
    const body = children(call).find((c) => c.name === 'FunctionCallBody')
    const args = body ? children(body) : []
    const arg = fn === 'predict_linear' || fn === 'holt_winters' ? args[0] : args.at(-1)
    const inner = arg && (arg.name === 'OffsetExpr' || arg.name === 'StepInvariantExpr') ? arg.firstChild : arg
    if (!inner || (inner.name !== 'MatrixSelector' && inner.name !== 'SubqueryExpr')) {
      problems.push(`calls ${fn}() on ${arg ? text(arg) : 'nothing'}, which is not a range vector`)
      continue
    }
    if (COUNTER_RANGE_FUNCTIONS.has(fn) && inner.name === 'MatrixSelector') {
      const id = descendants(inner).find((c) => c.name === 'Identifier')
      const metric = id ? text(id) : undefined
      const e = metric ? exported.get(metric) : undefined
      if (e && e.type !== 'counter' && !(e.type === 'histogram' && /_(bucket|count|sum)$/.test(metric!))) problems.push(`calls ${fn}() on ${metric}, a ${e.type}, not a counter`)
    }
  }
  return problems
}

test('every alert rule parses, names only what Baton exports, and has its severity, texts, for and runbook', { timeout: 120_000 }, async () => {
  const exported = await exercise()
  const doc = parseYaml(await readFile(new URL(RULES_FILE, ROOT), 'utf8')) as { groups?: { name?: string; rules?: Record<string, unknown>[] }[] }
  const headings = new Set([...(await readFile(new URL(RUNBOOK_FILE, ROOT), 'utf8')).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))

  assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0, `${RULES_FILE} has no groups`)
  const problems: string[] = []
  const names = new Set<string>()
  const anchors = new Map<string, string>()
  let alerts = 0
  for (const group of doc.groups) {
    if (!group.name) problems.push(`a group has no name`)
    if (!Array.isArray(group.rules) || group.rules.length === 0) problems.push(`group ${group.name}: no rules`)
    for (const rule of group.rules ?? []) {
      const name = typeof rule.alert === 'string' ? rule.alert : undefined
      const say = (reason: string) => problems.push(`rule ${name ?? `#${(group.rules ?? []).indexOf(rule) + 1} of group ${group.name}`}: ${reason}`)
      if (!name) {
        say('is not an alerting rule (no `alert`)')
        continue
      }
      alerts++
      if (names.has(name)) say('its name is used twice')
      names.add(name)
      const labels = (rule.labels ?? {}) as Record<string, unknown>
      const annotations = (rule.annotations ?? {}) as Record<string, unknown>
      if (typeof labels.severity !== 'string' || !SEVERITIES.has(labels.severity)) say(`severity is ${JSON.stringify(labels.severity)}, not one of ${[...SEVERITIES].join(', ')}`)
      for (const a of ['summary', 'description']) if (typeof annotations[a] !== 'string' || (annotations[a] as string).trim() === '') say(`has no ${a} annotation`)
      if (typeof rule.for !== 'string' || !/^(\d+(ms|s|m|h|d|w|y))+$/.test(rule.for)) say(`\`for\` is ${JSON.stringify(rule.for)}, not a Prometheus duration (write 0m to fire at once)`)
      const url = annotations.runbook_url
      const anchor = typeof url === 'string' ? /^(?:.*\/)?docs\/operations\.md#(.+)$/.exec(url)?.[1] : undefined
      if (!anchor) say(`runbook_url is ${JSON.stringify(url)}, not a link to a heading of ${RUNBOOK_FILE}`)
      else if (!headings.has(anchor)) say(`runbook_url points at #${anchor}, which is no heading of ${RUNBOOK_FILE}`)
      else if (anchors.has(anchor)) say(`runbook_url #${anchor} is ${anchors.get(anchor)}'s too: each alert has its own runbook entry`)
      else anchors.set(anchor, name)
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '') say('has no expr')
      else for (const p of expressionProblems(rule.expr, exported)) say(p)
    }
  }
  assert.ok(alerts > 0, `${RULES_FILE} has no alerting rule`)
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`)
})

test('the checks catch what they are for: a bad expression, an unknown metric, label or value, a missing runbook', async () => {
  const exported = new Map<string, Exported>([
    ['baton_queue_depth', { type: 'gauge', labels: new Map([['queue', new Set(['q'])]]) }],
    ['baton_task_attempts_total', { type: 'counter', labels: new Map([['outcome', new Set(['failed'])]]) }],
  ])
  assert.deepEqual(expressionProblems('max by (queue) (baton_queue_depth) > 0', exported), [])
  assert.match(expressionProblems('sum(rate(baton_queue_depth[5m]) by', exported)[0] ?? '', /does not parse as PromQL/)
  assert.match(expressionProblems('baton_queue_lenght > 0', exported)[0] ?? '', /names metric baton_queue_lenght, which Baton does not export/)
  assert.match(expressionProblems('baton_queue_depth{queeu="x"}', exported)[0] ?? '', /matches label queeu on baton_queue_depth/)
  assert.match(expressionProblems('baton_task_attempts_total{outcome=~"failed|timedout"}', exported)[0] ?? '', /records no outcome "timedout"/)
  assert.match(expressionProblems('sum by (workflow) (baton_queue_depth)', exported)[0] ?? '', /groups by label workflow/)
  assert.match(expressionProblems('rate(baton_queue_depth[5m])', exported)[0] ?? '', /a gauge, not a counter/)
  assert.match(expressionProblems('increase(baton_task_attempts_total)', exported)[0] ?? '', /not a range vector/)
  assert.equal(slug('### BatonNoCoordinator'.replace(/^#+ /, '')), 'batonnocoordinator')
  assert.equal(slug('Backups and disaster recovery'), 'backups-and-disaster-recovery')
})
