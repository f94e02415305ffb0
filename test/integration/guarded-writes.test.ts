import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import pg from 'pg'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createLogger, newId, publishJson, type TaskEvent } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger } from '../support/runs.js'

// Guarded writes (style rule 12): every task and run update of a batch carries the status and
// attempt the row had when the batch loaded it (and the run's version). A write that sneaks in
// between — here another connection that changes a task row without taking the run lock — makes
// the batch's update match no row, and its write statement fails as a whole. Under the run lock
// that is a bug, logged loudly; an optimistic batch (no lock) takes it as a conflict and is
// applied again under the lock. Either way nothing the other writer did is overwritten.

let ns: TestNamespace
let coordinator: Coordinator | undefined
const logLines: string[] = []

before(async () => {
  ns = await createTestNamespace('guarded')
})

async function startWith(optimisticApply: boolean): Promise<void> {
  await coordinator?.stop()
  logLines.length = 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  coordinator = await startCoordinator({ config: ns.config, optimisticApply, logger: createLogger({ level: 'warn', destination: sink }) })
}

after(async () => {
  await coordinator?.stop()
  await ns.close()
  await assertNoLeaks()
})

/**
 * Runs `guarded` to a queued `a`, then publishes w-real's start while an intruder holds a's row
 * lock, and changes the row (running on w-intruder) once the batch's update waits for it.
 */
async function startBehindAnIntruder(): Promise<{ runId: string; started: TaskEvent }> {
  const runId = await trigger(ns, 'guarded')
  await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).executeTakeFirst())?.status === 'queued', 'task a queued')

  const started: TaskEvent = { id: newId(), runId, taskId: 'a', attempt: 1, type: 'started', workerId: 'w-real', at: new Date().toISOString() }
  // Another writer takes the task row's lock first (not the run's).
  const intruder = new pg.Client({ connectionString: ns.config.databaseUrl })
  await intruder.connect()
  try {
    await intruder.query(`SET search_path = ${ns.config.namespace}`)
    await intruder.query('BEGIN')
    await intruder.query(`SELECT 1 FROM task_states WHERE run_id = $1 AND task_id = 'a' FOR UPDATE`, [runId])

    // The worker's start: the coordinator loads a (queued; under the run lock, or none when
    // optimistic), decides running, and its UPDATE waits for the intruder's row lock.
    await publishJson(ns.js, ns.subjects.task(runId), started.id, started)
    await eventually(async () => {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = ${`baton-coordinator:${ns.config.namespace}`} AND wait_event_type = 'Lock' AND query LIKE '%task_states%'`.execute(ns.db)
      return r.rows[0]!.n > 0
    }, "the coordinator's update to wait for the intruder's lock")

    // The intruder changes the row and commits: the coordinator's update re-reads it.
    await intruder.query(`UPDATE task_states SET status = 'running', worker_id = 'w-intruder' WHERE run_id = $1 AND task_id = 'a'`, [runId])
    await intruder.query('COMMIT')
  } finally {
    await intruder.end()
  }
  return { runId, started }
}

/** w-real's start was applied again on the row as the intruder left it: ignored, nothing overwritten. */
async function assertStartIgnored(runId: string, started: TaskEvent): Promise<void> {
  const ignored = await eventually(
    async () => ns.db.selectFrom('history').select(['kind', 'reason']).where('run_id', '=', runId).where('event_id', '=', started.id).executeTakeFirst(),
    'the retried start to be recorded',
  )
  assert.equal(ignored.kind, 'ignored')
  assert.equal(ignored.reason, 'task is running', 'ignored because attempt 1 is already running')
  const row = await ns.db.selectFrom('task_states').select(['status', 'worker_id']).where('run_id', '=', runId).where('task_id', '=', 'a').executeTakeFirstOrThrow()
  assert.deepEqual(row, { status: 'running', worker_id: 'w-intruder' })
  const startTransitions = await ns.db.selectFrom('history').select('id').where('run_id', '=', runId).where('kind', '=', 'transition').where('to_status', '=', 'running').execute()
  assert.equal(startTransitions.length, 0, 'no queued → running transition was written by the coordinator')
}

test('a task row changed outside the run lock between load and write aborts the locked batch: nothing is overwritten, the bug is logged', async () => {
  await deploy(ns, { name: 'guarded', tasks: { a: { queue: 'nobody_here' } } })
  await startWith(false)
  const { runId, started } = await startBehindAnIntruder()

  // The batch was rolled back and reported; its retry (run alone) sees the row as it is now:
  // attempt 1 is already running (on w-intruder), so w-real's start is ignored.
  await eventually(() => logLines.some((l) => l.includes('BUG: a guarded write')), 'the guarded-write error to be logged')
  await assertStartIgnored(runId, started)
  const logged = JSON.parse(logLines.find((l) => l.includes('BUG: a guarded write'))!) as { level: number; runs: string[]; err: { code: string } }
  assert.equal(logged.level, 50, 'logged at error level')
  assert.deepEqual(logged.runs, [runId])
  assert.equal(logged.err.code, 'GUARDED_WRITE_MISMATCH')
})

test('the same intrusion under an optimistic batch is a conflict, not a bug: applied again under the lock, nothing overwritten, nothing logged', async () => {
  await startWith(true)
  const { runId, started } = await startBehindAnIntruder()
  await assertStartIgnored(runId, started)
  assert.deepEqual(logLines.filter((l) => l.includes('guarded write')), [], 'a conflict is not logged as a bug')
})
