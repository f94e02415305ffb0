import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { encodeJson } from '@baton/shared'
import { startStockWorker, type StockWorker } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { buildCommand, captureLogger, publishCommand, TaskEventLog } from './worker-fixtures.js'

const QUEUE = 'stock'
let ns: TestNamespace
let events: TaskEventLog
let stock: StockWorker
let server: Server
let baseUrl: string
let tmp: string
const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = []

before(async () => {
  ns = await createTestNamespace('worker-runners')
  events = await TaskEventLog.open(ns)
  stock = await startStockWorker({ queues: [QUEUE], concurrency: 4, config: ns.config, nc: ns.nc, logger: captureLogger().logger })
  tmp = await mkdtemp(join(tmpdir(), 'baton-worker-runners-'))
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      if (req.url === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ loaded: 7, echo: body ? JSON.parse(body) : null }))
      if (req.url === '/text') return res.writeHead(201, { 'content-type': 'text/plain' }).end('created')
      if (req.url === '/boom') return res.writeHead(500).end('upstream exploded')
      if (req.url === '/busy') return res.writeHead(429).end('slow down')
      res.writeHead(404).end('no such thing')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  await stock?.stop()
  await events?.close()
  await ns?.close()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  if (tmp) await rm(tmp, { recursive: true, force: true })
  await assertNoLeaks()
})

