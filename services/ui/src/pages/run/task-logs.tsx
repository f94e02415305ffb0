import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { EventSource } from 'eventsource'
import { api, toApiError } from '../../api/client'
import { currentToken } from '../../auth/session'
import { ErrorState } from '../../ui/states'
import { appendLines, fieldsText, linesFromBatch, linesFromPage, type LogLine } from './log-lines'

/** Lines per stored page. */
const PAGE = 500

type Tail = 'off' | 'connecting' | 'live' | 'reconnecting'

interface LogState {
  lines: LogLine[]
  /** The stream cursor after the last line held (`after` of the next read). */
  next: number
  /** More lines are stored past `next` (a finished attempt: "Load more"). */
  more: boolean
  dropped: number
  loading: boolean
  error: unknown
}

const EMPTY: LogState = { lines: [], next: 0, more: false, dropped: 0, loading: true, error: null }

const viewerTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })

function clock(ts: string): string {
  const d = new Date(ts)
  return Number.isNaN(d.getTime()) ? ts : viewerTime.format(d)
}

/**
 * An attempt's logs (mount it with a key per task and attempt): the stored lines page by page (oldest first), then — while the attempt runs —
 * the live tail over SSE from where the pages ended (nothing lost, nothing twice). The view
 * follows new lines until the reader scrolls up, and offers to jump back to the end.
 */
export function TaskLogs({ runId, taskId, attempt, running, waiting }: { runId: string; taskId: string; attempt: number; running: boolean; waiting: boolean }) {
  const [state, setState] = useState<LogState>(EMPTY)
  const [tail, setTail] = useState<Tail>('off')
  const cursor = useRef(0)

  const readPage = useCallback(
    async (after: number, signal?: AbortSignal) => {
      const r = await api.GET('/runs/{id}/tasks/{taskId}/logs', { params: { path: { id: runId, taskId }, query: { attempt, after, limit: PAGE } }, signal })
      if (r.error !== undefined || !r.data) throw toApiError(r.error, r.response)
      const page = r.data
      setState((s) => {
        const { lines, dropped } = appendLines(s.lines, linesFromPage(page.items))
        return { lines, next: Math.max(s.next, page.next), more: page.more, dropped: s.dropped + dropped, loading: false, error: null }
      })
      cursor.current = Math.max(cursor.current, page.next)
    },
    [runId, taskId, attempt],
  )

  // The first page, on every change of task or attempt.
  const [loadedFirst, setLoadedFirst] = useState(false)
  useEffect(() => {
    const abort = new AbortController()
    setState(EMPTY)
    setLoadedFirst(false)
    cursor.current = 0
    readPage(0, abort.signal)
      .then(() => setLoadedFirst(true))
      .catch((e: unknown) => !abort.signal.aborted && setState((s) => ({ ...s, loading: false, error: e })))
    return () => abort.abort()
  }, [readPage])

  // The live tail while the attempt runs; when it stops, one last read picks up the final lines.
  useEffect(() => {
    if (!running || !loadedFirst) return
    const url = new URL(`/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/logs/live`, window.location.origin)
    url.searchParams.set('attempt', String(attempt))
    url.searchParams.set('after', String(cursor.current))
    setTail('connecting')
    const source = new EventSource(url.href, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${currentToken() ?? ''}` } }),
    })
    source.addEventListener('open', () => setTail('live'))
    source.addEventListener('error', () => setTail('reconnecting'))
    source.addEventListener('log', (e: MessageEvent) => {
      let added: LogLine[]
      try {
        added = linesFromBatch(JSON.parse(e.data as string))
      } catch {
        return // a malformed batch is skipped; the stored log still has it
      }
      const seq = added[0]?.seq
      if (seq !== undefined) cursor.current = Math.max(cursor.current, seq)
      setState((s) => {
        const { lines, dropped } = appendLines(s.lines, added)
        return { ...s, lines, next: Math.max(s.next, seq ?? 0), more: false, dropped: s.dropped + dropped }
      })
    })
    return () => {
      source.close()
      setTail('off')
    }
  }, [running, loadedFirst, runId, taskId, attempt, readPage])

  // When the attempt stops running, one last read picks up lines stored after the tail closed.
  const wasRunning = useRef(running)
  useEffect(() => {
    if (wasRunning.current && !running && loadedFirst) void readPage(cursor.current).catch(() => {})
    wasRunning.current = running
  }, [running])

  if (state.error) return <ErrorState error={state.error} what={`the logs of ${taskId}`} retry={() => void readPage(state.next).catch((e: unknown) => setState((s) => ({ ...s, error: e })))} />
  return <LogView state={state} tail={tail} running={running} waiting={waiting} loadMore={() => void readPage(state.next).catch((e: unknown) => setState((s) => ({ ...s, error: e })))} />
}

/** The lines, virtualized (a long log stays light), following the end unless scrolled up. */
function LogView({ state, tail, running, waiting, loadMore }: { state: LogState; tail: Tail; running: boolean; waiting: boolean; loadMore: () => void }) {
  const scroller = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const lines = state.lines
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => 19, overscan: 20 })

  useLayoutEffect(() => {
    if (follow && lines.length) virtualizer.scrollToIndex(lines.length - 1, { align: 'end' })
  }, [lines.length, follow])

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 24
    if (atEnd !== follow) setFollow(atEnd)
  }

  return (
    <div className="logs">
      <div className="logs-bar">
        <span className="muted">
          {state.loading ? 'Loading…' : `${lines.length.toLocaleString()} line${lines.length === 1 ? '' : 's'}`}
          {state.dropped ? ` (the oldest ${state.dropped.toLocaleString()} dropped from view)` : ''}
        </span>
        {running ? (
          <span className={`live live-${tail === 'live' ? 'live' : tail === 'off' ? 'connecting' : tail}`} role="status">
            <span aria-hidden="true">●</span> {tail === 'live' ? 'live tail' : tail === 'reconnecting' ? 'reconnecting…' : 'connecting…'}
          </span>
        ) : null}
        {!follow && lines.length ? (
          <button type="button" onClick={() => setFollow(true)}>
            ↓ Jump to latest
          </button>
        ) : null}
      </div>
      <div ref={scroller} className="log-lines" onScroll={onScroll} tabIndex={0} role="log" aria-label="Log lines" aria-live="off">
        {!lines.length && !state.loading ? <p className="muted log-empty">{waiting ? 'The attempt has not started yet (a worker or, when the panel says so, a slot); its lines appear here once it starts.' : running ? 'No lines yet; new lines appear here as the task writes them.' : 'This attempt wrote no log lines.'}</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const l = lines[item.index]!
            return (
              <div key={l.key} ref={virtualizer.measureElement} data-index={item.index} className={`log-line lvl-${l.level} out-${l.stream}`} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
                <time dateTime={l.ts} title={l.ts}>
                  {clock(l.ts)}
                </time>
                <span className="log-level">{l.level}</span>
                <span className="log-stream">{l.stream}</span>
                <span className="log-msg">
                  {l.msg}
                  {Object.keys(l.fields).length ? <span className="log-fields"> {fieldsText(l.fields)}</span> : null}
                </span>
              </div>
            )
          })}
        </div>
      </div>
      {state.more && !running ? (
        <button type="button" onClick={loadMore}>
          Load more lines
        </button>
      ) : null}
    </div>
  )
}
