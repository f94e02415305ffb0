import { Empty } from '../../ui/states'
import type { RunTask, TaskAttempt } from './run-patch'

/** Past this many characters a JSON value is cut (the API's answer holds all of it). */
const MAX_JSON_CHARS = 200_000
/** Rows of a check's sample shown as a table. */
const MAX_SAMPLE_ROWS = 200

/** A JSON value, pretty-printed. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  const text = JSON.stringify(value, null, 2) ?? String(value)
  const cut = text.length > MAX_JSON_CHARS
  return (
    <>
      <pre className="json" aria-label={label} tabIndex={0}>
        {cut ? text.slice(0, MAX_JSON_CHARS) : text}
      </pre>
      {cut ? <p className="muted">Cut at {MAX_JSON_CHARS.toLocaleString()} characters of {text.length.toLocaleString()}.</p> : null}
    </>
  )
}

/** What an attempt returned. */
export function OutputView({ task, attempt }: { task: RunTask; attempt: TaskAttempt | undefined }) {
  const output = attempt ? attempt.output : task.output
  if (output === null || output === undefined) {
    const why = !attempt ? 'It has not run yet.' : attempt.status === 'running' || attempt.status === 'queued' ? 'The attempt has not finished yet.' : attempt.status === 'succeeded' ? 'The attempt returned nothing.' : `The attempt ${attempt.status.replace('_', ' ')}, so it returned nothing (see Error).`
    return <Empty>No output. {why}</Empty>
  }
  return <JsonBlock value={output} label={`Output of ${task.id}`} />
}

interface TaskError {
  message?: unknown
  kind?: unknown
  stack?: unknown
  retryable?: unknown
}

/** Why an attempt failed: its message, kind, whether it was retryable, and the stack if any. */
export function ErrorView({ task, attempt }: { task: RunTask; attempt: TaskAttempt | undefined }) {
  const error = attempt ? attempt.error : task.error
  if (error === null || error === undefined) return <Empty>No error{attempt ? ` in attempt ${attempt.attempt}` : ''}.</Empty>
  if (typeof error !== 'object') return <pre className="json">{String(error)}</pre>
  const e = error as TaskError
  const rest = Object.fromEntries(Object.entries(error).filter(([k]) => !['message', 'kind', 'stack', 'retryable'].includes(k)))
  return (
    <div className="task-error">
      <p className="error-message">
        <strong>{typeof e.message === 'string' ? e.message : 'Failed (no message).'}</strong>
      </p>
      <dl className="kv">
        {e.kind !== undefined ? (
          <>
            <dt>Kind</dt>
            <dd>
              <code>{String(e.kind)}</code>
            </dd>
          </>
        ) : null}
        {e.retryable !== undefined ? (
          <>
            <dt>Retryable</dt>
            <dd>{e.retryable ? 'yes — it is retried while attempts remain' : 'no — it is not retried'}</dd>
          </>
        ) : null}
      </dl>
      {typeof e.stack === 'string' ? (
        <>
          <h3>Stack</h3>
          <pre className="stack" tabIndex={0}>
            {e.stack}
          </pre>
        </>
      ) : null}
      {Object.keys(rest).length ? <JsonBlock value={rest} label="Other error details" /> : null}
    </div>
  )
}

/** What the task received: each upstream task's output, by task id. */
export function InputsView({ task, onSelectTask }: { task: RunTask; onSelectTask: (id: string) => void }) {
  const entries = Object.entries(task.inputs ?? {})
  if (!task.upstream.length) return <Empty>{task.id} has no upstream tasks, so it receives no inputs.</Empty>
  if (!entries.length) return <Empty>No inputs yet: its upstream tasks ({task.upstream.join(', ')}) have not produced output.</Empty>
  return (
    <div className="inputs">
      {entries.map(([from, value]) => (
        <section key={from}>
          <h3>
            From{' '}
            <button type="button" className="linklike" onClick={() => onSelectTask(from)}>
              {from}
            </button>
          </h3>
          <JsonBlock value={value} label={`Input from ${from}`} />
        </section>
      ))}
    </div>
  )
}

/** Rows as a table when they are an array of plain objects; null otherwise. */
function sampleColumns(sample: unknown): string[] | null {
  if (!Array.isArray(sample) || !sample.length) return null
  if (!sample.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) return null
  return [...new Set(sample.flatMap((r) => Object.keys(r as object)))]
}

function cell(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v)
}

/** A check's verdict: passed or not, its details, and the offending rows it sampled. */
export function CheckView({ task, attempt }: { task: RunTask; attempt: TaskAttempt | undefined }) {
  const check = attempt ? attempt.check : task.check
  if (!check) {
    if (task.kind !== 'check') return <Empty>{task.id} is a {task.kind} task: only check tasks give a verdict.</Empty>
    return <Empty>No verdict yet{attempt ? ` for attempt ${attempt.attempt}` : ''}: the check has not finished.</Empty>
  }
  const columns = sampleColumns(check.sample)
  const rows = Array.isArray(check.sample) ? (check.sample as Record<string, unknown>[]) : []
  return (
    <div className="check-view">
      <p className={`check-verdict ${check.passed ? 'st st-succeeded' : 'st st-failed'}`} data-testid="check-verdict">
        <span aria-hidden="true">{check.passed ? '✓' : '✕'}</span> {check.passed ? 'Check passed' : 'Check failed'}
      </p>
      <h3>Details</h3>
      {typeof check.details === 'string' ? <p>{check.details}</p> : check.details == null ? <p className="muted">None given.</p> : <JsonBlock value={check.details} label="Check details" />}
      <h3>Sample of offending rows</h3>
      {check.sample == null || (Array.isArray(check.sample) && !check.sample.length) ? (
        <p className="muted">The check returned no sample.</p>
      ) : columns ? (
        <div className="sample-wrap">
          <table className="table sample" aria-label="Sample of offending rows">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, MAX_SAMPLE_ROWS).map((r, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c} className="mono">
                      {cell(r[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length > MAX_SAMPLE_ROWS ? <p className="muted">First {MAX_SAMPLE_ROWS} of {rows.length} rows.</p> : null}
        </div>
      ) : (
        <JsonBlock value={check.sample} label="Check sample" />
      )}
    </div>
  )
}
