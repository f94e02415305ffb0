import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  clockSkewRule,
  compactDuration,
  coordinatorConsumerRule,
  doctorReport,
  duplicateWindowRule,
  fsyncRule,
  fullPageWritesRule,
  jetstreamSyncRule,
  migrationsRule,
  natsVersionRule,
  parseServerVersion,
  primaryRule,
  replicasRule,
  storageRule,
  streamSet,
  streamsRule,
  synchronousCommitRule,
  workerConsumerRule,
  type StreamFacts,
} from './doctor-rules.js'

test('NATS version: 2.10.20 to 2.10.22 fail, naming the JetStream data-loss bug and its fix in 2.10.23', () => {
  for (const v of ['2.10.20', '2.10.21', '2.10.22', 'v2.10.22', '2.10.22-RC.3']) {
    const f = natsVersionRule(v)
    assert.equal(f.status, 'fail', v)
    assert.match(f.advice, /data-loss bug fixed in 2\.10\.23/)
    assert.equal(f.value, v)
  }
})

test('NATS version: below 2.9.4 (so below 2.9 too) fails, the client refusing its consumer API', () => {
  for (const v of ['2.9.3', '2.9.0', '2.8.4', '2.2.0', '1.4.1']) {
    const f = natsVersionRule(v)
    assert.equal(f.status, 'fail', v)
    assert.match(f.advice, /older than 2\.9\.4/)
  }
})

test('NATS version: 2.9.4 and later outside the bad range are ok (this machine runs 2.9.10)', () => {
  for (const v of ['2.9.4', '2.9.10', '2.9.25', '2.10.0', '2.10.19', '2.10.23', '2.11.0', '2.12.1', '3.0.0']) {
    const f = natsVersionRule(v)
    assert.equal(f.status, 'ok', v)
    assert.match(f.advice, /fixed in 2\.10\.23/)
  }
})

test('NATS version: missing or unreadable is a warning that says the defects cannot be ruled out', () => {
  for (const v of [undefined, '', 'dev', '2.10', 'latest']) {
    const f = natsVersionRule(v)
    assert.equal(f.status, 'warn', String(v))
    assert.match(f.advice, /cannot be ruled out/)
  }
  assert.equal(natsVersionRule(undefined).value, 'unknown')
})

test('JetStream sync: unknown to a client, so a warning with the setting to use; before 2.10 the setting does not exist', () => {
  for (const v of ['2.10.23', '2.12.1', undefined]) {
    const f = jetstreamSyncRule(v)
    assert.deepEqual([f.status, f.value], ['warn', 'unknown'], String(v))
    assert.match(f.advice, /`jetstream \{ sync_interval: always \}` on every server/)
  }
  const old = jetstreamSyncRule('2.9.10')
  assert.deepEqual([old.status, old.value], ['warn', 'not settable before 2.10'])
  assert.match(old.advice, /upgrade to 2\.10\.23 or later and set/)
  assert.match(natsVersionRule('2.9.10').advice, /before 2\.10 JetStream cannot be told to fsync every write/)
  assert.doesNotMatch(natsVersionRule('2.10.23').advice, /before 2\.10/)
})

test('server versions parse with or without v and pre-release suffix', () => {
  assert.deepEqual(parseServerVersion('2.10.23'), [2, 10, 23])
  assert.deepEqual(parseServerVersion('v2.9.10'), [2, 9, 10])
  assert.deepEqual(parseServerVersion('2.11.0-beta.2'), [2, 11, 0])
  assert.equal(parseServerVersion('2.10.x'), undefined)
})

const stream = (name: string, over: Partial<StreamFacts> = {}): StreamFacts => ({ name, storage: 'file', replicas: 3, duplicateWindowMs: 600_000, ...over })

test('streams: missing ones fail by name, JetStream off fails, all present is ok', () => {
  const all = ['B_EVENTS', 'B_COMMANDS']
  assert.equal(streamsRule(all, []).status, 'ok')
  const missing = streamsRule(all, ['B_COMMANDS'])
  assert.deepEqual([missing.status, missing.value], ['fail', 'missing B_COMMANDS'])
  assert.equal(streamsRule(['NS_EVENTS', 'NS_COMMANDS', 'NS_LOGS'], []).value, 'NS_{EVENTS,COMMANDS,LOGS}')
  assert.equal(streamsRule(all, all, 'jetstream not enabled').status, 'fail')
})

test('stream sets share their namespace prefix', () => {
  assert.equal(streamSet(['BATON_EVENTS', 'BATON_COMMANDS']), 'BATON_{EVENTS,COMMANDS}')
  assert.equal(streamSet(['T_A_1_EVENTS', 'T_A_1_LOGS']), 'T_A_1_{EVENTS,LOGS}')
  assert.equal(streamSet(['T_A_EVENTS', 'T_B_LOGS']), 'T_{A_EVENTS,B_LOGS}')
  assert.equal(streamSet(['EVENTS', 'LOGS']), 'EVENTS, LOGS')
  assert.equal(streamSet(['BATON_EVENTS']), 'BATON_EVENTS')
})

test('storage: memory warns, naming the stream; file is ok', () => {
  assert.deepEqual([storageRule([stream('E'), stream('C')]).status, storageRule([stream('E')]).value], ['ok', 'file'])
  const f = storageRule([stream('E'), stream('C', { storage: 'memory' })])
  assert.equal(f.status, 'warn')
  assert.equal(f.value, 'E file, C memory')
  assert.match(f.advice, /^C keeps messages in memory only/)
})

