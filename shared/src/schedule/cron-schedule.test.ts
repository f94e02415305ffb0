import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { CronExpressionParser } from 'cron-parser'
import { ValidationError } from '../errors.js'
import {
  fireTimesToRun,
  missedFireTimes,
  nextFireTime,
  parsePartition,
  partitionFor,
  partitionsInRange,
  previousFireTime,
  validateSchedule,
  type CronSchedule,
} from './cron-schedule.js'

// No clock is read anywhere: every "now" below is an injected instant.
// Europe/Paris: CET = UTC+1, CEST = UTC+2; 2026-03-29 01:00Z springs 02:00→03:00, 2026-10-25 01:00Z falls 03:00→02:00.
// America/New_York: EST = UTC-5, EDT = UTC-4; 2026-03-08 07:00Z springs 02:00→03:00, 2026-11-01 06:00Z falls 02:00→01:00.

const at = (iso: string): Date => new Date(iso)
const isos = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString())
const paris = (cron: string): CronSchedule => ({ cron, timezone: 'Europe/Paris' })
const newYork = (cron: string): CronSchedule => ({ cron, timezone: 'America/New_York' })

/** Wall-clock `HH:mm` of an instant in a zone, to state expectations in local time. */
function localTime(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d)
}

/** Every fire time in [from, to), by walking forward. */
function firesDuring(schedule: CronSchedule, from: string, to: string): Date[] {
  return missedFireTimes(schedule, new Date(at(from).getTime() - 1), new Date(at(to).getTime() - 1), 10_000)
}

