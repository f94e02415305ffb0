import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValidationError } from '../errors.js'
import { subjectsFor } from './subjects.js'
import { checkReplicasSupported, namespaceStreamConfigs, streamUpdateConfig } from './stream-configs.js'

const s = subjectsFor('ns')

test('the four streams carry the configured replicas, and say nothing about replicas when none is configured', () => {
  const names = [s.eventsStream, s.commandsStream, s.alertsStream, s.logsStream]
  assert.deepEqual(namespaceStreamConfigs(s, 3).map((c) => [c.name, c.num_replicas]), names.map((n) => [n, 3]))
  const unset = namespaceStreamConfigs(s)
  assert.deepEqual(unset.map((c) => c.name), names)
  for (const c of unset) assert.equal('num_replicas' in c, false, `${c.name}: a new stream gets the server's default`)
})

test('an update keeps the stream\'s own replicas when none is configured, and sets the configured ones otherwise', () => {
  const [events] = namespaceStreamConfigs(s)
  assert.equal(streamUpdateConfig(events!, { num_replicas: 3 }).num_replicas, 3, 'an operator\'s R3 stays R3')
  assert.equal(streamUpdateConfig(events!, { num_replicas: 1 }).num_replicas, 1)
  assert.equal(streamUpdateConfig(events!, { num_replicas: 0 }).num_replicas, 1, 'a server reporting 0 means one replica')
  assert.equal(streamUpdateConfig({ ...events!, num_replicas: 3 }, { num_replicas: 1 }).num_replicas, 3)
  assert.equal(streamUpdateConfig({ ...events!, num_replicas: 1 }, { num_replicas: 3 }).num_replicas, 1, 'the setting wins, down as well as up')
  assert.deepEqual({ ...streamUpdateConfig(events!, { num_replicas: 5 }), num_replicas: undefined }, { ...events, num_replicas: undefined }, 'the rest is Baton\'s config')
})

test('more than one replica on a server outside a cluster is a config error naming BATON_STREAM_REPLICAS', () => {
  assert.doesNotThrow(() => checkReplicasSupported(undefined, undefined, 'n'))
  assert.doesNotThrow(() => checkReplicasSupported(1, undefined, 'n'))
  assert.doesNotThrow(() => checkReplicasSupported(3, 'prod', 'n1'))
  assert.throws(
    () => checkReplicasSupported(3, undefined, 'NABC'),
    (e: unknown) => e instanceof ValidationError && e.code === 'CONFIG_INVALID' && e.issues[0]!.path === 'BATON_STREAM_REPLICAS' && /NABC is not in one/.test(e.message),
  )
})
