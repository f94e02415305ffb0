import { useMemo, useState } from 'react'
import { Link } from 'react-router'
import { useQueryClient } from '@tanstack/react-query'
import Form from '@rjsf/core'
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils'
import { api, toApiError, type Schemas } from '../../api/client'
import { apiFieldErrors, errorWords, formValidator, newKey, OutcomeLine, paramsSchemaOf, partitionExample, partitionSchema, type Outcome } from './action-forms'

type TriggerData = { partition?: string; params?: Record<string, unknown> }

/**
 * "Trigger run": a form generated from the workflow's params JSON Schema (@rjsf) plus a partition
 * field; POST /runs. The API validates the params again; its issues are shown as given. One
 * idempotency key per opened form, so a double click starts one run.
 */
export function TriggerForm({ wf, onClose }: { wf: Schemas['WorkflowDetails']; onClose: () => void }) {
  const queryClient = useQueryClient()
  const params = paramsSchemaOf(wf.definition)
  const schema = useMemo<RJSFSchema>(
    () => ({
      type: 'object',
      properties: {
        partition: partitionSchema(wf.partitionKind, 'Partition', `Optional. A ${wf.partitionKind} partition (${partitionExample(wf.partitionKind)}).`),
        ...(params ? { params: { ...params, title: 'Parameters' } } : {}),
      },
      ...(params ? { required: ['params'] } : {}),
    }),
    [wf.version],
  )
  const uiSchema: UiSchema = { partition: { 'ui:placeholder': partitionExample(wf.partitionKind), 'ui:autofocus': true } }
  const [data, setData] = useState<TriggerData>({})
  const [key, setKey] = useState(() => newKey('ui-trigger'))
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  // The API's own field issues (it validates again), shown under their fields until the next edit.
  const [fieldErrors, setFieldErrors] = useState<ErrorSchema | undefined>(undefined)

  const submit = async (formData: TriggerData) => {
    setBusy(true)
    setOutcome({ tone: 'pending', text: 'Triggering…' })
    try {
      const answer = await api.POST('/runs', {
        params: { query: { wait: 5 } },
        body: { workflow: wf.name, idempotencyKey: key, params: formData.params ?? {}, ...(formData.partition ? { partition: formData.partition } : {}) },
      })
      if (answer.data) {
        const { runId, created } = answer.data
        setOutcome(
          runId
            ? { tone: 'ok', text: <>{created ? 'Run started' : 'That run already exists'}: <Link to={`/ui/runs/${encodeURIComponent(runId)}`}>open run {runId.slice(0, 13)}…</Link></> }
            : { tone: 'pending', text: `Accepted (key ${answer.data.idempotencyKey}); no coordinator has created the run yet — it appears in the grid when one does.` },
        )
        setKey(newKey('ui-trigger'))
        void queryClient.invalidateQueries({ queryKey: ['workflow-grid', wf.name] })
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
    <section className="panel wp-action-panel" aria-labelledby="wp-trigger-title">
      <h2 id="wp-trigger-title">Trigger a run of {wf.name}</h2>
      {params ? null : <p className="wp-hint">This workflow takes no parameters.</p>}
      <Form
        className="wp-rjsf"
        schema={schema}
        uiSchema={uiSchema}
        validator={formValidator}
        extraErrors={fieldErrors}
        formData={data}
        onChange={(e) => {
          setData(e.formData as TriggerData)
          setFieldErrors(undefined)
        }}
        onSubmit={(e) => void submit(e.formData as TriggerData)}
        showErrorList={false}
        // Errors show under their fields; without this @rjsf also logs them to the console.
        onError={() => undefined}
        noHtml5Validate
        disabled={busy}
      >
        <div className="wp-form-row">
          <button type="submit" className="primary" disabled={busy}>
            Start run
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
