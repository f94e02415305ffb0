import { useId, useState, type FormEvent } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { formatTime } from '../../ui/time'
import { actionOutcome, unreachableOutcome, type ActionOutcome } from '../../ui/action-outcome'
import { OutcomeText } from './ops-bits'
import { EMPTY_TOKEN_FORM, EXPIRY_CHOICES, grantWords, ROLE_HINTS, ROLES, tokenRequestBody, type ApiToken, type Role, type TokenForm } from './token-form'

/**
 * A new token's secret, shown this once (Baton keeps only its hash): a copy button, a warning,
 * and nothing that would keep it (not in the URL, not in the query cache).
 */
function SecretOnce({ token, secret, onDone }: { token: ApiToken; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string>('')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('Copied to the clipboard.')
    } catch {
      setCopied('Could not copy: select the secret and copy it by hand.')
    }
  }
  return (
    <section className="panel tk-secret" aria-labelledby="tk-secret-title">
      <h2 id="tk-secret-title">Token “{token.name}” created</h2>
      <p className="tk-warning" role="alert">
        <strong>Copy the secret now: it is shown only this once.</strong> Baton keeps only its hash; if it is lost, revoke the token and create another.
        Use it as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </p>
      <div className="tk-secret-row">
        <input type="text" readOnly value={secret} aria-label="Token secret" className="mono" onFocus={(e) => e.target.select()} size={Math.min(72, secret.length + 2)} />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy secret
        </button>
        <span role="status">{copied}</span>
      </div>
      <p className="muted">
        Grants: {token.grants.map(grantWords).join(', ')}; {token.expiresAt ? `expires ${formatTime(token.expiresAt)}` : 'never expires'}.
      </p>
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  )
}

/** The form's fields. */
function TokenFields({ form, set }: { form: TokenForm; set: (changes: Partial<TokenForm>) => void }) {
  const id = useId()
  return (
    <div className="tk-fields">
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} type="text" value={form.name} onChange={(e) => set({ name: e.target.value })} placeholder="e.g. ci-deploy (default: ROLE-random)" maxLength={100} />
      <label htmlFor={`${id}-role`}>Role</label>
      <div>
        <select id={`${id}-role`} value={form.role} onChange={(e) => set({ role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>{' '}
        <span className="muted">{ROLE_HINTS[form.role]}</span>
      </div>
      <span id={`${id}-scope`}>Scope</span>
      <div role="radiogroup" aria-labelledby={`${id}-scope`} className="tk-scope">
        <label>
          <input type="radio" name={`${id}-scope`} checked={form.scope === 'all'} onChange={() => set({ scope: 'all' })} /> all workflows
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={form.scope === 'workflows'} onChange={() => set({ scope: 'workflows' })} /> workflows matching{' '}
          <input type="text" aria-label="Workflow name glob" value={form.workflows} placeholder="finance_*" onFocus={() => set({ scope: 'workflows' })} onChange={(e) => set({ workflows: e.target.value, scope: 'workflows' })} />
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={form.scope === 'owner'} onChange={() => set({ scope: 'owner' })} /> workflows owned by{' '}
          <input type="text" aria-label="Owner" value={form.owner} placeholder="finance" onFocus={() => set({ scope: 'owner' })} onChange={(e) => set({ owner: e.target.value, scope: 'owner' })} />
        </label>
        {form.scope !== 'all' ? <span className="muted">A scoped token never reaches tokens or the audit log, even as admin.</span> : null}
      </div>
      <label htmlFor={`${id}-expires`}>Expires</label>
      <div>
        <select id={`${id}-expires`} value={form.expires} onChange={(e) => set({ expires: e.target.value })}>
          {Object.entries(EXPIRY_CHOICES).map(([key, label]) => (
            <option key={key} value={key}>
              {key === 'never' || key === 'date' ? label : `in ${label}`}
            </option>
          ))}
        </select>{' '}
        {form.expires === 'date' ? <input type="datetime-local" aria-label="Expires at" value={form.expiresAt} onChange={(e) => set({ expiresAt: e.target.value })} /> : null}
      </div>
    </div>
  )
}

/** "Create token": the form, then the new secret once. */
export function CreateToken({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient()
  const [form, setForm] = useState<TokenForm>(EMPTY_TOKEN_FORM)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null)
  const [created, setCreated] = useState<{ token: ApiToken; secret: string } | null>(null)
  if (created) return <SecretOnce token={created.token} secret={created.secret} onDone={onClose} />

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const request = tokenRequestBody(form)
    if ('error' in request) return setOutcome({ tone: 'error', text: request.error })
    setBusy(true)
    setOutcome(null)
    try {
      const answer = await api.POST('/tokens', { body: request.body })
      if (answer.data) setCreated(answer.data)
      else setOutcome(actionOutcome({ status: answer.response.status, error: answer.error }, 'Token created'))
      await queryClient.invalidateQueries({ queryKey: ['get', '/tokens'] })
    } catch (err) {
      setOutcome(unreachableOutcome(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel tk-form" onSubmit={(e) => void submit(e)} aria-labelledby="tk-form-title">
      <h2 id="tk-form-title">Create token</h2>
      <TokenFields form={form} set={(changes) => setForm((f) => ({ ...f, ...changes }))} />
      <div className="ops-actions">
        <button type="submit" className="primary" disabled={busy}>
          Create token
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <OutcomeText outcome={outcome} />
      </div>
    </form>
  )
}
