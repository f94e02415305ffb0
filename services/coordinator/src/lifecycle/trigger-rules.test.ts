import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { TriggerRule } from '@baton/shared'
import { evaluateTriggerRule, finalOutcome, type RuleDecision, type UpstreamCounts } from './trigger-rules.js'

/**
 * Trigger rules against Airflow 2.x (airflow/ti_deps/deps/trigger_rule_dep.py). "failed" in the
 * counts is Airflow's failures: failed + upstream_failed upstreams.
 */

const RULES = Object.values(TriggerRule)
type Final = Exclude<RuleDecision, 'wait'>

/** Upstream outcomes, Airflow's way: failed and upstream_failed kept apart. */
interface Terminal {
  readonly success: number
  readonly failed: number
  readonly upstreamFailed: number
  readonly skipped: number
}

function countsOf(t: Terminal): UpstreamCounts {
  return {
    total: t.success + t.failed + t.upstreamFailed + t.skipped,
    succeeded: t.success,
    failed: t.failed + t.upstreamFailed,
    skipped: t.skipped,
  }
}

/**
 * Airflow's outcome once every upstream is terminal, transcribed from trigger_rule_dep's
 * `flag_upstream_failed` branch (the state it sets) and its "not met" branch (wait otherwise run).
 */
function airflowOutcome(rule: TriggerRule, t: Terminal): Final {
  const failures = t.failed + t.upstreamFailed
  const done = t.success + failures + t.skipped
  switch (rule) {
    case 'all_success':
      if (failures > 0) return 'upstream_failed'
      if (t.skipped > 0) return 'skipped'
      return 'run'
    case 'all_failed':
      return t.success > 0 || t.skipped > 0 ? 'skipped' : 'run'
    case 'one_success':
      if (done === t.skipped) return 'skipped'
      if (t.success <= 0) return 'upstream_failed'
      return 'run'
    case 'one_failed':
      return failures > 0 ? 'run' : 'skipped'
    case 'none_failed':
      return failures > 0 ? 'upstream_failed' : 'run'
    case 'none_skipped':
      return t.skipped > 0 ? 'skipped' : 'run'
    case 'none_failed_min_one_success':
      if (failures > 0) return 'upstream_failed'
      if (t.skipped === done) return 'skipped'
      return 'run'
    case 'all_done':
    case 'always':
      return 'run'
  }
}

// [success, failed, upstream_failed, skipped]
const SHAPES = {
  all_succeeded: [3, 0, 0, 0],
  all_failed: [0, 3, 0, 0],
  all_upstream_failed: [0, 0, 3, 0],
  all_skipped: [0, 0, 0, 3],
  success_and_failed: [2, 1, 0, 0],
  success_and_upstream_failed: [2, 0, 1, 0],
  success_and_skipped: [2, 0, 0, 1],
  failed_and_skipped: [0, 2, 0, 1],
  upstream_failed_and_skipped: [0, 0, 1, 2],
  one_of_each: [1, 1, 1, 1],
} as const satisfies Record<string, readonly [number, number, number, number]>
type Shape = keyof typeof SHAPES

const R = 'run'
const S = 'skipped'
const U = 'upstream_failed'

