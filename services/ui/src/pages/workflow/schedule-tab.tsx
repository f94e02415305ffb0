import type { Schemas } from '../../api/client'
import { Empty } from '../../ui/states'
import { Time, viewerTimeZone } from '../../ui/time'

const CATCHUP_WORDS: Record<string, string> = {
  none: 'none — ticks missed while no coordinator ran are dropped (a tick at most 60 s late still fires)',
  latest: 'latest — of the ticks missed while no coordinator ran, only the newest fires',
  all: 'all — every tick missed while no coordinator ran fires (the newest 1,000 at most)',
}

/** The cron schedule: expression, zone, catch-up, concurrency and the next ticks in both zones. */
function ScheduleSection({ schedule }: { schedule: NonNullable<Schemas['WorkflowDetails']['schedule']> }) {
  return (
    <section className="panel" aria-labelledby="wp-sched-title">
      <h2 id="wp-sched-title">Schedule</h2>
      <dl className="kv">
        <dt>Cron</dt>
        <dd>
          <code>{schedule.cron}</code>
        </dd>
        <dt>Time zone</dt>
        <dd>{schedule.timezone}</dd>
        <dt>Catch-up</dt>
        <dd>{CATCHUP_WORDS[schedule.catchup] ?? schedule.catchup}</dd>
        <dt>Max active runs</dt>
        <dd>{schedule.maxActiveRuns ?? 'no limit'}</dd>
      </dl>
      <h3>Next ticks</h3>
      {schedule.nextFireTimes.length === 0 ? (
        <Empty>No upcoming tick (the schedule never fires again, or the workflow is archived).</Empty>
      ) : (
        <table className="table" style={{ maxWidth: 620 }} data-testid="next-fire-times">
          <thead>
            <tr>
              <th scope="col">In {schedule.timezone} (the workflow's zone)</th>
              <th scope="col">Your time ({viewerTimeZone()})</th>
            </tr>
          </thead>
          <tbody>
            {schedule.nextFireTimes.map((t) => (
              <tr key={t.at}>
                <td className="mono">{t.local}</td>
                <td>
                  <Time value={t.at} zone={schedule.timezone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** The data gate: which sources a partition waits for, its deadline, late-data policy. */
function GateSection({ gate }: { gate: NonNullable<Schemas['WorkflowDetails']['gate']> }) {
  return (
    <section className="panel" aria-labelledby="wp-gate-title">
      <h2 id="wp-gate-title">Data gate</h2>
      <dl className="kv">
        <dt>Waits for</dt>
        <dd>{gate.sourcesLanded.map((s) => <span key={s} className="tag">{s}</span>)} to land for a partition</dd>
        <dt>Partition</dt>
        <dd>{gate.partition}</dd>
        <dt>Expected by</dt>
        <dd>{gate.expectBy ? `${gate.expectBy} (${gate.timezone}); a partition still waiting then raises a missed-deadline alert` : 'no deadline'}</dd>
        <dt>Late data</dt>
        <dd>{gate.rerunOnLateData ? 'a source landing again after the run started reruns it' : 'a source landing again after the run started is recorded only'}</dd>
      </dl>
    </section>
  )
}

/** The Schedule tab: when runs start by themselves (cron and/or data gate). */
export function ScheduleTab({ wf }: { wf: Schemas['WorkflowDetails'] }) {
  if (!wf.schedule && !wf.gate) return <Empty>{wf.name} has no schedule and no data gate: its runs start only when someone triggers or backfills it.</Empty>
  return (
    <div style={{ display: 'grid', gap: 14, maxWidth: 900 }}>
      {wf.paused ? <p className="wp-hint">Paused: ticks and landed partitions are held until it is unpaused.</p> : null}
      {wf.schedule ? <ScheduleSection schedule={wf.schedule} /> : null}
      {wf.gate ? <GateSection gate={wf.gate} /> : null}
    </div>
  )
}
