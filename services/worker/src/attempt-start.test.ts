import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DeferredStart, type StartOutcome } from './attempt-start.js'

/** A start publisher the test settles by hand, recording when it was called. */
function manualPublish(): { publish: (startedAt: string, superseded: AbortSignal) => Promise<StartOutcome>; calls: { startedAt: string; superseded: AbortSignal }[]; settle: (o: StartOutcome) => void } {
  const calls: { startedAt: string; superseded: AbortSignal }[] = []
  let resolve: ((o: StartOutcome) => void) | undefined
  return {
    calls,
    publish(startedAt, superseded) {
      calls.push({ startedAt, superseded })
      return new Promise((r) => (resolve = r))
    },
    settle: (o) => resolve!(o),
  }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('DeferredStart', () => {
  test('a result before the start is due: nothing is published and finish says no start went', async () => {
    const p = manualPublish()
    const reported: StartOutcome[] = []
    const d = new DeferredStart(10_000, p.publish, (o) => reported.push(o))
    assert.equal(await d.finish(), undefined)
    assert.equal(p.calls.length, 0)
    assert.deepEqual(reported, [])
  })

  test('the start is published once it is due, with when the handler began, and reported', async () => {
    const p = manualPublish()
    const reported: StartOutcome[] = []
    const d = new DeferredStart(5, p.publish, (o) => reported.push(o))
    await tick(30)
    assert.equal(p.calls.length, 1)
    assert.equal(p.calls[0]!.startedAt, d.startedAt)
    p.settle('run')
    assert.equal(await d.finish(), 'run')
    assert.deepEqual(reported, ['run'])
    assert.equal(p.calls[0]!.superseded.aborted, true, 'finish tells a start still in flight it is superseded')
  })

  test('finish while the start is being retried supersedes it: no start reported, none counted', async () => {
    const p = manualPublish()
    const reported: StartOutcome[] = []
    const d = new DeferredStart(1, p.publish, (o) => reported.push(o))
    await tick(20)
    const finished = d.finish()
    assert.equal(p.calls[0]!.superseded.aborted, true)
    p.settle('superseded')
    assert.equal(await finished, undefined)
    assert.deepEqual(reported, [])
  })

  test('reportNow publishes the start before it is due, once', async () => {
    const p = manualPublish()
    const reported: StartOutcome[] = []
    const d = new DeferredStart(10_000, p.publish, (o) => reported.push(o))
    const first = d.reportNow()
    const second = d.reportNow()
    assert.equal(p.calls.length, 1)
    p.settle('run')
    assert.equal(await first, 'run')
    assert.equal(await second, 'run')
    assert.deepEqual(reported, ['run'])
    assert.equal(await d.finish(), 'run')
    assert.equal(p.calls.length, 1, 'the timer was cleared')
  })

  test('reportNow after finish publishes nothing', async () => {
    const p = manualPublish()
    const d = new DeferredStart(10_000, p.publish, () => {})
    await d.finish()
    assert.equal(await d.reportNow(), 'superseded')
    assert.equal(p.calls.length, 0)
  })

  test('a start that gave up or belongs to another worker is reported, and finish returns it', async () => {
    for (const outcome of ['gave_up', 'not_owner'] as const) {
      const p = manualPublish()
      const reported: StartOutcome[] = []
      const d = new DeferredStart(1, p.publish, (o) => reported.push(o))
      await tick(20)
      p.settle(outcome)
      assert.equal(await d.finish(), outcome)
      assert.deepEqual(reported, [outcome])
    }
  })
})