/** True while `pid` is a live process (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('stock worker runners', { timeout: 60_000 }, () => {
  test('sh: exit 0 succeeds with the JSON last line as output and sees the BATON_* environment', async () => {
    const script = [
      'echo "starting in $BATON_WORKFLOW"',
      'echo "a warning" >&2',
      'printf \'{"partition":"%s","x":"%s","n":%s,"inputs":%s,"attempt":"%s","task":"%s","key":"%s","foo":"%s","run":"%s"}\\n\' ' +
        '"$BATON_PARTITION" "$BATON_PARAM_MY_X" "$BATON_PARAM_N" "$BATON_INPUTS" "$BATON_ATTEMPT" "$BATON_TASK_ID" "$BATON_IDEMPOTENCY_KEY" "$FOO" "$BATON_RUN_ID"',
    ].join('\n')
    const cmd = buildCommand(QUEUE, {
      taskId: 'load_raw',
      partition: '2026-06-01',
      params: { 'my-x': 'hello', n: 5 },
      inputs: { extract: { rows: 3 } },
      task: { handler: 'load_raw', run: { sh: script, env: { FOO: 'bar' } } },
    })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded', JSON.stringify(result.error))
    assert.deepEqual(result.output, {
      partition: '2026-06-01',
      x: 'hello',
      n: 5,
      inputs: { extract: { rows: 3 } },
      attempt: '1',
      task: 'load_raw',
      key: cmd.idempotencyKey,
      foo: 'bar',
      run: cmd.runId,
    })
    assert.match(String(result.details?.stdout), /^starting in daily_revenue\n/)
    assert.equal(result.details?.stderr, 'a warning\n')
    assert.equal(result.details?.exitCode, 0)
  })

  test('sh: an unpartitioned run gets an empty BATON_PARTITION and a non-JSON last line gives a null output', async () => {
    const cmd = buildCommand(QUEUE, { task: { run: { sh: 'echo "partition=[$BATON_PARTITION]"' } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded')
    assert.equal(result.output, null)
    assert.equal(result.details?.stdout, 'partition=[]\n')
  })

  test('sh: a non-zero exit fails retryably with kind exit_code, the code and the stderr tail', async () => {
    const cmd = buildCommand(QUEUE, { task: { run: { sh: 'echo "partial" ; echo "dbt: model facts failed" >&2 ; exit 3' } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.kind, 'exit_code')
    assert.equal(result.error?.retryable, true)
    assert.match(result.error?.message ?? '', /code 3/)
    assert.match(result.error?.message ?? '', /dbt: model facts failed/)
    assert.deepEqual(result.details, { stdout: 'partial\n', stderr: 'dbt: model facts failed\n', exitCode: 3 })
  })

  test('sh: stderr kept in details is capped to its last 64 KiB', async () => {
    // ~200 KiB on stderr, then a marker: the tail must keep the marker and stay within the cap.
    const cmd = buildCommand(QUEUE, { task: { run: { sh: 'i=0; while [ $i -lt 2000 ]; do printf "%0100d\\n" $i >&2; i=$((i+1)); done; echo END >&2; exit 1' } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    // Exactly the last 64 KiB of what the script printed (ASCII: bytes and characters agree).
    const printed = `${Array.from({ length: 2000 }, (_, i) => `${String(i).padStart(100, '0')}\n`).join('')}END\n`
    assert.equal(result.details?.stderr, printed.slice(-64 * 1024))
  })

  test('sh: an abort notice kills the whole process group and publishes no result', async (t) => {
    // One slot: the next command starts only after the aborted attempt is fully over, so a
    // result of the aborted attempt, if any, would be in the stream before the next one's events.
    const serial = await startStockWorker({ queues: ['serial'], concurrency: 1, config: ns.config, nc: ns.nc, logger: captureLogger().logger })
    t.after(() => serial.stop())
    const pidFile = join(tmp, 'pids')
    // The shell records its own pid and its background child's, then waits on the child.
    const cmd = buildCommand('serial', { task: { run: { sh: 'sleep 30 & echo $$ > "$PID_FILE"; echo $! >> "$PID_FILE"; wait', env: { PID_FILE: pidFile } } } })
    await publishCommand(ns, cmd)
    const pids = await eventually(async () => {
      const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number)
      return lines.length === 2 && lines
    }, 'the script to write its pids')
    assert.ok(pids.every(alive))
    ns.nc.publish(ns.subjects.abort, encodeJson({ runId: cmd.runId, reason: 'run cancelled' }))
    await eventually(() => pids.every((pid) => !alive(pid)), 'the shell and its child to be gone')

    const next = buildCommand('serial', { task: { run: { sh: 'echo ok' } } })
    await publishCommand(ns, next)
    assert.equal((await events.result(next.runId)).type, 'succeeded')
    // No result; a `started` only if the abort came after the deferred start (50 ms) was due.
    assert.deepEqual(
      events.forRun(cmd.runId).filter((e) => e.type !== 'heartbeat' && e.type !== 'started').map((e) => e.type),
      [],
    )
  })

  test('http: a 2xx JSON response succeeds with the parsed body; the request carries body, trace and idempotency headers', async () => {
    const cmd = buildCommand(QUEUE, { task: { run: { http: { method: 'POST', url: `${baseUrl}/json`, headers: { 'x-team': 'revenue' }, body: { table: 'facts' } } } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded', JSON.stringify(result.error))
    assert.deepEqual(result.output, { loaded: 7, echo: { table: 'facts' } })
    const req = requests.find((r) => r.headers['idempotency-key'] === cmd.idempotencyKey)
    assert.ok(req)
    assert.equal(req.method, 'POST')
    assert.equal(req.headers['x-team'], 'revenue')
    assert.equal(req.headers['content-type'], 'application/json')
    assert.match(String(req.headers.traceparent), new RegExp(`^00-${cmd.runId.replace(/-/g, '')}-`))
  })

  test('http: a 2xx non-JSON response succeeds with { status, body }', async () => {
    const cmd = buildCommand(QUEUE, { task: { run: { http: { method: 'PUT', url: `${baseUrl}/text` } } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded')
    assert.deepEqual(result.output, { status: 201, body: 'created' })
  })

  test('http: 500 and 429 fail retryably, 404 fails without retry, all with kind http_status', async () => {
    const cases = [
      { path: '/boom', status: 500, retryable: true },
      { path: '/busy', status: 429, retryable: true },
      { path: '/missing', status: 404, retryable: false },
    ]
    const commands = cases.map((c) => buildCommand(QUEUE, { task: { run: { http: { method: 'GET', url: `${baseUrl}${c.path}` } } } }))
    for (const cmd of commands) await publishCommand(ns, cmd)
    for (const [i, c] of cases.entries()) {
      const result = await events.result(commands[i]!.runId)
      assert.equal(result.type, 'failed')
      assert.equal(result.error?.kind, 'http_status')
      assert.equal(result.error?.retryable, c.retryable, c.path)
      assert.match(result.error?.message ?? '', new RegExp(`HTTP ${c.status}`))
      assert.equal(result.details?.status, c.status)
    }
  })

  test('http: a connection error fails retryably', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const cmd = buildCommand(QUEUE, { task: { run: { http: { method: 'GET', url: `http://127.0.0.1:${port}/` } } } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.kind, 'http_error')
    assert.equal(result.error?.retryable, true)
  })

  test('a task with neither a handler nor a run spec fails with no_handler, not retryable', async () => {
    const cmd = buildCommand(QUEUE, { task: { handler: 'custom_ts' } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.error?.kind, 'no_handler')
    assert.equal(result.error?.retryable, false)
    assert.match(result.error?.message ?? '', /custom_ts/)
  })
})
