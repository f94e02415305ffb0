import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, type TaskLogLevel, type TaskLogStream } from '@baton/shared'
import { createCapturingLogger } from './capturing-logger.js'

function setup(level: 'info' | 'warn' | 'debug') {
  const processLines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) processLines.push(JSON.parse(l) as Record<string, unknown>)
      cb()
    },
  })
  const processLog = createLogger({ level, destination }).child({ runId: 'r1', taskId: 't1', attempt: 1, traceId: 'abc' })
  const records: Array<{ stream: TaskLogStream; level: TaskLogLevel; msg: string; fields: Record<string, unknown> | undefined }> = []
  const log = createCapturingLogger(processLog, { write: (stream, lvl, msg, fields) => void records.push({ stream, level: lvl, msg, fields: fields ? { ...fields } : undefined }) })
  return { log, records, processLines }
}

test('each ctx.log line goes to the task log and to the process log with the attempt ids', async () => {
  const { log, records, processLines } = setup('info')
  log.info({ rows: 3 }, 'loaded')
  log.child({ step: 'copy' }).warn('slow')
  assert.deepEqual(records, [
    { stream: 'log', level: 'info', msg: 'loaded', fields: { rows: 3 } },
    { stream: 'log', level: 'warn', msg: 'slow', fields: { step: 'copy' } },
  ])
  await new Promise((r) => setImmediate(r))
  const loaded = processLines.find((l) => l.msg === 'loaded')!
  assert.deepEqual([loaded.runId, loaded.taskId, loaded.attempt, loaded.traceId, loaded.rows], ['r1', 't1', 1, 'abc', 3])
  assert.equal(processLines.filter((l) => l.msg === 'loaded').length, 1)
  assert.equal(processLines.find((l) => l.msg === 'slow')?.step, 'copy')
})

test('info is captured even when the process log is quieter; debug only when the process logs debug', async () => {
  const quiet = setup('warn')
  quiet.log.info('shown in baton logs')
  quiet.log.debug('nowhere')
  assert.deepEqual(quiet.records.map((r) => r.msg), ['shown in baton logs'])
  await new Promise((r) => setImmediate(r))
  assert.equal(quiet.processLines.length, 0)

  const verbose = setup('debug')
  verbose.log.debug('details')
  assert.deepEqual(verbose.records.map((r) => [r.level, r.msg]), [['debug', 'details']])
})

test('errors are serialised and secrets redacted', () => {
  const { log, records } = setup('info')
  log.error({ err: new Error('boom'), password: 'hunter2' }, 'failed')
  const fields = records[0]!.fields!
  assert.equal((fields.err as { message: string }).message, 'boom')
  assert.equal(fields.password, '[redacted]')
})
