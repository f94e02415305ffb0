import { useMemo, useState } from 'react'
import { Link } from 'react-router'
import { useQueryClient } from '@tanstack/react-query'
import Form from '@rjsf/core'
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils'
import { api, toApiError, type Schemas } from '../../api/client'
import { apiFieldErrors, errorWords, formValidator, newKey, OutcomeLine, paramsSchemaOf, partitionExample, partitionSchema, type Outcome } from './action-forms'
import { previewRange, type PartitionKind } from './partition-range'

type BackfillData = { from?: string; to?: string; rerun?: 'missing' | 'failed' | 'all'; concurrency?: number; params?: Record<string, unknown> }

const RERUN_WORDS = { missing: 'partitions never run', failed: 'also those whose latest run failed or was cancelled', all: 'every partition without an active run' } as const

/** The preview under the form: how many partitions the range spans, which, and what the API will skip. */
function RangePreview({ kind, data }: { kind: PartitionKind; data: BackfillData }) {
  const p = previewRange(kind, data.from ?? '', data.to ?? '')
  if ('error' in p) return <p className="wp-hint">Preview: {p.error}.</p>
  const list = [...p.head, ...(p.tail.length && p.count > p.head.length + p.tail.length ? ['…'] : []), ...p.tail].join(', ')
  return (
    <p className="wp-hint" data-testid="backfill-preview">
      Preview (worked out here; the API has no dry run): the range spans <strong>{p.count}</strong> partition{p.count === 1 ? '' : 's'} ({list}). It runs{' '}
      {RERUN_WORDS[data.rerun ?? 'missing']}, at most {data.concurrency ?? 4} at once, so up to {p.count} run{p.count === 1 ? '' : 's'}.
    </p>
  )
}

/**
 * "Backfill": a partition range (plus the run params, generated from the params schema), what
 * to rerun and how many at once; a preview of the partitions it spans; POST /backfills.
 */
export function BackfillForm({ wf, onClose }: { wf: Schemas['WorkflowDetails']; onClose: () => void }) {
  const queryClient = useQueryClient()
  const params = paramsSchemaOf(wf.definition)
  const kind = wf.partitionKind
  const schema = useMemo<RJSFSchema>(
    () => ({
      type: 'object',
      required: ['from', 'to', ...(params ? ['params'] : [])],
      properties: {
        from: partitionSchema(kind, 'From', 'First partition (inclusive)'),
        to: partitionSchema(kind, 'To', 'Last partition (inclusive)'),
        rerun: { type: 'string', title: 'Run', enum: ['missing', 'failed', 'all'], default: 'missing' },
        concurrency: { type: 'integer', title: 'Runs at once', minimum: 1, maximum: 1000, default: 4 },
        ...(params ? { params: { ...params, title: 'Parameters of every run' } } : {}),
      },
    }),
    [wf.version],
  )
  const uiSchema: UiSchema = {
    from: { 'ui:placeholder': partitionExample(kind), 'ui:autofocus': true },
    to: { 'ui:placeholder': partitionExample(kind) },
    rerun: { 'ui:widget': 'radio', 'ui:enumNames': Object.entries(RERUN_WORDS).map(([k, v]) => `${k}: ${v}`) },
  }
  const [data, setData] = useState<BackfillData>({})
  const [key, setKey] = useState(() => newKey('ui-backfill'))
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  // The API's own field issues (it validates again), shown under their fields until the next edit.
  const [fieldErrors, setFieldErrors] = useState<ErrorSchema | undefined>(undefined)

  const submit = async (d: BackfillData) => {
    setBusy(true)
    setOutcome({ tone: 'pending', text: 'Starting the backfill…' })
    try {
      const answer = await api.POST('/backfills', {
        params: { query: { wait: 5 }, header: { 'idempotency-key': key } },
        body: { workflow: wf.name, from: d.from ?? '', to: d.to ?? '', rerun: d.rerun ?? 'missing', concurrency: d.concurrency ?? 4, ...(d.params ? { params: d.params } : {}) },
      })
      if (answer.data) {
        const id = answer.data.backfillId
        const link = <Link to={`/ui/backfills?id=${encodeURIComponent(id)}`}>open backfill {id.slice(0, 13)}…</Link>
        setOutcome(answer.data.outcome === 'applied' ? { tone: 'ok', text: <>Backfill {answer.data.status ?? 'created'}: {link}</> } : { tone: 'pending', text: <>Accepted; a coordinator creates it shortly: {link}</> })
        setKey(newKey('ui-backfill'))
        void queryClient.invalidateQueries({ queryKey: ['get', '/backfills'] })
      } else {
        setOutcome({ tone: 'err', text: errorWords(answer.response.status, answer.error) })
        setFieldErrors(apiFieldErrors(answer.error))
      }
    } catch (e) {
      setOutcome({ tone: 'err', text: toApiError(e).message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel wp-action-panel" aria-labelledby="wp-backfill-title">
      <h2 id="wp-backfill-title">Backfill {wf.name}</h2>
      {kind === 'key' ? <p className="wp-hint">This workflow has key partitions, which have no order: the API refuses ranges of them.</p> : null}
      <Form
        className="wp-rjsf"
        schema={schema}
        uiSchema={uiSchema}
        validator={formValidator}
        extraErrors={fieldErrors}
        formData={data}
        onChange={(e) => {
          setData(e.formData as BackfillData)
          setFieldErrors(undefined)
        }}
        onSubmit={(e) => void submit(e.formData as BackfillData)}
        showErrorList={false}
        // Errors show under their fields; without this @rjsf also logs them to the console.
        onError={() => undefined}
        noHtml5Validate
        disabled={busy}
      >
        <RangePreview kind={kind} data={data} />
        <div className="wp-form-row">
          <button type="submit" className="primary" disabled={busy}>
            Start backfill
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </Form>
      <OutcomeLine outcome={outcome} />
    </section>
  )
}
