import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { parseDuration } from '../duration.js'
import { canonicalJson, compileWorkflow, DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_QUEUE } from './compile.js'
import { isWorkflowSpec, task, workflow } from './dsl.js'
import type { WorkflowDefinitionInput } from './schema.js'

/** Compiles `input`, expecting a DEFINITION_INVALID ValidationError; returns its issues. */
function issuesOf(input: unknown): readonly ValidationIssue[] {
  try {
    compileWorkflow(input)
  } catch (e: unknown) {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`)
    assert.equal(e.code, 'DEFINITION_INVALID')
    assert.equal(e.name, 'ValidationError')
    assert.ok(e.issues.length > 0)
    // The message carries every issue, path first.
    for (const i of e.issues) assert.ok(e.message.includes(i.reason), `message lacks ${i.reason}`)
    return e.issues
  }
  assert.fail('expected compileWorkflow to throw')
}

/** The one issue at `path`. */
function issueAt(issues: readonly ValidationIssue[], path: string): ValidationIssue {
  const found = issues.filter((i) => i.path === path)
  assert.equal(found.length, 1, `expected one issue at ${path}, got ${JSON.stringify(issues)}`)
  return found[0]!
}

const wf = (tasks: WorkflowDefinitionInput['tasks'], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput => ({ name: 'wf', ...extra, tasks })

describe('compileWorkflow: a valid definition', () => {
  test('fills every default', () => {
    const w = compileWorkflow(wf({ a: {} }))
    assert.equal(w.name, 'wf')
    assert.deepEqual(w.tasks.get('a'), {
      id: 'a',
      queue: DEFAULT_QUEUE,
      kind: 'task',
      trigger: 'all_success',
      handler: 'a',
      upstream: [],
      downstream: [],
      retry: { attempts: 1, backoffMs: 10_000, factor: 2, maxBackoffMs: 3_600_000, jitter: 0.2 },
      timeouts: { heartbeatMs: DEFAULT_HEARTBEAT_TIMEOUT_MS },
    })
    assert.equal(DEFAULT_QUEUE, 'default')
    assert.equal(DEFAULT_HEARTBEAT_TIMEOUT_MS, 10_000)
    assert.deepEqual(w.queues, ['default'])
    assert.match(w.hash, /^[0-9a-f]{64}$/)
    assert.ok(Object.isFrozen(w))
  })

  test('resolves task options, then workflow defaults, then built-in defaults', () => {
    const w = compileWorkflow(
      wf(
        {
          a: {},
          b: { queue: 'heavy', owner: 'b-team', handler: 'doB', kind: 'check', trigger: 'all_done', retry: { attempts: 5, backoff: '1s', factor: 3, maxBackoff: '1m', jitter: false }, timeout: '10m' },
          c: { retry: { attempts: 2, jitter: 0.5 }, timeout: { heartbeat: '1m', scheduleToStart: '30s' } },
        },
        { owner: 'wf-owner', defaults: { queue: 'etl', retry: { attempts: 3 }, timeout: '1h' } },
      ),
    )
    const a = w.tasks.get('a')!
    assert.equal(a.queue, 'etl')
    assert.equal(a.owner, 'wf-owner')
    assert.deepEqual(a.retry, { attempts: 3, backoffMs: 10_000, factor: 2, maxBackoffMs: 3_600_000, jitter: 0.2 })
    assert.deepEqual(a.timeouts, { executionMs: 3_600_000, heartbeatMs: 10_000 })

    const b = w.tasks.get('b')!
    assert.deepEqual(
      [b.queue, b.owner, b.handler, b.kind, b.trigger],
      ['heavy', 'b-team', 'doB', 'check', 'all_done'],
    )
    assert.deepEqual(b.retry, { attempts: 5, backoffMs: 1000, factor: 3, maxBackoffMs: 60_000, jitter: 0 })
    assert.deepEqual(b.timeouts, { executionMs: 600_000, heartbeatMs: 10_000 })

    const c = w.tasks.get('c')!
    assert.deepEqual(c.retry, { attempts: 2, backoffMs: 10_000, factor: 2, maxBackoffMs: 3_600_000, jitter: 0.5 })
    assert.deepEqual(c.timeouts, { heartbeatMs: 60_000, scheduleToStartMs: 30_000 })
    assert.deepEqual(w.queues, ['etl', 'heavy'])
  })

  test('records upstream and downstream edges, and the roots', () => {
    const w = compileWorkflow(
      wf({
        extract: {},
        seed: {},
        load: { after: ['extract', 'seed'] },
        build: { after: ['load'] },
        check: { after: ['build'] },
        report: { after: ['build'] },
        notify: { after: ['report'], trigger: 'always' },
      }),
    )
    const edges = Object.fromEntries([...w.tasks].map(([id, t]) => [id, { up: t.upstream, down: t.downstream }]))
    assert.deepEqual(edges, {
      extract: { up: [], down: ['load'] },
      seed: { up: [], down: ['load'] },
      load: { up: ['extract', 'seed'], down: ['build'] },
      build: { up: ['load'], down: ['check', 'report'] },
      check: { up: ['build'], down: [] },
      report: { up: ['build'], down: ['notify'] },
      notify: { up: ['report'], down: [] },
    })
    // `always` tasks start with the run, whatever their upstreams.
    assert.deepEqual(w.roots, ['extract', 'seed', 'notify'])
  })

  test('the hash is stable across key order and over defaults written out', () => {
    const one = compileWorkflow({
      name: 'h',
      owner: 'o',
      tasks: { a: { queue: 'q', retry: { attempts: 2, backoff: '5s' } }, b: { after: ['a'] } },
    })
    const two = compileWorkflow({
      tasks: { b: { after: ['a'], trigger: 'all_success' }, a: { retry: { backoff: '5s', attempts: 2 }, queue: 'q' } },
      owner: 'o',
      name: 'h',
    })
    assert.equal(one.hash, two.hash)
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } }), '{"a":{"c":3,"d":[2,{"x":2,"y":1}]},"b":1}')
  })

  test('the hash changes when the content changes', () => {
    const base = wf({ a: {}, b: { after: ['a'] } })
    const hashes = [
      base,
      wf({ a: {}, b: { after: ['a'] } }, { name: 'other' }),
      wf({ a: { queue: 'q2' }, b: { after: ['a'] } }),
      wf({ a: {}, b: { after: ['a'], trigger: 'all_done' } }),
      wf({ a: {}, b: {} }),
      wf({ a: {}, b: { after: ['a'], timeout: '1m' } }),
      wf({ a: {}, b: { after: ['a'] }, c: {} }),
    ].map((d) => compileWorkflow(d).hash)
    assert.equal(new Set(hashes).size, hashes.length, 'two different definitions share a hash')
  })
})

describe('compileWorkflow: errors name the field and the reason', () => {
  test('a cycle names its tasks in execution order', () => {
    const issues = issuesOf(wf({ a: { after: ['c'] }, b: { after: ['a'] }, c: { after: ['b'] } }))
    assert.deepEqual(issues, [{ path: 'tasks', reason: 'dependency cycle: a → b → c → a' }])
  })

  test('a two-task cycle', () => {
    assert.deepEqual(issuesOf(wf({ a: { after: ['b'] }, b: { after: ['a'] } })), [{ path: 'tasks', reason: 'dependency cycle: a → b → a' }])
  })

  test('a cycle reached from a task outside it names only the cycle', () => {
    const issues = issuesOf(wf({ a: { after: ['x'] }, x: { after: ['z'] }, y: { after: ['x'] }, z: { after: ['y'] } }))
    assert.deepEqual(issues, [{ path: 'tasks', reason: 'dependency cycle: x → y → z → x' }])
  })

  test('an unknown dependency names both tasks', () => {
    const issue = issueAt(issuesOf(wf({ a: {}, b: { after: ['a', 'zzz'] } })), 'tasks.b.after')
    assert.equal(issue.reason, "task 'b' depends on unknown task 'zzz'")
  })

  test('a self-dependency', () => {
    const issue = issueAt(issuesOf(wf({ a: { after: ['a'] } })), 'tasks.a.after')
    assert.equal(issue.reason, "task 'a' cannot depend on itself")
  })

  test('a dependency listed twice', () => {
    const issue = issueAt(issuesOf(wf({ a: {}, b: { after: ['a', 'a'] } })), 'tasks.b.after')
    assert.equal(issue.reason, "task 'b' lists 'a' twice")
  })

  test('a bad duration quotes the text', () => {
    const issue = issueAt(issuesOf(wf({ a: { timeout: '10 minutes' } })), 'tasks.a.timeout')
    assert.match(issue.reason, /^invalid duration "10 minutes"/)
  })

  test('bad durations inside a timeout or retry object name their own field', () => {
    const issues = issuesOf(wf({ a: { timeout: { execution: '5x', scheduleToStart: 'soon' }, retry: { backoff: '1 h', maxBackoff: '2 days' } } }))
    assert.match(issueAt(issues, 'tasks.a.timeout.execution').reason, /"5x"/)
    assert.match(issueAt(issues, 'tasks.a.timeout.scheduleToStart').reason, /"soon"/)
    assert.match(issueAt(issues, 'tasks.a.retry.backoff').reason, /"1 h"/)
    assert.match(issueAt(issues, 'tasks.a.retry.maxBackoff').reason, /"2 days"/)
  })

  test('a heartbeat under 1 s is refused', () => {
    assert.equal(issueAt(issuesOf(wf({ a: { timeout: { heartbeat: '500ms' } } })), 'tasks.a.timeout.heartbeat').reason, 'must be at least 1s')
  })

  test(
    'a bad duration in workflow defaults is reported at defaults.*, once',
    () => {
      const issues = issuesOf(wf({ a: {}, b: {} }, { defaults: { timeout: '10 minutes', retry: { backoff: 'soon' } } }))
      assert.match(issueAt(issues, 'defaults.timeout').reason, /"10 minutes"/)
      assert.match(issueAt(issues, 'defaults.retry.backoff').reason, /"soon"/)
      assert.equal(issues.length, 2)
    },
  )

  test('an unknown trigger rule names the field and the valid rules', () => {
    const issue = issueAt(issuesOf(wf({ a: { trigger: 'all_sucess' as 'all_success' } })), 'tasks.a.trigger')
    assert.match(issue.reason, /all_success/)
    assert.match(issue.reason, /none_failed_min_one_success/)
  })

  test('a workflow without tasks', () => {
    assert.deepEqual(issuesOf(wf({})), [{ path: 'tasks', reason: 'a workflow needs at least one task' }])
  })

  test('a bad task name names the task', () => {
    const issues = issuesOf(wf({ '1bad': {} }))
    assert.equal(issues.length, 1)
    assert.equal(issues[0]!.path, 'tasks.1bad')
  })

  test(
    'a bad task name gives the naming rule as the reason',
    () => {
      const issue = issueAt(issuesOf(wf({ 'has space': {} })), 'tasks.has space')
      assert.match(issue.reason, /must start with a letter/)
    },
  )

  test('a bad workflow name gives the naming rule', () => {
    assert.match(issueAt(issuesOf({ name: '9lives', tasks: { a: {} } }), 'name').reason, /must start with a letter/)
  })

  test('a task with both run and handler', () => {
    const issue = issueAt(issuesOf(wf({ a: { run: { sh: 'true' }, handler: 'h' } })), 'tasks.a')
    assert.match(issue.reason, /task 'a' sets both 'run' and 'handler'/)
  })

  test('an unknown field is refused, not ignored', () => {
    assert.match(issueAt(issuesOf({ name: 'w', tasks: { a: { retries: 3 } } }), 'tasks.a').reason, /retries/)
  })

  test('a NUL character anywhere is refused at its path (Postgres cannot store it)', () => {
    const issues = issuesOf(wf({ a: { run: { sh: 'echo a\u0000b' } } }, { description: 'x\u0000' }))
    assert.match(issueAt(issues, 'tasks.a.run.sh').reason, /NUL character/)
    assert.match(issueAt(issues, 'description').reason, /NUL character/)
  })

  test('every problem is reported at once', () => {
    const issues = issuesOf(wf({ a: { after: ['nope'] }, b: { timeout: '5x' }, c: { run: { sh: 'x' }, handler: 'h' } }))
    assert.deepEqual(issues.map((i) => i.path).sort(), ['tasks.a.after', 'tasks.b.timeout', 'tasks.c'])
  })
})

describe('compileWorkflow: JSON-shaped definitions', () => {
  const json = JSON.parse(`{
    "name": "nightly",
    "owner": "data-team",
    "tasks": {
      "dbt": { "run": { "sh": "dbt run --select facts", "env": { "DBT_TARGET": "prod" } }, "queue": "stock" },
      "refresh": { "after": ["dbt"], "run": { "http": { "url": "https://bi.example.com/refresh", "headers": { "x-key": "k" } } } },
      "purge": { "after": ["refresh"], "run": { "http": { "method": "DELETE", "url": "https://cdn.example.com/cache" } } }
    }
  }`) as unknown

  test('compiles built-in sh and http runners', () => {
    const w = compileWorkflow(json)
    assert.deepEqual(w.tasks.get('dbt')!.run, { sh: 'dbt run --select facts', env: { DBT_TARGET: 'prod' } })
    assert.deepEqual(w.tasks.get('refresh')!.run, { http: { method: 'POST', url: 'https://bi.example.com/refresh', headers: { 'x-key': 'k' } } })
    assert.deepEqual(w.tasks.get('purge')!.run, { http: { method: 'DELETE', url: 'https://cdn.example.com/cache' } })
    assert.deepEqual(w.roots, ['dbt'])
    assert.deepEqual(w.queues, ['default', 'stock'])
    assert.equal(w.tasks.get('refresh')!.owner, 'data-team')
  })

  test('a bad runner names its field', () => {
    assert.ok(issuesOf({ name: 'w', tasks: { a: { run: { http: { url: 'not a url' } } } } }).some((i) => i.path.startsWith('tasks.a.run')))
    assert.ok(issuesOf({ name: 'w', tasks: { a: { run: { sh: '' } } } }).some((i) => i.path.startsWith('tasks.a.run')))
  })
})

describe('the TypeScript DSL', () => {
  const spec = workflow({
    name: 'daily_revenue',
    owner: 'revenue-team',
    params: z.object({ date: z.string().date() }),
    produces: ['revenue_facts'],
    tasks: {
      extract_orders: task({ queue: 'extract', retry: { attempts: 3, backoff: '30s', factor: 2 } }),
      load_raw: task({ after: ['extract_orders'], timeout: '10m' }),
      check_facts: task({ after: ['load_raw'], kind: 'check' }),
      notify_failure: task({ after: ['check_facts'], trigger: 'one_failed' }),
    },
  })

  test('a zod params schema becomes JSON Schema', () => {
    assert.ok(isWorkflowSpec(spec))
    const params = spec.params as { type?: unknown; properties?: Record<string, { type?: unknown; format?: unknown }>; required?: unknown }
    assert.equal(params.type, 'object')
    assert.equal(params.properties?.date?.type, 'string')
    assert.equal(params.properties?.date?.format, 'date')
    assert.deepEqual(params.required, ['date'])
    assert.ok(!(params instanceof z.ZodType))
  })

  test('the spec compiles like its JSON form', () => {
    const w = compileWorkflow(spec)
    assert.equal(w.name, 'daily_revenue')
    assert.deepEqual(w.definition.params, JSON.parse(JSON.stringify(spec.params)))
    assert.deepEqual(w.tasks.get('extract_orders')!.retry, { attempts: 3, backoffMs: 30_000, factor: 2, maxBackoffMs: 3_600_000, jitter: 0.2 })
    assert.equal(w.tasks.get('load_raw')!.timeouts.executionMs, 600_000)
    assert.equal(w.tasks.get('notify_failure')!.trigger, 'one_failed')
    assert.deepEqual(w.roots, ['extract_orders'])
    // Same content written as plain JSON: same version hash.
    assert.equal(compileWorkflow(JSON.parse(JSON.stringify(spec))).hash, w.hash)
  })

  test('params with a default are not required from callers (the schema describes the input)', () => {
    const s = workflow({ name: 'w', params: z.object({ date: z.string(), limit: z.number().default(100) }), tasks: { a: task() } })
    const params = s.params as { required?: unknown; properties?: Record<string, { default?: unknown }> }
    assert.deepEqual(params.required, ['date'])
    assert.equal(params.properties?.limit?.default, 100)
  })

  test('a JSON Schema params object passes through unchanged', () => {
    const params = { type: 'object', properties: { n: { type: 'integer' } } }
    const s = workflow({ name: 'w', params, tasks: { a: task() } })
    assert.deepEqual(s.params, params)
    assert.deepEqual(compileWorkflow(s).definition.params, params)
  })

  test('task() with no options is a default task', () => {
    assert.deepEqual(task(), {})
    assert.equal(isWorkflowSpec({ name: 'w', tasks: {} }), false)
  })
})

describe('parseDuration', () => {
  const accepted: readonly [string | number, number][] = [
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    [' 30s ', 30_000],
    [0, 0],
    [1500, 1500],
    [2.5, 3], // whole milliseconds: the wire protocol carries integers
  ]
  for (const [input, ms] of accepted) {
    test(`${JSON.stringify(input)} → ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms)
    })
  }

  const rejected = ['', '   ', '10', '5x', '-1s', '10 minutes', '1h30', 'ms', '1s 2s']
  for (const input of rejected) {
    test(`rejects ${JSON.stringify(input)} quoting the text`, () => {
      assert.throws(
        () => parseDuration(input, 'tasks.a.timeout'),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError)
          assert.equal(e.issues.length, 1)
          assert.equal(e.issues[0]!.path, 'tasks.a.timeout')
          assert.ok(e.issues[0]!.reason.includes(`"${input}"`), e.issues[0]!.reason)
          assert.ok(e.message.includes(`"${input}"`))
          return true
        },
      )
    })
  }

  for (const n of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    test(`rejects the number ${n}`, () => {
      assert.throws(() => parseDuration(n), (e: unknown) => e instanceof ValidationError && /invalid duration/.test(e.issues[0]!.reason))
    })
  }

  test('names the default path when none is given', () => {
    assert.throws(() => parseDuration('5x'), (e: unknown) => e instanceof ValidationError && e.issues[0]!.path === 'duration')
  })
})