/** Airflow's documented outcome for each rule and each shape of terminal upstreams. */
const AIRFLOW_TABLE: Record<TriggerRule, Record<Shape, Final>> = {
  // prettier-ignore
  all_success: { all_succeeded: R, all_failed: U, all_upstream_failed: U, all_skipped: S, success_and_failed: U, success_and_upstream_failed: U, success_and_skipped: S, failed_and_skipped: U, upstream_failed_and_skipped: U, one_of_each: U },
  // prettier-ignore
  all_failed: { all_succeeded: S, all_failed: R, all_upstream_failed: R, all_skipped: S, success_and_failed: S, success_and_upstream_failed: S, success_and_skipped: S, failed_and_skipped: S, upstream_failed_and_skipped: S, one_of_each: S },
  // prettier-ignore
  all_done: { all_succeeded: R, all_failed: R, all_upstream_failed: R, all_skipped: R, success_and_failed: R, success_and_upstream_failed: R, success_and_skipped: R, failed_and_skipped: R, upstream_failed_and_skipped: R, one_of_each: R },
  // prettier-ignore
  one_success: { all_succeeded: R, all_failed: U, all_upstream_failed: U, all_skipped: S, success_and_failed: R, success_and_upstream_failed: R, success_and_skipped: R, failed_and_skipped: U, upstream_failed_and_skipped: U, one_of_each: R },
  // prettier-ignore
  one_failed: { all_succeeded: S, all_failed: R, all_upstream_failed: R, all_skipped: S, success_and_failed: R, success_and_upstream_failed: R, success_and_skipped: S, failed_and_skipped: R, upstream_failed_and_skipped: R, one_of_each: R },
  // prettier-ignore
  none_failed: { all_succeeded: R, all_failed: U, all_upstream_failed: U, all_skipped: R, success_and_failed: U, success_and_upstream_failed: U, success_and_skipped: R, failed_and_skipped: U, upstream_failed_and_skipped: U, one_of_each: U },
  // prettier-ignore
  none_skipped: { all_succeeded: R, all_failed: R, all_upstream_failed: R, all_skipped: S, success_and_failed: R, success_and_upstream_failed: R, success_and_skipped: S, failed_and_skipped: S, upstream_failed_and_skipped: S, one_of_each: S },
  // prettier-ignore
  none_failed_min_one_success: { all_succeeded: R, all_failed: U, all_upstream_failed: U, all_skipped: S, success_and_failed: U, success_and_upstream_failed: U, success_and_skipped: R, failed_and_skipped: U, upstream_failed_and_skipped: U, one_of_each: U },
  // prettier-ignore
  always: { all_succeeded: R, all_failed: R, all_upstream_failed: R, all_skipped: R, success_and_failed: R, success_and_upstream_failed: R, success_and_skipped: R, failed_and_skipped: R, upstream_failed_and_skipped: R, one_of_each: R },
}

function terminalOf(shape: Shape): Terminal {
  const [success, failed, upstreamFailed, skipped] = SHAPES[shape]
  return { success, failed, upstreamFailed, skipped }
}

/** Every split of `n` items into (a, b, c) with a + b + c = n. */
function* splits(n: number): Generator<readonly [number, number, number]> {
  for (let a = 0; a <= n; a++) for (let b = 0; a + b <= n; b++) yield [a, b, n - a - b]
}

/** Every counts state with total ≤ 4 and done ≤ total. */
function* allStates(maxTotal = 4): Generator<UpstreamCounts> {
  for (let total = 0; total <= maxTotal; total++) {
    for (let done = 0; done <= total; done++) {
      for (const [succeeded, failed, skipped] of splits(done)) yield { total, succeeded, failed, skipped }
    }
  }
}

/** Final outcomes over every way the pending upstreams can finish. */
function completions(rule: TriggerRule, c: UpstreamCounts): Set<Final> {
  const pending = c.total - c.succeeded - c.failed - c.skipped
  const out = new Set<Final>()
  for (const [s, f, k] of splits(pending)) {
    out.add(finalOutcome(rule, { total: c.total, succeeded: c.succeeded + s, failed: c.failed + f, skipped: c.skipped + k }))
  }
  return out
}

const show = (c: UpstreamCounts) => `total=${c.total} succeeded=${c.succeeded} failed=${c.failed} skipped=${c.skipped}`

