import type { RunSpec } from '@baton/shared'
import type { TaskContext } from '../task-context.js'
import { TaskFailure } from '../task-failure.js'
import type { ExecutorResult } from './executor.js'

/** An HTTP task's spec: `{ http: { method, url, headers?, body? } }`. */
export type HttpRun = Extract<RunSpec, { http: unknown }>

/** Most bytes of a response body read; the rest is discarded (outputs are capped anyway). */
const MAX_BODY_BYTES = 1024 * 1024
/** How much of a non-JSON body is kept in an output or a failure's details. */
const BODY_TEXT_CHARS = 64 * 1024
/** How much of the body goes into a failure message. */
const BODY_IN_MESSAGE_CHARS = 500

/**
 * Makes the task's HTTP request with the attempt's AbortSignal. A 2xx succeeds with the parsed
 * JSON body (or `{ status, body }` when it is not JSON); any other status fails with kind
 * `http_status`, retryable for 5xx and 429 only (another 4xx will not change on retry); a
 * network error fails retryably with kind `http_error`. The request carries `traceparent` and
 * an `Idempotency-Key` (stable across retries) unless the spec sets them. The request line and
 * the response status go to `ctx.log` (so to the task log), with the URL's query and
 * credentials left out.
 */
export async function runHttp(ctx: TaskContext, spec: HttpRun, traceparent: string): Promise<ExecutorResult> {
  const { method, url, body } = spec.http
  const headers = new Headers(spec.http.headers ?? {})
  if (!headers.has('traceparent')) headers.set('traceparent', traceparent)
  if (!headers.has('idempotency-key')) headers.set('idempotency-key', ctx.idempotencyKey)
  let payload: string | undefined
  if (typeof body === 'string') payload = body
  else if (body !== undefined) {
    payload = JSON.stringify(body)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }

  let response: Response
  let text: string
  const shown = urlForLog(url)
  const startedAt = Date.now()
  ctx.log.info(`${method} ${shown}`)
  try {
    response = await fetch(url, { method, headers, body: payload, signal: ctx.signal })
    text = await readText(response)
    ctx.log.info(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} in ${Date.now() - startedAt} ms`)
  } catch (e) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    const cause = (e as Error & { cause?: Error }).cause
    const why = cause?.message ? `${(e as Error).message} (${cause.message})` : (e as Error).message
    ctx.log.warn(`${method} ${shown} failed after ${Date.now() - startedAt} ms: ${why}`)
    throw new TaskFailure(`${method} ${url} failed: ${why}`, { kind: 'http_error', retryable: true, cause: e })
  }

  const json = parseJson(text)
  if (response.ok) return { output: json.ok ? json.value : { status: response.status, body: text.slice(0, BODY_TEXT_CHARS) }, details: { status: response.status } }
  const retryable = response.status >= 500 || response.status === 429
  const snippet = text.trim().slice(0, BODY_IN_MESSAGE_CHARS)
  throw new TaskFailure(`${method} ${url} returned HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
    kind: 'http_status',
    retryable,
    details: { status: response.status, body: text.slice(0, BODY_TEXT_CHARS) },
  })
}

/** The URL as logged: no user info, and the query string replaced by `?…` (it often carries tokens). */
function urlForLog(url: string): string {
  try {
    const u = new URL(url)
    const query = u.search ? '?…' : ''
    return `${u.protocol}//${u.host}${u.pathname}${query}`
  } catch {
    return '(invalid URL)'
  }
}

async function readText(response: Response): Promise<string> {
  if (!response.body) return ''
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    bytes += value.length
    if (bytes >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {})
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8')
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (!text.trim()) return { ok: false }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}
