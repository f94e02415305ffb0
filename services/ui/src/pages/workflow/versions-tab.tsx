import { useMemo } from 'react'
import { useSearchParams } from 'react-router'
import { $api } from '../../api/client'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { definitionDiff, diffCounts, type DiffLine } from './definition-diff'

type Version = { hash: string; createdAt: string; current: boolean }

/** The line diff of two definitions: line numbers, a +/− sign and a colour per line (never colour alone). */
function DefinitionDiff({ name, a, b, full }: { name: string; a: string; b: string; full: boolean }) {
  const old = $api.useQuery('get', '/workflows/{name}/versions/{hash}', { params: { path: { name, hash: a } } })
  const cur = $api.useQuery('get', '/workflows/{name}/versions/{hash}', { params: { path: { name, hash: b } } })
  const lines = useMemo(() => (old.data && cur.data ? definitionDiff(old.data.definition, cur.data.definition, full ? Infinity : 4) : null), [old.data, cur.data, full])
  if (old.isError || cur.isError) return <ErrorState error={old.error ?? cur.error} what="the versions' definitions" retry={() => void (old.refetch(), cur.refetch())} />
  if (!lines) return <Loading what="both definitions" />
  const { added, removed } = diffCounts(lines)
  return (
    <>
      <p>
        <code>{a.slice(0, 12)}</code> → <code>{b.slice(0, 12)}</code>:{' '}
        {added + removed === 0 ? 'the definitions are the same.' : `${added} line${added === 1 ? '' : 's'} added (+), ${removed} removed (−).`}
      </p>
      <pre className="wp-vd-diff" data-testid="version-diff" aria-label={`Definition diff, ${added} lines added, ${removed} removed`}>
        {lines.map((l, i) => (
          <DiffRow key={i} line={l} />
        ))}
      </pre>
    </>
  )
}

function DiffRow({ line }: { line: DiffLine }) {
  if (line.kind === 'fold') return <div className="wp-vd-fold">⋯ {line.count} unchanged lines</div>
  const sign = line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' '
  return (
    <div className={`wp-vd-line ${line.kind === 'add' ? 'wp-vd-add' : line.kind === 'del' ? 'wp-vd-del' : ''}`} data-kind={line.kind}>
      <span className="ln">{line.oldNo ?? ''}</span>
      <span className="ln">{line.newNo ?? ''}</span>
      <span className="sign" aria-label={line.kind === 'add' ? 'added' : line.kind === 'del' ? 'removed' : undefined}>
        {sign}
      </span>
      <span>{line.text}</span>
    </div>
  )
}

/**
 * The Versions tab: every deployed version (newest first); any two chosen (`?a=` old, `?b=` new;
 * by default the previous and the current one) are compared as JSON definitions, line by line.
 */
export function VersionsTab({ name }: { name: string }) {
  const [search, setSearch] = useSearchParams()
  const versions = $api.useQuery('get', '/workflows/{name}/versions', { params: { path: { name } } })
  if (versions.isPending) return <Loading what="versions" />
  if (versions.isError) return <ErrorState error={versions.error} what="versions" retry={() => void versions.refetch()} />
  const items: Version[] = versions.data.items
  if (items.length === 0) return <Empty>No versions stored.</Empty>
  const a = search.get('a') ?? items[1]?.hash ?? null
  const b = search.get('b') ?? items[0]?.hash ?? null
  const full = search.get('context') === 'all'
  const choose = (key: 'a' | 'b', hash: string) => {
    const next = new URLSearchParams(search)
    next.set('a', key === 'a' ? hash : (a ?? hash))
    next.set('b', key === 'b' ? hash : (b ?? hash))
    setSearch(next, { replace: true })
  }
  return (
    <div>
      <table className="table" style={{ maxWidth: 760 }}>
        <caption className="sr-only">Versions of {name}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Deployed</th>
            <th scope="col">State</th>
            <th scope="col">Compare: old</th>
            <th scope="col">new</th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.hash} data-version={v.hash}>
              <th scope="row" title={v.hash}>
                <code>{v.hash.slice(0, 12)}</code>
              </th>
              <td>
                <Time value={v.createdAt} />
              </td>
              <td>{v.current ? <span className="tag">current</span> : null}</td>
              <td>
                <input type="radio" name="wp-va" checked={a === v.hash} onChange={() => choose('a', v.hash)} aria-label={`Compare from ${v.hash.slice(0, 12)}`} />
              </td>
              <td>
                <input type="radio" name="wp-vb" checked={b === v.hash} onChange={() => choose('b', v.hash)} aria-label={`Compare to ${v.hash.slice(0, 12)}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length < 2 && !search.get('a') ? (
        <Empty>Only one version is deployed: a diff appears once the workflow is deployed with a changed definition.</Empty>
      ) : a && b ? (
        <>
          <label className="wp-hint">
            <input
              type="checkbox"
              checked={full}
              onChange={(e) => {
                const next = new URLSearchParams(search)
                if (e.target.checked) next.set('context', 'all')
                else next.delete('context')
                setSearch(next, { replace: true })
              }}
            />{' '}
            Show unchanged lines
          </label>
          <DefinitionDiff name={name} a={a} b={b} full={full} />
        </>
      ) : null}
    </div>
  )
}