describe('trigger rules once every upstream is terminal (Airflow 2.x outcomes)', () => {
  for (const rule of RULES) {
    describe(rule, () => {
      for (const shape of Object.keys(SHAPES) as Shape[]) {
        const expected = AIRFLOW_TABLE[rule][shape]
        test(`${shape} → ${expected}`, () => {
          const c = countsOf(terminalOf(shape))
          assert.equal(finalOutcome(rule, c), expected, `finalOutcome(${rule}, ${show(c)})`)
          assert.equal(evaluateTriggerRule(rule, c), expected, `evaluateTriggerRule(${rule}, ${show(c)})`)
        })
      }
      const singles: readonly [string, Terminal][] = [
        ['single upstream succeeded', { success: 1, failed: 0, upstreamFailed: 0, skipped: 0 }],
        ['single upstream failed', { success: 0, failed: 1, upstreamFailed: 0, skipped: 0 }],
        ['single upstream upstream_failed', { success: 0, failed: 0, upstreamFailed: 1, skipped: 0 }],
        ['single upstream skipped', { success: 0, failed: 0, upstreamFailed: 0, skipped: 1 }],
      ]
      for (const [name, t] of singles) {
        const expected = airflowOutcome(rule, t)
        test(`${name} → ${expected}`, () => {
          assert.equal(finalOutcome(rule, countsOf(t)), expected)
          assert.equal(evaluateTriggerRule(rule, countsOf(t)), expected)
        })
      }
    })
  }

  test('the table agrees with the transcribed Airflow reference', () => {
    for (const rule of RULES) {
      for (const shape of Object.keys(SHAPES) as Shape[]) {
        assert.equal(airflowOutcome(rule, terminalOf(shape)), AIRFLOW_TABLE[rule][shape], `${rule} ${shape}`)
      }
    }
  })

  test('finalOutcome matches Airflow for every terminal state with 1–4 upstreams, failed and upstream_failed alike', () => {
    let checked = 0
    for (let total = 1; total <= 4; total++) {
      for (let success = 0; success <= total; success++) {
        for (let failed = 0; success + failed <= total; failed++) {
          for (let upstreamFailed = 0; success + failed + upstreamFailed <= total; upstreamFailed++) {
            const t: Terminal = { success, failed, upstreamFailed, skipped: total - success - failed - upstreamFailed }
            const c = countsOf(t)
            for (const rule of RULES) {
              const expected = airflowOutcome(rule, t)
              assert.equal(finalOutcome(rule, c), expected, `finalOutcome(${rule}, ${JSON.stringify(t)})`)
              assert.equal(evaluateTriggerRule(rule, c), expected, `evaluateTriggerRule(${rule}, ${JSON.stringify(t)})`)
              checked++
            }
          }
        }
      }
    }
    assert.ok(checked > 500)
  })
})

describe('trigger rules while upstreams are pending', () => {
  const cases: readonly [TriggerRule, UpstreamCounts, RuleDecision][] = [
    ['all_success', { total: 3, succeeded: 2, failed: 0, skipped: 0 }, 'wait'],
    ['all_success', { total: 3, succeeded: 1, failed: 1, skipped: 0 }, 'upstream_failed'],
    ['all_success', { total: 3, succeeded: 1, failed: 0, skipped: 1 }, 'wait'],
    ['all_failed', { total: 3, succeeded: 0, failed: 2, skipped: 0 }, 'wait'],
    ['all_failed', { total: 3, succeeded: 1, failed: 0, skipped: 0 }, 'skipped'],
    ['all_failed', { total: 3, succeeded: 0, failed: 0, skipped: 1 }, 'skipped'],
    ['all_done', { total: 3, succeeded: 1, failed: 1, skipped: 0 }, 'wait'],
    ['one_success', { total: 3, succeeded: 1, failed: 0, skipped: 0 }, 'run'],
    ['one_success', { total: 3, succeeded: 0, failed: 1, skipped: 1 }, 'wait'],
    ['one_failed', { total: 3, succeeded: 0, failed: 1, skipped: 0 }, 'run'],
    ['one_failed', { total: 3, succeeded: 1, failed: 0, skipped: 1 }, 'wait'],
    ['none_failed', { total: 3, succeeded: 1, failed: 0, skipped: 1 }, 'wait'],
    ['none_failed', { total: 3, succeeded: 0, failed: 1, skipped: 0 }, 'upstream_failed'],
    ['none_skipped', { total: 3, succeeded: 1, failed: 1, skipped: 0 }, 'wait'],
    ['none_skipped', { total: 3, succeeded: 0, failed: 0, skipped: 1 }, 'skipped'],
    ['none_failed_min_one_success', { total: 3, succeeded: 0, failed: 0, skipped: 2 }, 'wait'],
    ['none_failed_min_one_success', { total: 3, succeeded: 1, failed: 1, skipped: 0 }, 'upstream_failed'],
    ['always', { total: 3, succeeded: 0, failed: 0, skipped: 0 }, 'run'],
  ]
  for (const [rule, c, expected] of cases) {
    test(`${rule} with ${show(c)} → ${expected}`, () => {
      assert.equal(evaluateTriggerRule(rule, c), expected)
    })
  }
})

