import { useMemo } from 'react'
import { Link } from 'react-router'
import { $api, type Schemas } from '../../api/client'
import { StatusBadge } from '../../ui/status'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { formatAgo, formatTime, Time } from '../../ui/time'
import { deadlineState, latestPerPartition, readinessWords, sourceStates, type Readiness } from './partition-status'

type RunSummary = Schemas['RunSummary']

function RunCell({ runId, runs }: { runId: string | null; runs: Map<string, RunSummary> }) {
  if (!runId) return <span className="muted">not started</span>
  const run = runs.get(runId)
  return (
    <>
      {run ? <StatusBadge status={run.status} /> : null} <Link to={`/ui/runs/${encodeURIComponent(runId)}`}>open run</Link>
    </>
  )
}

function Deadline({ r, zone }: { r: Readiness; zone: string }) {
  const state = deadlineState(r, Date.now())
  if (state === 'none') return <span className="muted">no deadline</span>
  return (
    <span className={state === 'missed' ? 'wp-pt-missed' : ''}>
      <Time value={r.deadline} zone={zone} />{' '}
      {state === 'missed' ? (r.runId ? '— missed (data landed late)' : '— missed') : state === 'met' ? <span className="muted">— met</span> : <span className="muted">— due {formatAgo(r.deadline)}</span>}
    </span>
  )
}

/** The readiness table of a data-gated workflow: per partition, each required source, the deadline, the run. */
function GatedPartitions({ wf, gate }: { wf: Schemas['WorkflowDetails']; gate: NonNullable<Schemas['WorkflowDetails']['gate']> }) {
  // Landings announce themselves through no event the UI receives: look again every 30 s.
  const readiness = $api.useQuery('get', '/workflows/{name}/readiness', { params: { path: { name: wf.name }, query: { limit: 60 } } }, { refetchInterval: 30_000 })
  const runs = $api.useQuery('get', '/runs', { params: { query: { workflow: wf.name, limit: 200 } } })
  const byId = useMemo(() => new Map((runs.data?.items ?? []).map((r) => [r.id, r])), [runs.data])
  if (readiness.isPending) return <Loading what="partition readiness" />
  if (readiness.isError) return <ErrorState error={readiness.error} what="partition readiness" retry={() => void readiness.refetch()} />
  const items = readiness.data.items as Readiness[]
  if (items.length === 0) return <Empty>No partition has any of {gate.sourcesLanded.join(', ')} landed yet: a run starts for a partition once all of them land.</Empty>
  return (
    <table className="table" data-testid="partition-readiness">
      <thead>
        <tr>
          <th scope="col">Partition</th>
          <th scope="col">What it is waiting for</th>
          {gate.sourcesLanded.map((s) => (
            <th key={s} scope="col">
              {s}
            </th>
          ))}
          <th scope="col">Deadline ({gate.expectBy ?? '—'} {gate.timezone})</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => {
          const sources = new Map(sourceStates(r).map((s) => [s.source, s.landed]))
          return (
            <tr key={r.partition} data-partition={r.partition} data-status={r.status}>
              <th scope="row" className="mono wp-pt-partition">
                {r.partition}
              </th>
              <td>{readinessWords(r, Date.now())}</td>
              {gate.sourcesLanded.map((s) => {
                const landed = sources.get(s)
                return (
                  <td key={s} className="wp-pt-source">
                    {landed ? (
                      <span className="wp-pt-landed" title={`landed ${formatTime(landed.at)}${landed.uri ? `\n${landed.uri}` : ''}`}>
                        <span aria-hidden="true">✓</span> landed <span className="muted">{formatAgo(landed.at)}</span>
                      </span>
                    ) : (
                      <span className="wp-pt-missing">
                        <span aria-hidden="true">✕</span> missing
                      </span>
                    )}
                    {landed?.uri ? <div className="muted mono">{landed.uri}</div> : null}
                  </td>
                )
              })}
              <td>
                <Deadline r={r} zone={gate.timezone} />
              </td>
              <td>
                <RunCell runId={r.runId} runs={byId} />
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** For a workflow without a data gate: the latest run of each partition (from its 200 newest runs). */
function RunPartitions({ wf, onTrigger }: { wf: Schemas['WorkflowDetails']; onTrigger?: () => void }) {
  const runs = $api.useQuery('get', '/runs', { params: { query: { workflow: wf.name, limit: 200 } } })
  const rows = useMemo(() => latestPerPartition(runs.data?.items ?? []), [runs.data])
  if (runs.isPending) return <Loading what="runs by partition" />
  if (runs.isError) return <ErrorState error={runs.error} what="runs by partition" retry={() => void runs.refetch()} />
  if (rows.length === 0) return <Empty>No runs yet, so no partitions — {onTrigger ? <button type="button" onClick={onTrigger}>Trigger run</button> : 'runs start from the schedule or a trigger'}.</Empty>
  return (
    <>
      <p className="wp-hint">
        {wf.name} has no data gate: a partition's run starts {wf.schedule ? `on its schedule (${wf.schedule.cron}, ${wf.schedule.timezone})` : 'when someone triggers it'}. Latest run per partition, from the newest {runs.data.items.length} runs.
      </p>
      <table className="table" data-testid="partition-runs">
        <thead>
          <tr>
            <th scope="col">Partition</th>
            <th scope="col">Latest run</th>
            <th scope="col">Created</th>
            <th scope="col">First failure</th>
            <th scope="col">Runs</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.partition} data-partition={row.partition} data-status={row.latest.status}>
              <th scope="row" className="mono wp-pt-partition">
                {row.partition}
              </th>
              <td>
                <StatusBadge status={row.latest.status} /> <Link to={`/ui/runs/${encodeURIComponent(row.latest.id)}`}>open run</Link>
              </td>
              <td>
                <Time value={row.latest.createdAt} />
              </td>
              <td>{row.latest.error ? `${row.latest.error.taskId}: ${row.latest.error.message}` : <span className="muted">—</span>}</td>
              <td>{row.runs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

/** The Partitions tab: "why hasn't this run started?" for data-gated workflows; latest run per partition otherwise. */
export function PartitionsTab({ wf, onTrigger }: { wf: Schemas['WorkflowDetails']; onTrigger?: () => void }) {
  if (!wf.gate) return <RunPartitions wf={wf} onTrigger={onTrigger} />
  return (
    <>
      <p className="wp-hint">
        A partition's run starts once {wf.gate.sourcesLanded.join(' and ')} have landed for it{wf.gate.expectBy ? `, expected by ${wf.gate.expectBy} (${wf.gate.timezone}; each partition's deadline is in the table)` : ''}
        {wf.gate.rerunOnLateData ? '; data landing again after the run reruns it' : ''}.{wf.paused ? ' The workflow is paused: complete partitions wait until it is unpaused.' : ''}
      </p>
      <GatedPartitions wf={wf} gate={wf.gate} />
    </>
  )
}
