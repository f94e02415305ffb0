import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CrashPoint } from '@baton/shared'
import { eventually } from '../support/namespace.js'
import { deploy, trigger } from '../support/runs.js'
import { assertOnlyReplaysIgnored, assertSettled, committedStatuses, diedAt, outboxIds, QUEUE, withScenario, type Settled } from './fixtures/crash-points/scenario.js'
import { assertNoLeaks } from '../support/leak-check.js'

after(assertNoLeaks)

// A wide fan-out is told a chunk per transaction (docs/architecture.md, "Fan-out in chunks"): the
// chunks after the first are `fanout_continue` timers. A coordinator dying between chunks, or in
// the middle of one, must leave every child to run exactly once and the join to run after all.

// Three chunks (200, 200, 200): a continuation committed, another pending. Wider only loads the
// machine the other suites share.
const WIDTH = 600

function fanOutWorkflow() {
  const tasks: Record<string, { queue: string; handler: string; after?: string[] }> = { parent: { queue: QUEUE, handler: 'step' } }
  for (let i = 0; i < WIDTH; i++) tasks[`c${i}`] = { queue: QUEUE, handler: 'step', after: ['parent'] }
  tasks.join = { queue: QUEUE, handler: 'step', after: Array.from({ length: WIDTH }, (_x, i) => `c${i}`) }
  return { name: 'fan', tasks }
}

/** Every task of the fan-out (parent, WIDTH children, join) succeeded, each run once. */
function everyTaskOnce(): Settled {
  const ids = ['parent', ...Array.from({ length: WIDTH }, (_x, i) => `c${i}`), 'join']
  return {
    run: 'succeeded',
    tasks: Object.fromEntries(ids.map((id) => [id, 'succeeded'])),
    attempts: Object.fromEntries(ids.map((id) => [`${id}/1`, 'succeeded'])),
    executions: Object.fromEntries(ids.map((id) => [`${id}/1`, 1])),
    commands: ids.length,
  }
}

/** The join's handler ran after every child's, by the ledger's order. */
function joinRanLast(dir: string, runId: string): void {
  const lines = readFileSync(join(dir, 'ledger'), 'utf8').split('\n').filter((l) => l.startsWith(runId))
  assert.equal(lines.at(-1), `${runId} join 1`, 'the join ran after every child')
}

describe('fan-out in chunks under coordinator crashes', () => {
  test('coordinator.timers.after-claim (the first continuation, children 200-399, committed unpublished): the relay sends that chunk at restart, the next continuation fires, and each of the 600 children runs once before the join', () =>
    withScenario('fanout_timers', async (s) => {
      await deploy(s.ns, fanOutWorkflow())
      const armed = s.coordinator({ crash: CrashPoint.timersAfterClaim })
      await s.ready(s.worker(), armed)
      const runId = await trigger(s.ns, 'fan')
      await diedAt(armed, CrashPoint.timersAfterClaim, 60_000)
      const statuses = await committedStatuses(s.ns, runId)
      const queuedOrLater = (i: number) => statuses[`c${i}`] !== 'pending'
      assert.ok(Array.from({ length: 400 }, (_x, i) => i).every(queuedOrLater), 'the first two chunks are committed')
      assert.ok(Array.from({ length: WIDTH - 400 }, (_x, i) => 400 + i).every((i) => statuses[`c${i}`] === 'pending'), 'the rest waits for the next continuation')
      const timers = await s.ns.db.selectFrom('timers').select(['kind', 'task_id', 'attempt', 'next_index']).where('run_id', '=', runId).where('kind', '=', 'fanout_continue').execute()
      assert.deepEqual(timers, [{ kind: 'fanout_continue', task_id: 'parent', attempt: 1, next_index: 400 }], 'the next continuation is durable')
      assert.ok((await outboxIds(s.ns)).includes(`${runId}.c399.1`), "the second chunk's commands wait in the outbox")
      s.coordinator()
      await assertSettled(s, runId, everyTaskOnce(), { runMs: 120_000, drainMs: 30_000 })
      joinRanLast(s.dir, runId)
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('a coordinator SIGKILLed mid-fan-out (children running, most still to run or to report) and restarted: each child runs once, the join once, after all', () =>
    withScenario('fanout_kill', async (s) => {
      await deploy(s.ns, fanOutWorkflow())
      const first = s.coordinator()
      await s.ready(s.worker(), first)
      const runId = await trigger(s.ns, 'fan')
      // Killed once the first children have run: the chunks are committed within milliseconds of
      // each other (the crash-point test above stops between two), so what is under way here is
      // their commands, starts and results — and on a fast machine the last chunks.
      await eventually(() => Object.keys(s.executions(runId)).length >= 20, 'some children to run', 60_000)
      first.child.kill('SIGKILL')
      await first.exited
      const unfinished = Object.values(await committedStatuses(s.ns, runId)).filter((x) => !x.startsWith('succeeded')).length
      assert.ok(unfinished > WIDTH / 2, `killed mid-fan-out (${unfinished} tasks not finished)`)
      s.coordinator()
      await assertSettled(s, runId, everyTaskOnce(), { runMs: 120_000, drainMs: 30_000 })
      joinRanLast(s.dir, runId)
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(first)
    }))
})