describe('trigger-rule decisions never depend on completion order (brute force, ≤ 4 upstreams)', () => {
  for (const rule of RULES) {
    test(`${rule}: an early decision is the outcome of every completion; 'wait' only while the outcome is open`, () => {
      let states = 0
      for (const c of allStates()) {
        states++
        const decision = evaluateTriggerRule(rule, c)
        const outcomes = completions(rule, c)
        const pending = c.total - c.succeeded - c.failed - c.skipped
        const where = `${rule} ${show(c)} → ${decision}; completions give ${[...outcomes].join(',')}`

        if (rule === 'always') {
          // Fires at once, whatever the upstreams do.
          assert.equal(decision, 'run', where)
          continue
        }
        if (rule === 'one_success' || rule === 'one_failed') {
          // Fire exactly when one upstream qualifies, even with others pending.
          const qualifies = rule === 'one_success' ? c.succeeded > 0 : c.failed > 0
          assert.equal(decision === 'run', qualifies, where)
          if (decision === 'wait') assert.ok(!qualifies && pending > 0, where)
          else if (decision !== 'run') assert.deepEqual([...outcomes], [decision], where)
          continue
        }
        if (decision === 'wait') {
          assert.ok(pending > 0, `waits with nothing pending: ${where}`)
          if (rule === 'all_done') continue // waits for every upstream by definition, though it always ends 'run'
          assert.ok(outcomes.size >= 2, `waits although the outcome is already certain: ${where}`)
        } else {
          assert.deepEqual([...outcomes], [decision], `decided early but a completion disagrees: ${where}`)
        }
      }
      assert.equal(states, 70) // sanity: C(total+3,3) summed for total 0..4 = 1+4+10+20+35
    })
  }

  test('replaying every sequence of upstream outcomes, in every order, gives one decision: the final outcome', () => {
    const OUTCOMES = ['succeeded', 'failed', 'skipped'] as const
    const sequences = (n: number): (typeof OUTCOMES)[number][][] =>
      n === 0 ? [[]] : sequences(n - 1).flatMap((s) => OUTCOMES.map((o) => [...s, o]))
    for (const rule of RULES) {
      for (let total = 1; total <= 4; total++) {
        // Every sequence is every order of every multiset of outcomes.
        for (const seq of sequences(total)) {
          const c = { total, succeeded: 0, failed: 0, skipped: 0 }
          let first: RuleDecision = evaluateTriggerRule(rule, c)
          for (const o of seq) {
            if (first !== 'wait') break
            c[o === 'succeeded' ? 'succeeded' : o === 'failed' ? 'failed' : 'skipped']++
            first = evaluateTriggerRule(rule, c)
          }
          const final = finalOutcome(rule, {
            total,
            succeeded: seq.filter((o) => o === 'succeeded').length,
            failed: seq.filter((o) => o === 'failed').length,
            skipped: seq.filter((o) => o === 'skipped').length,
          })
          assert.equal(first, final, `${rule} with ${seq.join(',')}`)
        }
      }
    }
  })

  test('a decision, once made, stays the same as more upstreams finish', () => {
    for (const rule of RULES) {
      for (const c of allStates()) {
        const d = evaluateTriggerRule(rule, c)
        if (d === 'wait' || c.succeeded + c.failed + c.skipped === c.total) continue
        for (const k of ['succeeded', 'failed', 'skipped'] as const) {
          const next = { ...c, [k]: c[k] + 1 }
          assert.equal(evaluateTriggerRule(rule, next), d, `${rule} ${show(c)} then one more ${k}`)
        }
      }
    }
  })
})
