import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { encodeJson, newId, publishJson } from '@baton/shared'
import { startStockWorker, startWorker, type StockWorker, type Worker } from '@baton/worker'
import { nanos } from '@nats-io/nats-core'
import { sql } from 'kysely'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton } from '../support/processes.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { captureLogger } from './worker-fixtures.js'

// Text Postgres cannot store — a NUL (U+0000) anywhere, a lone UTF-16 surrogate in jsonb —
// arriving from workers and publishers: stored escaped (`\u0000` as six characters), never a
// stuck message or a failed task; a dead letter refused again counts up instead of repeating; and
// a message that keeps failing to apply ends dead-lettered (or, failing that, logged), never silent.
// Real NATS and Postgres, a real coordinator, the stock worker and a TypeScript worker.

/** What a NUL reads as once stored: the six characters `\u0000`. */
const NUL_ESCAPED = '\\u0000'

let ns: TestNamespace
let coordinator: Coordinator
let stock: StockWorker
let handlers: Worker
const coordinatorLog = captureLogger()

before(async () => {
  ns = await createTestNamespace('storage-edges')
  coordinator = await startCoordinator({ config: ns.config, logger: coordinatorLog.logger, timerIntervalMs: 50 })
  const quiet = captureLogger().logger
  stock = await startStockWorker({ queues: ['stock'], concurrency: 4, config: ns.config, nc: ns.nc, logger: quiet })
  handlers = await startWorker({
    queue: 'ts',
    config: ns.config,
    nc: ns.nc,
    logger: quiet,
    handlers: {
      nul_output: async () => ({ text: 'a\u0000b', ['k\u0000']: 1, lone: 'x\ud800y' }),
      nul_error: async () => {
        throw new Error('bad\u0000byte')
      },
    },
  })
})
after(async () => {
  await handlers?.stop()
  await stock?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

async function attemptRows(runId: string, taskId: string) {
  return ns.db.selectFrom('task_attempts').select(['attempt', 'status', 'output', 'error', 'details']).where('run_id', '=', runId).where('task_id', '=', taskId).orderBy('attempt').execute()
}

async function deadLetter(msgId: string) {
  return ns.db.selectFrom('dead_letters').selectAll().where('msg_id', '=', msgId).execute()
}


describe('text Postgres cannot store is stored escaped', { timeout: 120_000 }, () => {
  test('an sh task printing a NUL byte succeeds; its stored stdout shows the escaped NUL', async () => {
    await deploy(ns, { name: 'nul_stdout', tasks: { print: { queue: 'stock', run: { sh: String.raw`printf 'a\000b\n{"n":1}\n'` } } } })
    const runId = await trigger(ns, 'nul_stdout')
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded', JSON.stringify(run.tasks[0]?.error))
    assert.deepEqual(run.tasks[0]!.output, { n: 1 })
    const [attempt] = await attemptRows(runId, 'print')
    assert.equal((attempt!.details as { stdout: string }).stdout, `a${NUL_ESCAPED}b\n{"n":1}\n`)
  })

  test('a handler output with a NUL in a value and a key (and a lone surrogate) succeeds, stored escaped', async () => {
    await deploy(ns, { name: 'nul_output', tasks: { nul_output: { queue: 'ts' } } })
    const runId = await trigger(ns, 'nul_output')
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded', JSON.stringify(run.tasks[0]?.error))
    const expected = { text: `a${NUL_ESCAPED}b`, [`k${NUL_ESCAPED}`]: 1, lone: 'x\\ud800y' }
    assert.deepEqual(run.tasks[0]!.output, expected)
    const [attempt] = await attemptRows(runId, 'nul_output')
    assert.deepEqual(attempt!.output, expected)
  })

  test('a handler error with a NUL fails normally, its retry policy applies, and the error is stored escaped', async () => {
    await deploy(ns, { name: 'nul_error', tasks: { nul_error: { queue: 'ts', retry: { attempts: 2, backoff: '10ms', jitter: false } } } })
    const runId = await trigger(ns, 'nul_error')
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'failed')
    const task = run.tasks[0]!
    assert.equal(task.status, 'failed')
    assert.equal(task.attempts, 2, 'retried once, as its policy says')
    const error = task.error as { message: string; kind: string; stack?: string }
    assert.equal(error.kind, 'error', 'the handler error itself, not a heartbeat timeout')
    assert.equal(error.message, `bad${NUL_ESCAPED}byte`)
    if (error.stack !== undefined) assert.ok(error.stack.includes(`bad${NUL_ESCAPED}byte`) && !error.stack.includes('\u0000'))
    const attempts = await attemptRows(runId, 'nul_error')
    assert.deepEqual(
      attempts.map((a) => [a.status, (a.error as { message: string; kind: string }).kind, (a.error as { message: string }).message]),
      [
        ['failed', 'error', `bad${NUL_ESCAPED}byte`],
        ['failed', 'error', `bad${NUL_ESCAPED}byte`],
      ],
    )
  })

  test('run params and a source landing (uri, meta) holding a NUL are accepted and stored escaped', async () => {
    await deploy(ns, { name: 'nul_params', params: { type: 'object', properties: { label: { type: 'string' } } }, tasks: { echo: { queue: 'stock', run: { sh: 'echo "{}"' } } } })
    const runId = await trigger(ns, 'nul_params', { params: { label: 'x\u0000y' } })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded', JSON.stringify(run.tasks[0]?.error))
    assert.deepEqual(run.params, { label: `x${NUL_ESCAPED}y` })

    await deploy(ns, { name: 'nul_landing', when: { sourcesLanded: ['nul_src'], partition: 'date' }, tasks: { t: { queue: 'stock', run: { sh: 'echo "{}"' } } } })
    const id = `nul_src/${newId()}`
    await publishJson(ns.js, ns.subjects.source('nul_src'), id, { id, source: 'nul_src', partition: '2026-06-01', uri: 's3://lake/a\u0000b/', meta: { ['k\u0000']: 'v\u0000' } })
    const landing = await eventually(() => ns.db.selectFrom('source_landings').selectAll().where('event_id', '=', id).executeTakeFirst(), 'the landing to be recorded')
    assert.equal(landing.uri, `s3://lake/a${NUL_ESCAPED}b/`)
    assert.deepEqual(landing.meta, { [`k${NUL_ESCAPED}`]: `v${NUL_ESCAPED}` })
    const started = await eventually(() => ns.db.selectFrom('runs').select('id').where('workflow', '=', 'nul_landing').executeTakeFirst(), 'the readiness run')
    assert.equal((await waitForRun(ns, started.id)).status, 'succeeded')
  })
})

describe('junk holding a NUL is dead-lettered once and blocks nothing', { timeout: 120_000 }, () => {
  test('raw bytes and a rejected JSON run request, each with a NUL, are dead-lettered exactly once; a valid request right after runs', async () => {
    await deploy(ns, { name: 'strict_params', params: { type: 'object', properties: { n: { type: 'integer' } } }, tasks: { t: { queue: 'stock', run: { sh: 'echo "{}"' } } } })
    await deploy(ns, { name: 'after_junk', tasks: { t: { queue: 'stock', run: { sh: 'echo "{\\"ok\\":true}"' } } } })
    const marker = randomUUID().slice(0, 8)
    const rawRequest = newId()
    const rawTask = newId()
    const jsonRequest = newId()
    await ns.js.publish(ns.subjects.runRequested, new TextEncoder().encode(`x${marker} \u0000 junk`), { msgID: rawRequest })
    const rawTaskSubject = ns.subjects.task(randomUUID())
    await ns.js.publish(rawTaskSubject, new Uint8Array([0x7b, 0x00, 0x7d]), { msgID: rawTask })
    await publishJson(ns.js, ns.subjects.runRequested, jsonRequest, { id: jsonRequest, workflow: 'strict_params', params: { ['k\u0000']: 1 } })
    const runId = await trigger(ns, 'after_junk')
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.tasks[0]!.output, { ok: true })

    // Every message published so far acked or terminated: none can come back to be refused again.
    await allEventsApplied(ns)
    for (const [i, id] of [rawRequest, rawTask, jsonRequest].entries()) {
      const rows = await deadLetter(id)
      assert.equal(rows.length, 1, `message ${i} dead-lettered once`)
      assert.equal(rows[0]!.count, 1, `message ${i} refused once`)
      assert.ok(!rows[0]!.payload.includes('\u0000') && !rows[0]!.reason.includes('\u0000'))
    }
    const [raw] = await deadLetter(rawRequest)
    const [rawT] = await deadLetter(rawTask)
    const [json] = await deadLetter(jsonRequest)
    assert.equal(raw!.payload, `x${marker} ${NUL_ESCAPED} junk`)
    assert.match(raw!.reason, /^malformed JSON/)
    assert.equal(rawT!.payload, `{${NUL_ESCAPED}}`)
    assert.match(rawT!.reason, /^malformed JSON/)
    assert.equal(json!.subject, ns.subjects.runRequested)
    assert.ok(json!.reason.includes(`unknown param 'k${NUL_ESCAPED}'`), json!.reason)
    const logged = coordinatorLog.lines().filter((l) => l.msg === 'event dead-lettered')
    const times = (match: (l: Record<string, unknown>) => boolean) => logged.filter(match).length
    assert.equal(times((l) => String(l.reason).includes(`x${marker}`)), 1, 'the raw run request is logged once')
    assert.equal(times((l) => l.subject === rawTaskSubject), 1, 'the raw task event is logged once')
    assert.equal(times((l) => String(l.reason).includes(`unknown param 'k${NUL_ESCAPED}'`)), 1, 'the JSON run request is logged once')
  })
})

