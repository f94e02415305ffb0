/**
 * A Server-Sent Events client for tests and benchmarks, parsing the stream as the HTML
 * specification says a browser's EventSource does: `event:`, `id:`, `data:` and `retry:` fields,
 * comment lines, and the last event id (set by every `id:`, even one without data).
 */

/** One dispatched event. */
export interface SseEvent {
  readonly event: string
  readonly id: string
  readonly data: string
  /** `performance.now()` when its last line arrived. */
  readonly receivedAt: number
}

/** An open (or refused) stream. */
export interface SseConnection {
  readonly status: number
  readonly headers: Headers
  /** The body of a refused request (status other than 200). */
  readonly body: string
  readonly events: SseEvent[]
  /** Comment lines (without the colon). */
  readonly comments: string[]
  /** The last event id, as EventSource would send it on reconnect. */
  lastEventId(): string
  /** Resolves when the server ended the stream (or `close()` was called). */
  readonly ended: Promise<void>
  /** Whether the server ended the stream. */
  isEnded(): boolean
  /** Polls `check` until it returns something other than undefined/false. */
  waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T>
  /** Aborts the request (the client goes away). */
  close(): Promise<void>
}

/** Options of `openSse`. */
export interface OpenSseOptions {
  readonly token?: string
  readonly lastEventId?: string
  /** Called for each event as it is parsed. */
  readonly onEvent?: (e: SseEvent) => void
  /** Do not read the body until `resume()` (a client that does not keep up). */
  readonly paused?: boolean
}

/** Opens `url` as an event stream. */
export async function openSse(url: string, options: OpenSseOptions = {}): Promise<SseConnection & { resume(): void }> {
  const abort = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId
  const res = await fetch(url, { headers, signal: abort.signal })
  const events: SseEvent[] = []
  const comments: string[] = []
  let lastId = ''
  let ended = false
  let resumeReading: () => void = () => {}
  const resumed = options.paused ? new Promise<void>((r) => (resumeReading = r)) : Promise.resolve()
  if (res.status !== 200) {
    const body = await res.text()
    return { status: res.status, headers: res.headers, body, events, comments, lastEventId: () => lastId, ended: Promise.resolve(), isEnded: () => true, waitFor, close: async () => {}, resume: () => {} }
  }

  let eventType = ''
  let data: string[] = []
  let idBuffer = ''
  const line = (l: string) => {
    if (l === '') {
      lastId = idBuffer
      if (data.length > 0) {
        const e = { event: eventType || 'message', id: lastId, data: data.join('\n'), receivedAt: performance.now() }
        events.push(e)
        options.onEvent?.(e)
      }
      eventType = ''
      data = []
      return
    }
    if (l.startsWith(':')) return void comments.push(l.slice(1).trim())
    const colon = l.indexOf(':')
    const field = colon < 0 ? l : l.slice(0, colon)
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') eventType = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\u0000')) idBuffer = value
  }

  const reading = (async () => {
    await resumed
    const decoder = new TextDecoder()
    let rest = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        rest += decoder.decode(chunk, { stream: true })
        let nl: number
        while ((nl = rest.search(/\r\n|\r|\n/)) >= 0) {
          const crlf = rest.startsWith('\r\n', nl)
          line(rest.slice(0, nl))
          rest = rest.slice(nl + (crlf ? 2 : 1))
        }
      }
    } catch {
      // Aborted, or the connection was cut (a killed server).
    }
    ended = true
  })()

  async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const v = check()
      if (v !== undefined && v !== false) return v
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${events.length} events so far)`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  return {
    status: res.status,
    headers: res.headers,
    body: '',
    events,
    comments,
    lastEventId: () => lastId,
    ended: reading,
    isEnded: () => ended,
    waitFor,
    async close() {
      resumeReading()
      abort.abort()
      await reading
    },
    resume: () => resumeReading(),
  }
}