describe('trigger fields', () => {
  const base = { name: 'wf', tasks: { a: {} } }
  const issuesFor = (extra: Record<string, unknown>) => {
    try {
      compileWorkflow({ ...base, ...extra })
      return []
    } catch (e) {
      return (e as ValidationError).issues
    }
  }
  test('a bad cron expression names schedule.cron and quotes it', () => {
    const issues = issuesFor({ schedule: { cron: '61 * * * *', timezone: 'UTC' } })
    assert.equal(issues[0]!.path, 'schedule.cron')
    assert.match(issues[0]!.reason, /['"]61 \* \* \* \*['"]/)
  })
  test('an unknown timezone names schedule.timezone and quotes it', () => {
    const issues = issuesFor({ schedule: { cron: '0 6 * * *', timezone: 'Europe/Pariss' } })
    assert.equal(issues[0]!.path, 'schedule.timezone')
    assert.match(issues[0]!.reason, /['"]Europe\/Pariss['"]/)
  })
  test('a bad expectBy names when.expectBy', () => {
    const issues = issuesFor({ when: { sourcesLanded: ['a'], expectBy: 'soonish' } })
    assert.equal(issues[0]!.path, 'when.expectBy')
  })
  test('the partition kind and timezone are compiled in', () => {
    const wf = compileWorkflow({ ...base, schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris' }, when: { sourcesLanded: ['a'], partition: 'hour' } })
    assert.equal(wf.partitionKind, 'hour')
    assert.equal(wf.timezone, 'Europe/Paris')
  })
})

describe('compileWorkflow: slots, pools and priority', () => {
  test('a task with a pool and a concurrency waits for both groups, with its priority', () => {
    const w = compileWorkflow(wf({ a: { pool: 'warehouse', slots: 2, concurrency: 3, priority: 7 }, b: {} }, { priority: 2 }))
    assert.deepEqual(w.tasks.get('a')!.admission, {
      groups: [
        { key: 'task:wf/a', slots: 1, limit: 3 },
        { key: 'pool:warehouse', slots: 2 },
      ],
      priority: 7,
    })
    assert.equal(w.tasks.get('b')!.admission, undefined, 'no group: the command leaves at once')
  })
  test("a task's priority defaults to the workflow's, then 0; slots to 1", () => {
    assert.deepEqual(compileWorkflow(wf({ a: { pool: 'p' } }, { priority: -3 })).tasks.get('a')!.admission, { groups: [{ key: 'pool:p', slots: 1 }], priority: -3 })
    assert.equal(compileWorkflow(wf({ a: { concurrency: 1 } })).tasks.get('a')!.admission!.priority, 0)
  })
  test('bad values name the field', () => {
    assert.match(issueAt(issuesOf(wf({ a: { slots: 2 } })), 'tasks.a.slots').reason, /sets slots without a pool/)
    assert.ok(issuesOf(wf({ a: { pool: 'p', slots: 0 } })).some((i) => i.path === 'tasks.a.slots'))
    assert.ok(issuesOf(wf({ a: { concurrency: 0 } })).some((i) => i.path === 'tasks.a.concurrency'))
    assert.ok(issuesOf(wf({ a: { pool: '1warehouse' } })).some((i) => i.path === 'tasks.a.pool'))
    assert.ok(issuesOf(wf({ a: { priority: 1.5 } })).some((i) => i.path === 'tasks.a.priority'))
    assert.match(issueAt(issuesOf(wf({ a: { kind: 'approval', pool: 'p' } })), 'tasks.a').reason, /takes no worker, so no pool or concurrency slot/)
  })
  test('a branch with no downstream task is refused', () => {
    assert.match(issueAt(issuesOf(wf({ pick: { kind: 'branch' } })), 'tasks.pick.kind').reason, /branch task 'pick' has no downstream task to choose/)
  })
})