describe('dead letters are recorded once per message', { timeout: 120_000 }, () => {
  test('the same invalid message (same Nats-Msg-Id) received twice is one dead letter with count 2', async () => {
    // JetStream drops a re-publication with the same Nats-Msg-Id for 10 minutes, so the coordinator
    // meets the same message twice only after the window (or when an ack is lost). Shrinking
    // the stream's duplicate window for this test makes both publications stored messages, as
    // they would be 10 minutes apart.
    const window = 300
    const stream = await ns.jsm.streams.info(ns.subjects.eventsStream)
    await ns.jsm.streams.update(ns.subjects.eventsStream, { duplicate_window: nanos(window) })
    try {
      const id = newId()
      const body = encodeJson({ id, workflow: 'no_such_workflow_dup' })
      const first = await ns.js.publish(ns.subjects.runRequested, body, { msgID: id })
      assert.equal(first.duplicate, false)
      const once = await eventually(async () => (await deadLetter(id))[0], 'the first dead letter')
      assert.equal(once.count, 1)
      await new Promise((r) => setTimeout(r, window * 4))
      const second = await ns.js.publish(ns.subjects.runRequested, body, { msgID: id })
      assert.equal(second.duplicate, false, 'stored again: the duplicate window has passed')
      assert.notEqual(second.seq, first.seq)
      await eventually(async () => (await deadLetter(id))[0]?.count === 2, 'the dead letter to count 2')
      const rows = await deadLetter(id)
      assert.equal(rows.length, 1, 'one row')
      assert.match(rows[0]!.reason, /unknown workflow 'no_such_workflow_dup'/)
      assert.ok(new Date(rows[0]!.last_at).getTime() > new Date(rows[0]!.received_at).getTime(), 'last_at moved on')

      const cli = await runBaton(['dead-letters', '--json'], ns.env)
      assert.equal(cli.code, 0, cli.stderr)
      const listed = (JSON.parse(cli.stdout) as { msgId: string | null; count: number; subject: string }[]).filter((d) => d.msgId === id)
      assert.equal(listed.length, 1)
      assert.equal(listed[0]!.count, 2)
      assert.equal(listed[0]!.subject, ns.subjects.runRequested)
    } finally {
      await ns.jsm.streams.update(ns.subjects.eventsStream, { duplicate_window: stream.config.duplicate_window })
    }
  })
})