describe('nextFireTime across DST in Europe/Paris', () => {
  test('a daily 06:00 schedule stays at 06:00 local time across spring-forward', () => {
    assert.deepEqual(isos(firesDuring(paris('0 6 * * *'), '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')), [
      '2026-03-27T05:00:00.000Z',
      '2026-03-28T05:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
      '2026-03-30T04:00:00.000Z',
    ])
  })

  test('a time inside the skipped hour (02:30 on 2026-03-29) fires once, an hour later at 03:30 CEST', () => {
    const s = paris('30 2 * * *')
    const fires = firesDuring(s, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')
    assert.deepEqual(isos(fires), ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'])
    assert.deepEqual(
      fires.map((d) => localTime(d, 'Europe/Paris')),
      ['02:30', '03:30', '02:30'],
    )
    assert.equal(nextFireTime(s, at('2026-03-28T01:30:00Z')).toISOString(), '2026-03-29T01:30:00.000Z')
  })

  test('asking from inside the hour after spring-forward still finds the shifted tick', () => {
    // cron-parser alone, started at 03:10 CEST, jumps to the next day; the module must not.
    assert.equal(nextFireTime(paris('30 2 * * *'), at('2026-03-29T01:10:00Z')).toISOString(), '2026-03-29T01:30:00.000Z')
  })

  test('a time inside the repeated hour (02:30 on 2026-10-25) fires once, at the first occurrence (CEST)', () => {
    const s = paris('30 2 * * *')
    const fires = firesDuring(s, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')
    assert.deepEqual(isos(fires), ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'])
    assert.equal(nextFireTime(s, at('2026-10-25T00:30:00Z')).toISOString(), '2026-10-26T01:30:00.000Z')
  })

  test('asking from the second pass of the repeated hour does not fire 02:30 again', () => {
    // 01:10Z is 02:10 CET, after the 02:30 CEST tick already fired.
    assert.equal(nextFireTime(paris('30 2 * * *'), at('2026-10-25T01:10:00Z')).toISOString(), '2026-10-26T01:30:00.000Z')
  })

  test('an hourly schedule fires once per real hour: 25 distinct instants on fall-back day, 02:00 twice', () => {
    const fires = firesDuring(paris('0 * * * *'), '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z')
    assert.equal(fires.length, 25)
    assert.equal(new Set(isos(fires)).size, 25)
    for (let i = 1; i < fires.length; i++) assert.equal(fires[i]!.getTime() - fires[i - 1]!.getTime(), 3_600_000)
    const hours = fires.map((d) => localTime(d, 'Europe/Paris'))
    assert.deepEqual(hours.slice(0, 5), ['00:00', '01:00', '02:00', '02:00', '03:00'])
  })

  test('an hourly schedule has 23 instants on spring-forward day and none at 02:00', () => {
    const fires = firesDuring(paris('0 * * * *'), '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z')
    assert.equal(fires.length, 23)
    const hours = fires.map((d) => localTime(d, 'Europe/Paris'))
    assert.deepEqual(hours.slice(0, 3), ['00:00', '01:00', '03:00'])
    assert.ok(!hours.includes('02:00'))
  })
})

describe('nextFireTime across DST in America/New_York', () => {
  test('02:30 on spring-forward day (2026-03-08) fires once, at 03:30 EDT', () => {
    const fires = firesDuring(newYork('30 2 * * *'), '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')
    assert.deepEqual(isos(fires), ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'])
    assert.deepEqual(
      fires.map((d) => localTime(d, 'America/New_York')),
      ['02:30', '03:30', '02:30'],
    )
    assert.equal(nextFireTime(newYork('30 2 * * *'), at('2026-03-08T07:10:00Z')).toISOString(), '2026-03-08T07:30:00.000Z')
  })

  test('01:30 on fall-back day (2026-11-01) fires once, at 01:30 EDT, even when asked from 01:10 EST', () => {
    const s = newYork('30 1 * * *')
    assert.deepEqual(isos(firesDuring(s, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')), [
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ])
    assert.equal(nextFireTime(s, at('2026-11-01T06:10:00Z')).toISOString(), '2026-11-02T06:30:00.000Z')
  })

  test('an hourly schedule has 25 instants on fall-back day and 23 on spring-forward day', () => {
    const fall = firesDuring(newYork('0 * * * *'), '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z')
    assert.equal(new Set(isos(fall)).size, 25)
    assert.deepEqual(
      fall.slice(0, 4).map((d) => localTime(d, 'America/New_York')),
      ['00:00', '01:00', '01:00', '02:00'],
    )
    const spring = firesDuring(newYork('0 * * * *'), '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z')
    assert.equal(new Set(isos(spring)).size, 23)
    assert.ok(!spring.map((d) => localTime(d, 'America/New_York')).includes('02:00'))
  })
})

describe('fire times are the same from whichever instant they are asked', () => {
  const transitions: Array<[string, string, string[]]> = [
    ['Europe/Paris', '2026-03-29T01:00:00Z', ['30 2 * * *', '*/5 2 * * *', '0 * * * *']],
    ['Europe/Paris', '2026-10-25T01:00:00Z', ['30 2 * * *', '*/5 2 * * *', '*/20 * * * *']],
    ['America/New_York', '2026-03-08T07:00:00Z', ['30 2 * * *', '*/5 2 * * *', '0 * * * *']],
    ['America/New_York', '2026-11-01T06:00:00Z', ['30 1 * * *', '*/5 1 * * *', '0 * * * *']],
  ]
  for (const [timezone, transition, expressions] of transitions) {
    for (const cron of expressions) {
      test(`${cron} in ${timezone} around ${transition}: next/previous agree with one uninterrupted iteration`, () => {
        const t0 = at(transition).getTime()
        // The reference: cron-parser's own iterator, started two days before and never restarted.
        const iterator = CronExpressionParser.parse(cron, { currentDate: new Date(t0 - 2 * 86_400_000), tz: timezone })
        const reference: number[] = []
        while (reference.at(-1) === undefined || reference.at(-1)! < t0 + 2 * 86_400_000) reference.push(iterator.next().getTime())
        for (let x = t0 - 2 * 3_600_000; x <= t0 + 2 * 3_600_000; x += 10 * 60_000) {
          const asked = new Date(x + 1_000)
          assert.equal(nextFireTime({ cron, timezone }, asked).getTime(), reference.find((r) => r > asked.getTime()), `next after ${asked.toISOString()}`)
          assert.equal(previousFireTime({ cron, timezone }, asked).getTime(), reference.filter((r) => r < asked.getTime()).at(-1), `previous before ${asked.toISOString()}`)
        }
      })
    }
  }
})

describe('nextFireTime and previousFireTime boundaries', () => {
  test('both are strict: a fire time is neither its own next nor its own previous', () => {
    const s = paris('0 6 * * *')
    assert.equal(nextFireTime(s, at('2026-06-02T04:00:00Z')).toISOString(), '2026-06-03T04:00:00.000Z')
    assert.equal(nextFireTime(s, at('2026-06-02T03:59:59.999Z')).toISOString(), '2026-06-02T04:00:00.000Z')
    assert.equal(previousFireTime(s, at('2026-06-02T04:00:00Z')).toISOString(), '2026-06-01T04:00:00.000Z')
    assert.equal(previousFireTime(s, at('2026-06-02T04:00:00.001Z')).toISOString(), '2026-06-02T04:00:00.000Z')
  })

  test('previousFireTime finds a tick that is years back', () => {
    assert.equal(previousFireTime({ cron: '0 0 29 2 *', timezone: 'UTC' }, at('2026-06-01T00:00:00Z')).toISOString(), '2024-02-29T00:00:00.000Z')
  })

  test('H fields are deterministic, so every coordinator computes the same times', () => {
    const s = { cron: 'H H * * *', timezone: 'UTC' }
    const after = at('2026-06-01T00:00:00Z')
    assert.equal(nextFireTime(s, after).toISOString(), nextFireTime(s, after).toISOString())
    const seeded = { ...s, hashSeed: 'nightly-sales' }
    assert.equal(nextFireTime(seeded, after).toISOString(), nextFireTime(seeded, after).toISOString())
  })
})

describe('missedFireTimes', () => {
  const daily = paris('0 6 * * *')

  test('returns every tick in (after, now], oldest first', () => {
    assert.deepEqual(isos(missedFireTimes(daily, at('2026-06-01T04:00:00Z'), at('2026-06-04T10:00:00Z'), 100)), [
      '2026-06-02T04:00:00.000Z',
      '2026-06-03T04:00:00.000Z',
      '2026-06-04T04:00:00.000Z',
    ])
  })

  test('a tick at exactly now is included; one a millisecond later is not', () => {
    assert.deepEqual(isos(missedFireTimes(daily, at('2026-06-02T00:00:00Z'), at('2026-06-02T04:00:00Z'), 10)), ['2026-06-02T04:00:00.000Z'])
    assert.deepEqual(missedFireTimes(daily, at('2026-06-02T00:00:00Z'), at('2026-06-02T03:59:59.999Z'), 10), [])
  })

  test('nothing is missed when now is not after `after`', () => {
    assert.deepEqual(missedFireTimes(daily, at('2026-06-02T04:00:00Z'), at('2026-06-02T04:00:00Z'), 10), [])
    assert.deepEqual(missedFireTimes(daily, at('2026-06-03T00:00:00Z'), at('2026-06-02T00:00:00Z'), 10), [])
  })

  test('over the limit, keeps the newest `limit` ticks, oldest first', () => {
    const hourly = paris('0 * * * *')
    const all = missedFireTimes(hourly, at('2026-06-01T00:00:00Z'), at('2026-06-04T00:00:00Z'), 1000)
    assert.equal(all.length, 72)
    const last10 = missedFireTimes(hourly, at('2026-06-01T00:00:00Z'), at('2026-06-04T00:00:00Z'), 10)
    assert.deepEqual(isos(last10), isos(all.slice(-10)))
    assert.equal(last10[0]!.toISOString(), '2026-06-03T15:00:00.000Z')
    assert.equal(last10[9]!.toISOString(), '2026-06-04T00:00:00.000Z')
  })

  test('a limit of 0 returns nothing; a negative or fractional limit is a bug', () => {
    assert.deepEqual(missedFireTimes(daily, at('2026-06-01T00:00:00Z'), at('2026-06-04T00:00:00Z'), 0), [])
    assert.throws(() => missedFireTimes(daily, at('2026-06-01T00:00:00Z'), at('2026-06-04T00:00:00Z'), -1), RangeError)
    assert.throws(() => missedFireTimes(daily, at('2026-06-01T00:00:00Z'), at('2026-06-04T00:00:00Z'), 1.5), RangeError)
  })

  test('a limited window across fall-back matches the unlimited walk', () => {
    const s = paris('*/30 * * * *')
    const all = missedFireTimes(s, at('2026-10-24T20:00:00Z'), at('2026-10-25T04:00:00Z'), 1000)
    assert.equal(all.length, 16)
    assert.deepEqual(isos(missedFireTimes(s, at('2026-10-24T20:00:00Z'), at('2026-10-25T04:00:00Z'), 7)), isos(all.slice(-7)))
  })
})

describe('catch-up after a simulated 3-day downtime', () => {
  // Last fired 2026-06-01 06:00 CEST; the coordinators come back on 2026-06-04 at 12:00 CEST.
  const daily = paris('0 6 * * *')
  const lastFired = at('2026-06-01T04:00:00Z')
  const now = at('2026-06-04T10:00:00Z')
  const missed = missedFireTimes(daily, lastFired, now, 100)

  test('three ticks were missed', () => {
    assert.deepEqual(isos(missed), ['2026-06-02T04:00:00.000Z', '2026-06-03T04:00:00.000Z', '2026-06-04T04:00:00.000Z'])
  })

  test('none runs nothing; the next future tick is scheduled', () => {
    assert.deepEqual(fireTimesToRun('none', missed), [])
    assert.equal(nextFireTime(daily, now).toISOString(), '2026-06-05T04:00:00.000Z')
  })

  test('latest runs only the newest missed tick', () => {
    assert.deepEqual(isos(fireTimesToRun('latest', missed)), ['2026-06-04T04:00:00.000Z'])
  })

  test('all runs each missed tick, oldest first, bounded by the limit', () => {
    assert.deepEqual(isos(fireTimesToRun('all', missed)), isos(missed))
    assert.deepEqual(isos(fireTimesToRun('all', missedFireTimes(daily, lastFired, now, 2))), ['2026-06-03T04:00:00.000Z', '2026-06-04T04:00:00.000Z'])
  })

  test('with nothing missed every policy runs nothing', () => {
    for (const policy of ['none', 'latest', 'all'] as const) assert.deepEqual(fireTimesToRun(policy, []), [])
  })

  test('a tick due a millisecond after now is not missed: it stays the next tick', () => {
    const early = at('2026-06-04T03:59:59.999Z')
    const m = missedFireTimes(daily, lastFired, early, 100)
    assert.equal(fireTimesToRun('latest', m)[0]!.toISOString(), '2026-06-03T04:00:00.000Z')
    assert.equal(nextFireTime(daily, early).toISOString(), '2026-06-04T04:00:00.000Z')
  })
})

describe('partitionFor', () => {
  test('a daily 06:00 run covers the previous day (data interval starts at the previous tick)', () => {
    const run = at('2026-06-02T04:00:00Z') // 06:00 CEST
    assert.equal(partitionFor('date', run, at('2026-06-01T04:00:00Z'), 'Europe/Paris'), '2026-06-01')
    assert.equal(partitionFor('date', run, undefined, paris('0 6 * * *')), '2026-06-01')
  })

  test('an hourly run covers the previous hour, labelled in the time zone', () => {
    assert.equal(partitionFor('hour', at('2026-06-02T08:00:00Z'), undefined, paris('0 * * * *')), '2026-06-02T09')
    assert.equal(partitionFor('hour', at('2026-06-02T08:00:00Z'), undefined, { cron: '0 * * * *', timezone: 'UTC' }), '2026-06-02T07')
  })

  test('daily runs across month and year boundaries', () => {
    const s = paris('0 6 * * *')
    assert.equal(partitionFor('date', at('2026-07-01T04:00:00Z'), undefined, s), '2026-06-30')
    assert.equal(partitionFor('date', at('2027-01-01T05:00:00Z'), undefined, s), '2026-12-31')
    assert.equal(partitionFor('date', at('2028-03-01T05:00:00Z'), undefined, s), '2028-02-29')
  })

  test('the date is the local day of the interval start, not its UTC day', () => {
    // 00:00 CET on 2027-01-01 is 2026-12-31T23:00Z; its interval starts 2026-12-31 00:00 CET = 2026-12-30T23:00Z.
    assert.equal(partitionFor('date', at('2026-12-31T23:00:00Z'), undefined, paris('0 0 * * *')), '2026-12-31')
    assert.equal(partitionFor('date', at('2026-12-31T23:00:00Z'), at('2026-12-30T23:00:00Z'), 'UTC'), '2026-12-30')
  })

  test('hourly runs across the year boundary in America/New_York', () => {
    assert.equal(partitionFor('hour', at('2027-01-01T05:00:00Z'), undefined, newYork('0 * * * *')), '2026-12-31T23')
    assert.equal(partitionFor('hour', at('2027-01-01T06:00:00Z'), undefined, newYork('0 * * * *')), '2027-01-01T00')
  })

  test('daily runs across spring-forward cover each local day once', () => {
    const s = paris('0 6 * * *')
    assert.equal(partitionFor('date', at('2026-03-29T04:00:00Z'), undefined, s), '2026-03-28')
    assert.equal(partitionFor('date', at('2026-03-30T04:00:00Z'), undefined, s), '2026-03-29')
    // The shifted 03:30 CEST tick is the previous tick of the next day's 02:30 run.
    assert.equal(previousFireTime(paris('30 2 * * *'), at('2026-03-30T00:30:00Z')).toISOString(), '2026-03-29T01:30:00.000Z')
    assert.equal(partitionFor('date', at('2026-03-30T00:30:00Z'), undefined, paris('30 2 * * *')), '2026-03-29')
    assert.equal(partitionFor('date', at('2026-11-02T06:30:00Z'), undefined, newYork('30 1 * * *')), '2026-11-01')
  })

  test('hourly runs across spring-forward: no 02 label', () => {
    const s = paris('0 * * * *')
    assert.equal(partitionFor('hour', at('2026-03-29T01:00:00Z'), undefined, s), '2026-03-29T01')
    assert.equal(partitionFor('hour', at('2026-03-29T02:00:00Z'), undefined, s), '2026-03-29T03')
  })

  test('hourly runs across fall-back: both passes of the repeated hour are labelled T02', () => {
    const s = paris('0 * * * *')
    const labels = ['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z', '2026-10-25T03:00:00Z'].map((t) => partitionFor('hour', at(t), undefined, s))
    assert.deepEqual(labels, ['2026-10-25T01', '2026-10-25T02', '2026-10-25T02', '2026-10-25T03'])
  })

  test('key partitions are the scheduled time in ISO UTC', () => {
    assert.equal(partitionFor('key', at('2026-06-02T04:00:00Z'), undefined, paris('0 6 * * *')), '2026-06-02T04:00:00.000Z')
  })

  test('a previous time not before the scheduled time is a bug', () => {
    assert.throws(() => partitionFor('date', at('2026-06-02T04:00:00Z'), at('2026-06-02T04:00:00Z'), 'Europe/Paris'), RangeError)
  })

  test('without the previous time, a bare time zone is not enough', () => {
    // @ts-expect-error -- the overloads require the schedule when the previous time is unknown
    assert.throws(() => partitionFor('date', at('2026-06-02T04:00:00Z'), undefined, 'Europe/Paris'), TypeError)
  })
})

describe('parsePartition', () => {
  const ok = (kind: 'date' | 'hour' | 'key', text: string): void => assert.deepEqual(parsePartition(kind, text), { ok: true, value: text })
  const bad = (kind: 'date' | 'hour' | 'key', text: string, reason: RegExp): void => {
    const r = parsePartition(kind, text)
    assert.equal(r.ok, false, `${JSON.stringify(text)} should not parse as ${kind}`)
    if (!r.ok) assert.match(r.reason, reason)
  }

  test('dates must be real calendar days', () => {
    ok('date', '2026-06-01')
    ok('date', '2028-02-29')
    ok('date', '2000-02-29')
    bad('date', '2026-02-29', /day 29 is not a day of 2026-02, which has 28 days/)
    bad('date', '2100-02-29', /28 days/)
    bad('date', '2026-04-31', /30 days/)
    bad('date', '2026-13-01', /month 13/)
    bad('date', '2026-00-10', /month 00/)
    bad('date', '2026-06-00', /day 00/)
    bad('date', '2026-6-1', /YYYY-MM-DD/)
    bad('date', ' 2026-06-01', /YYYY-MM-DD/)
    bad('date', '2026-06-01T00', /YYYY-MM-DD/)
  })

  test('hours are YYYY-MM-DDTHH with HH 00-23', () => {
    ok('hour', '2026-06-01T00')
    ok('hour', '2026-06-01T23')
    ok('hour', '2028-02-29T12')
    bad('hour', '2026-06-01T24', /hour 24/)
    bad('hour', '2026-02-29T10', /28 days/)
    bad('hour', '2026-06-01', /YYYY-MM-DDTHH/)
    bad('hour', '2026-06-01T5', /YYYY-MM-DDTHH/)
    bad('hour', '2026-06-01T05:00', /YYYY-MM-DDTHH/)
  })

  test('keys are 1-200 characters and not only whitespace', () => {
    ok('key', 'customer-42')
    ok('key', 'x'.repeat(200))
    ok('key', ' padded ')
    bad('key', '', /empty/)
    bad('key', '   ', /whitespace/)
    bad('key', 'x'.repeat(201), /at most 200 characters, got 201/)
  })
})

describe('partitionsInRange', () => {
  test('every date from `from` to `to` inclusive, across a leap day and a year end', () => {
    assert.deepEqual(partitionsInRange('date', '2028-02-27', '2028-03-01', 10), ['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01'])
    assert.deepEqual(partitionsInRange('date', '2026-02-27', '2026-03-01', 10), ['2026-02-27', '2026-02-28', '2026-03-01'])
    assert.deepEqual(partitionsInRange('date', '2026-12-31', '2027-01-01', 10), ['2026-12-31', '2027-01-01'])
  })

  test('every hour across a day boundary; labels are calendar hours, so 02 exists on DST days', () => {
    assert.deepEqual(partitionsInRange('hour', '2026-06-01T22', '2026-06-02T01', 10), ['2026-06-01T22', '2026-06-01T23', '2026-06-02T00', '2026-06-02T01'])
    assert.deepEqual(partitionsInRange('hour', '2026-03-29T01', '2026-03-29T03', 10), ['2026-03-29T01', '2026-03-29T02', '2026-03-29T03'])
  })

  test('a single-partition range', () => {
    assert.deepEqual(partitionsInRange('date', '2026-06-01', '2026-06-01', 1), ['2026-06-01'])
  })

  test('exactly max partitions is allowed; one more is an error that says how many', () => {
    const year = partitionsInRange('date', '2026-01-01', '2026-12-31', 365)
    assert.ok(Array.isArray(year))
    assert.equal(year.length, 365)
    assert.deepEqual(partitionsInRange('date', '2026-01-01', '2026-12-31', 364), {
      error: 'range "2026-01-01".."2026-12-31" spans 365 date partitions, more than the limit of 364',
    })
    const hours = partitionsInRange('hour', '2026-01-01T00', '2026-01-02T23', 10)
    assert.ok(!Array.isArray(hours) && /spans 48 hour partitions/.test(hours.error))
  })

  test('a reversed range is an error quoting both bounds', () => {
    assert.deepEqual(partitionsInRange('date', '2026-06-02', '2026-06-01', 10), { error: 'reversed range: from "2026-06-02" is after to "2026-06-01"' })
    const r = partitionsInRange('hour', '2026-06-01T10', '2026-06-01T09', 10)
    assert.ok(!Array.isArray(r) && r.error.includes('"2026-06-01T10"') && r.error.includes('"2026-06-01T09"'))
  })

  test('an unparsable bound is an error quoting it with the reason', () => {
    assert.deepEqual(partitionsInRange('date', 'yesterday', '2026-06-01', 10), { error: 'from "yesterday" is not a date partition: expected YYYY-MM-DD' })
    const r = partitionsInRange('date', '2026-02-01', '2026-02-29', 100)
    assert.ok(!Array.isArray(r) && r.error.startsWith('to "2026-02-29" is not a date partition: ') && r.error.includes('28 days'))
    const mixed = partitionsInRange('hour', '2026-06-01', '2026-06-02', 100)
    assert.ok(!Array.isArray(mixed) && mixed.error.includes('"2026-06-01"'))
  })

  test('key partitions have no ranges', () => {
    const r = partitionsInRange('key', 'a', 'b', 10)
    assert.ok(!Array.isArray(r) && r.error.includes('"a".."b"') && r.error.includes('key partitions have no order'))
  })

  test('a max below 1 is a bug', () => {
    assert.throws(() => partitionsInRange('date', '2026-06-01', '2026-06-01', 0), RangeError)
  })
})

describe('validateSchedule', () => {
  test('accepts 5-field, 6-field (seconds) and @alias expressions in known zones', () => {
    assert.deepEqual(validateSchedule({ cron: '0 6 * * *', timezone: 'Europe/Paris' }), [])
    assert.deepEqual(validateSchedule({ cron: '*/30 * * * * *', timezone: 'UTC' }), [])
    assert.deepEqual(validateSchedule({ cron: '@daily', timezone: 'America/New_York' }), [])
    assert.deepEqual(validateSchedule({ cron: '0 6 * * mon-fri', timezone: 'Asia/Tokyo' }), [])
  })

  test('a bad expression is reported at schedule.cron, quoting it and the library reason', () => {
    const issues = validateSchedule({ cron: '61 * * * *', timezone: 'UTC' })
    assert.equal(issues.length, 1)
    assert.equal(issues[0]!.path, 'schedule.cron')
    assert.match(issues[0]!.reason, /^invalid cron expression '61 \* \* \* \*': .*0-59/)
    assert.match(validateSchedule({ cron: '0 0 30 2 *', timezone: 'UTC' })[0]!.reason, /'0 0 30 2 \*': Invalid explicit day of month/)
    assert.match(validateSchedule({ cron: '@reboot', timezone: 'UTC' })[0]!.reason, /'@reboot'/)
  })

  test('too few or too many fields, and empty expressions, are rejected (the library would pad them)', () => {
    assert.match(validateSchedule({ cron: '* * *', timezone: 'UTC' })[0]!.reason, /expected 5 fields .* got 3/)
    assert.match(validateSchedule({ cron: 'every day', timezone: 'UTC' })[0]!.reason, /got 2/)
    assert.match(validateSchedule({ cron: '0 6 * * * * *', timezone: 'UTC' })[0]!.reason, /got 7/)
    assert.match(validateSchedule({ cron: '   ', timezone: 'UTC' })[0]!.reason, /empty/)
  })

  test('an unknown time zone is reported at schedule.timezone, quoting it', () => {
    const issues = validateSchedule({ cron: '0 6 * * *', timezone: 'Europe/Pariss' })
    assert.deepEqual(
      issues.map((i) => i.path),
      ['schedule.timezone'],
    )
    assert.match(issues[0]!.reason, /unknown IANA time zone 'Europe\/Pariss'/)
    assert.equal(validateSchedule({ cron: '0 6 * * *', timezone: '' })[0]!.path, 'schedule.timezone')
  })

  test('both problems at once, under a custom path', () => {
    assert.deepEqual(
      validateSchedule({ cron: '0 25 * * *', timezone: 'Mars/Olympus_Mons' }, 'workflows[2].schedule').map((i) => i.path),
      ['workflows[2].schedule.cron', 'workflows[2].schedule.timezone'],
    )
  })

  test('the schedule functions refuse an invalid schedule with SCHEDULE_INVALID', () => {
    for (const call of [
      () => nextFireTime({ cron: 'nope', timezone: 'UTC' }, at('2026-06-01T00:00:00Z')),
      () => previousFireTime({ cron: '0 6 * * *', timezone: 'Nowhere/Land' }, at('2026-06-01T00:00:00Z')),
      () => missedFireTimes({ cron: '* * *', timezone: 'UTC' }, at('2026-06-01T00:00:00Z'), at('2026-06-02T00:00:00Z'), 10),
      () => partitionFor('date', at('2026-06-02T00:00:00Z'), at('2026-06-01T00:00:00Z'), 'Nowhere/Land'),
    ]) {
      assert.throws(call, (e: unknown) => e instanceof ValidationError && e.code === 'SCHEDULE_INVALID' && e.issues.length > 0)
    }
  })
})
