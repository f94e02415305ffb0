import { useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { $api, api } from '../../api/client'
import { useCan, useMe } from '../../auth/auth-context'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { actionOutcome, unreachableOutcome, type ActionOutcome } from '../../ui/action-outcome'
import { InlineConfirm, LookBadge, OutcomeText } from './ops-bits'
import { CreateToken } from './token-create'
import { grantWords, TOKEN_STATE, tokenState, type ApiToken } from './token-form'
import { useUrlParams } from './url-state'
import './ops.css'

/** "Revoke" with an inline confirmation, and what came of it. */
function RevokeToken({ token, isMine }: { token: ApiToken; isMine: boolean }) {
  const queryClient = useQueryClient()
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null)
  const revoke = async () => {
    setBusy(true)
    try {
      const answer = await api.DELETE('/tokens/{idOrName}', { params: { path: { idOrName: token.id } } })
      setOutcome(answer.data?.alreadyRevoked ? { tone: 'ignored', text: 'It was already revoked.' } : actionOutcome({ status: answer.response.status, error: answer.error }, 'Revoked'))
      await queryClient.invalidateQueries({ queryKey: ['get', '/tokens'] })
    } catch (e) {
      setOutcome(unreachableOutcome(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <span className="tk-revoke">
      {tokenState(token) === 'active' ? (
        <InlineConfirm
          label="Revoke"
          confirmLabel="Yes, revoke"
          question={isMine ? 'This is the token you are signed in with: revoking it signs you out. Revoke?' : `Revoke “${token.name}” now? Requests with it are refused at once.`}
          busy={busy}
          onConfirm={() => void revoke()}
        />
      ) : null}
      <OutcomeText outcome={outcome} />
    </span>
  )
}

/** The token list for admins. */
function TokenList() {
  const me = useMe()
  const [params, setParams] = useUrlParams()
  const creating = params.get('create') === '1'
  const showAll = params.get('show') === 'all'
  const list = $api.useQuery('get', '/tokens')
  const all = list.data?.items ?? []
  const items = showAll ? all : all.filter((t) => tokenState(t) === 'active')

  return (
    <div className="ops-page">
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <span className="muted">Bearer credentials for the API and the CLI, each with one role, optionally scoped to workflows.</span>
        </div>
        <div className="actions">
          {!creating ? (
            <button type="button" className="primary" onClick={() => setParams({ create: '1' })}>
              Create token
            </button>
          ) : null}
        </div>
      </div>
      {creating ? <CreateToken onClose={() => setParams({ create: '' })} /> : null}
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={showAll} onChange={(e) => setParams({ show: e.target.checked ? 'all' : '' })} /> show revoked and expired tokens too
        </label>
      </div>
      {list.isPending ? (
        <Loading what="tokens" />
      ) : list.isError ? (
        <ErrorState error={list.error} what="tokens" retry={() => void list.refetch()} />
      ) : !items.length ? (
        <Empty>
          {all.length ? 'No active token (tick the box above to see revoked and expired ones).' : 'No API tokens yet.'} Create one with “Create token”
          above, or <code>baton token create --role viewer</code>.
        </Empty>
      ) : (
        <div className="ops-scroll">
          <table className="table ops-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Grants</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Revoked</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => {
                const isMine = me.kind === 'token' && me.id === `token:${t.name}`
                return (
                  <tr key={t.id}>
                    <td>
                      <strong>{t.name}</strong> {isMine ? <span className="tag">you</span> : null}
                      <div className="ops-sub mono" title="Public id: the part of the secret after baton_">
                        {t.id}
                      </div>
                    </td>
                    <td>{t.grants.map(grantWords).join(', ')}</td>
                    <td>
                      <LookBadge look={TOKEN_STATE[tokenState(t)]} />
                    </td>
                    <td>
                      <Time value={t.createdAt} />
                      <div className="ops-sub">by {t.createdBy ?? 'unknown'}</div>
                    </td>
                    <td>{t.expiresAt ? <Time value={t.expiresAt} /> : <span className="muted">never</span>}</td>
                    <td>{t.lastUsedAt ? <Time value={t.lastUsedAt} /> : <span className="muted">never used</span>}</td>
                    <td>
                      {t.revokedAt ? (
                        <>
                          <Time value={t.revokedAt} />
                          <div className="ops-sub">by {t.revokedBy ?? 'unknown'}</div>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <RevokeToken token={t} isMine={isMine} />
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

/**
 * API tokens (admins): the list with grants, creator, expiry, last use and revocation; "Create
 * token" (the secret shown once) and "Revoke" with an inline confirmation.
 */
export function TokensPage() {
  const can = useCan()
  if (!can('tokens'))
    return (
      <div className="ops-page">
        <h1>API tokens</h1>
        <Empty>
          <strong>Admins only.</strong> Creating, listing and revoking API tokens needs the admin role on all workflows. Ask an admin for a token, or
          use <code>baton token create</code> where you have database access.
        </Empty>
      </div>
    )
  return <TokenList />
}