describe('a message that keeps failing to apply is never swallowed', { timeout: 120_000 }, () => {
  test('dead-lettered on its 5th delivery and logged once; when even its dead letter cannot be written, logged with the reason and terminated', async () => {
    // A trigger makes Postgres refuse these runs (and one of their dead letters) for good, as a
    // bug or a constraint would: no retry can help, only the dead-letter path can end it.
    const schema = sql.id(ns.config.namespace)
    await sql`CREATE FUNCTION ${schema}.refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'runs' THEN
          IF NEW.idempotency_key LIKE 'poison-%' THEN RAISE EXCEPTION 'refused by a test trigger: %', NEW.idempotency_key; END IF;
        ELSIF NEW.payload LIKE '%poison-undeadable%' THEN
          RAISE EXCEPTION 'dead letter refused by a test trigger';
        END IF;
        RETURN NEW;
      END $$`.execute(ns.db)
    await sql`CREATE TRIGGER refuse_runs BEFORE INSERT ON ${schema}.runs FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_for_test()`.execute(ns.db)
    await sql`CREATE TRIGGER refuse_dead_letters BEFORE INSERT ON ${schema}.dead_letters FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_for_test()`.execute(ns.db)
    try {
      await deploy(ns, { name: 'refused', tasks: { t: { queue: 'stock', run: { sh: 'echo "{}"' } } } })
      const recorded = newId()
      const undeadable = newId()
      await publishJson(ns.js, ns.subjects.runRequested, recorded, { id: recorded, workflow: 'refused', idempotencyKey: `poison-${recorded}` })
      await publishJson(ns.js, ns.subjects.runRequested, undeadable, { id: undeadable, workflow: 'refused', idempotencyKey: 'poison-undeadable' })

      const [letter] = await eventually(async () => {
        const rows = await deadLetter(recorded)
        return rows.length > 0 ? rows : undefined
      }, 'the message to be dead-lettered after 5 tries', 30_000)
      assert.match(letter!.reason, /^failed to apply 5 times: .*refused by a test trigger/)
      const cannot = () => coordinatorLog.lines().filter((l) => String(l.msg).startsWith('cannot dead-letter events that failed to apply'))
      await eventually(() => cannot().length > 0, 'the failed dead letter to be logged', 30_000)
      // Both messages acked or terminated: neither can come back to be tried, refused or logged again.
      await allEventsApplied(ns)

      assert.equal((await deadLetter(recorded)).length, 1)
      assert.equal((await deadLetter(undeadable)).length, 0, 'its dead letter was refused')
      const dead = coordinatorLog.lines().filter((l) => l.msg === 'event dead-lettered' && l.msgId === recorded)
      assert.equal(dead.length, 1, 'the dead-lettered message is logged once')
      assert.match(String(dead[0]!.reason), /^failed to apply 5 times/)
      const [line, ...more] = cannot()
      assert.equal(more.length, 0, 'the failed dead letter is logged once')
      assert.match(String(line!.msg), /terminated/)
      assert.match(String(line!.reason), /^failed to apply 5 times: .*refused by a test trigger/)
      assert.match(String((line!.err as { message?: string }).message), /dead letter refused by a test trigger/)
      const messages = line!.messages as { msgId: string; payload: string }[]
      assert.deepEqual(messages.map((m) => m.msgId), [undeadable])
      assert.match(messages[0]!.payload, /poison-undeadable/, 'the log line carries the payload')
    } finally {
      await sql`DROP TRIGGER refuse_runs ON ${schema}.runs`.execute(ns.db)
      await sql`DROP TRIGGER refuse_dead_letters ON ${schema}.dead_letters`.execute(ns.db)
      await sql`DROP FUNCTION ${schema}.refuse_for_test()`.execute(ns.db)
    }
  })
})