test('replicas: R1 warns with the production advice, R2 warns, R3 is ok', () => {
  const r1 = replicasRule([stream('E', { replicas: 1 }), stream('C', { replicas: 1 })])
  assert.deepEqual([r1.status, r1.value], ['warn', 'R1'])
  assert.match(r1.advice, /R3 recommended in production, one node's disk loss loses messages/)
  assert.equal(replicasRule([stream('E', { replicas: 3 }), stream('C', { replicas: 2 })]).status, 'warn')
  assert.equal(replicasRule([stream('E', { replicas: 3 }), stream('C', { replicas: 1 })]).value, 'E R3, C R1')
  assert.equal(replicasRule([stream('E'), stream('C', { replicas: 5 })]).status, 'ok')
})

test('duplicate window: at least what Baton relies on is ok, shorter fails', () => {
  assert.deepEqual(Object.values(duplicateWindowRule([stream('E')], 600_000)).slice(0, 2), ['ok', '10m'])
  assert.equal(duplicateWindowRule([stream('E', { duplicateWindowMs: 3_600_000 })], 600_000).status, 'ok')
  const short = duplicateWindowRule([stream('E'), stream('C', { duplicateWindowMs: 120_000 })], 600_000)
  assert.deepEqual([short.status, short.value], ['fail', 'E 10m, C 2m'])
})

test('consumers: a missing one warns (nothing consumes there), a present one shows its ack wait', () => {
  assert.deepEqual([coordinatorConsumerRule(undefined).status, coordinatorConsumerRule(2000).value], ['warn', 'ack wait 2s'])
  const missing = workerConsumerRule('extract', ['daily_revenue'], undefined)
  assert.equal(missing.status, 'warn')
  assert.match(missing.advice, /no worker ever started on queue 'extract' \(used by daily_revenue\)/)
  assert.deepEqual([workerConsumerRule('extract', ['w'], 30_000).status, workerConsumerRule('extract', ['w'], 30_000).value], ['ok', 'ack wait 30s'])
})

test('Postgres settings: fsync and full_page_writes off fail, synchronous_commit off/local warn, a standby fails', () => {
  assert.deepEqual([fsyncRule('on').status, fsyncRule('off').status], ['ok', 'fail'])
  assert.deepEqual([fullPageWritesRule('on').status, fullPageWritesRule('off').status], ['ok', 'fail'])
  assert.deepEqual(['on', 'remote_write', 'remote_apply', 'off', 'local'].map((v) => synchronousCommitRule(v).status), ['ok', 'ok', 'ok', 'warn', 'warn'])
  assert.match(synchronousCommitRule('off').advice, /can lose the transactions committed/)
  assert.deepEqual([primaryRule(false).status, primaryRule(true).status], ['ok', 'fail'])
  assert.match(primaryRule(true).advice, /never schedule from a read replica/)
})

test('migrations: behind fails, ahead warns, no schema or database fails, up to date is ok', () => {
  const known = ['0001_a', '0002_b']
  assert.equal(migrationsRule('ns', { schemaExists: true, applied: known, pending: [], unknown: [], known }).status, 'ok')
  const behind = migrationsRule('ns', { schemaExists: true, applied: ['0001_a'], pending: ['0002_b'], unknown: [], known })
  assert.deepEqual([behind.status, behind.value], ['fail', '1 of 2 applied, pending 0002_b'])
  const ahead = migrationsRule('ns', { schemaExists: true, applied: [...known, '0003_c'], pending: [], unknown: ['0003_c'], known })
  assert.deepEqual([ahead.status, ahead.value], ['warn', '2 of 2 applied, and newer 0003_c'])
  const both = migrationsRule('ns', { schemaExists: true, applied: ['0001_a', '0003_c'], pending: ['0002_b'], unknown: ['0003_c'], known })
  assert.equal(both.status, 'fail')
  const none = migrationsRule('ns', { schemaExists: false, applied: [], pending: known, unknown: [], known })
  assert.deepEqual([none.status, none.value], ['fail', "no schema 'ns'"])
  assert.equal(migrationsRule('ns', { schemaExists: false, applied: [], pending: [], unknown: [], known: [] }, 'baton').status, 'fail')
})

test('clock skew: beyond the round-trip uncertainty, above 500ms warns and above 5s fails', () => {
  assert.equal(clockSkewRule(3, 2).status, 'ok')
  assert.equal(clockSkewRule(-400, 2).status, 'ok')
  assert.equal(clockSkewRule(800, 2).status, 'warn')
  assert.equal(clockSkewRule(-800, 2).status, 'warn')
  assert.equal(clockSkewRule(800, 700).status, 'ok', 'within what a 700ms round trip can explain')
  assert.equal(clockSkewRule(6000, 2).status, 'fail')
  assert.equal(clockSkewRule(-6000, 2).value, 'database 6000ms behind (±1ms)')
  assert.equal(clockSkewRule(0.2, 0.5).value, 'database in step (±1ms)')
})

test('a report is ok with warnings, not with a failure', () => {
  const c = (status: 'ok' | 'warn' | 'fail') => ({ name: status, status, value: '', advice: '' })
  assert.equal(doctorReport([c('ok'), c('warn')]).ok, true)
  assert.equal(doctorReport([c('ok'), c('fail')]).ok, false)
})

test('durations print in whole units', () => {
  assert.deepEqual([600_000, 2000, 30_000, 5_400_000, 850].map(compactDuration), ['10m', '2s', '30s', '1h30m', '850ms'])
})
