import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkAlertRules, PROMTOOL_MISSING, promtoolVersion } from '../../scripts/deploy-check/alert-rules.js'
import { checkBaton } from '../../scripts/deploy-check/baton-policies.js'
import { checkCompose } from '../../scripts/deploy-check/compose.js'
import { lintDockerfile } from '../../scripts/deploy-check/dockerfiles.js'
import type { K8sObject } from '../../scripts/deploy-check/findings.js'
import { checkKnownFields } from '../../scripts/deploy-check/known-fields.js'
import { deployCheck } from '../../scripts/deploy-check/main.js'
import { checkNetworkPolicies, checkPods } from '../../scripts/deploy-check/pod-policies.js'
import { renderKustomization } from '../../scripts/deploy-check/render.js'
import { validateSchemas } from '../../scripts/deploy-check/schemas.js'

// `make deploy-check` (also run by `make test` before the suite): the repository's deploy/ passes,
// and each rule catches the mistake it exists for, on a rendered overlay with one thing broken.

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url))
const production = () => renderKustomization(`${deploy}k8s/overlays/production`)
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!
const rulesOf = (findings: { rule: string; object: string; message: string }[]) => findings.map((f) => `${f.object} [${f.rule}] ${f.message}`)
const container = (o: K8sObject) => o.spec.template.spec.containers[0]
/** promtool is not a dependency: without it the alert rules' step is skipped, and so is its test. */
const promtool = promtoolVersion()

test("the repository's overlays, Dockerfiles, compose file and alert rules pass every check", async () => {
  const { findings, checked, skipped } = await deployCheck()
  assert.deepEqual(rulesOf(findings), [])
  const alertRules = promtool ? ['observability/baton-alerts.yaml'] : []
  assert.deepEqual(checked.map((c) => c.split(' (')[0]), ['k8s/overlays/dev', 'k8s/overlays/production', 'k8s/production/postgres-cluster.yaml', 'Dockerfile', 'worker.Dockerfile', 'compose.yaml', ...alertRules])
  assert.deepEqual(skipped, promtool ? [] : [PROMTOOL_MISSING])
})

test('schema: a wrong type and a missing required field are named with their path', async () => {
  const objects = production()
  find(objects, 'Deployment', 'baton-coordinator').spec.replicas = 'three'
  delete find(objects, 'ScaledObject', 'baton-worker-default').spec.scaleTargetRef
  const findings = rulesOf(await validateSchemas(objects, 'p'))
  assert.equal(findings.length, 2, findings.join('\n'))
  assert.match(findings[0]!, /^Deployment\/baton-coordinator \[schema\] spec\.replicas must be integer/)
  assert.match(findings[1]!, /^ScaledObject\/baton-worker-default \[schema\] spec must have required property scaleTargetRef/)
})

test('known fields: a misspelt field, which the schemas accept, is named with its path', () => {
  const objects = production()
  container(find(objects, 'Deployment', 'baton-coordinator')).readynessProbe = { httpGet: { path: '/readyz', port: 'metrics' } }
  find(objects, 'ScaledObject', 'baton-worker-extract').spec.coolDownPeriod = 60
  assert.deepEqual(rulesOf(checkKnownFields(objects.map((object) => ({ object, where: 'p' })))), [
    "Deployment/baton-coordinator [known-fields] spec.template.spec.containers[0].readynessProbe: Object literal may only specify known properties, and 'readynessProbe' does not exist in type 'Container'.",
    "ScaledObject/baton-worker-extract [known-fields] spec.coolDownPeriod: Object literal may only specify known properties, and 'coolDownPeriod' does not exist in type 'ScaledObjectSpec'.",
  ])
})

test('pods: root, a writable root filesystem, no limits, a latest image and a missing probe are each reported', () => {
  const objects = production()
  const api = find(objects, 'Deployment', 'baton-api')
  api.spec.template.spec.securityContext.runAsNonRoot = false
  container(api).securityContext.readOnlyRootFilesystem = false
  delete container(api).resources.limits
  container(api).image = 'registry.example.com/baton-api:latest'
  delete container(api).readinessProbe
  container(api).livenessProbe.httpGet.port = 'admin'
  assert.deepEqual(rulesOf(checkPods(objects, 'p')).sort(), [
    "Deployment/baton-api [image] container api: image 'registry.example.com/baton-api:latest' must name a tag other than latest, or a digest",
    "Deployment/baton-api [non-root] container api: runAsNonRoot must be true (pod or container securityContext)",
    "Deployment/baton-api [probes] container api: livenessProbe uses port 'admin', which the container does not declare",
    'Deployment/baton-api [probes] container api: readinessProbe is missing',
    'Deployment/baton-api [read-only-root] container api: readOnlyRootFilesystem must be true (mount an emptyDir where it writes)',
    'Deployment/baton-api [resources] container api: resources.limits.memory is missing',
  ])
})

test('network policies: pods no policy selects, and a namespace without a default deny', () => {
  const objects = production().filter((o) => !(o.kind === 'NetworkPolicy' && ['baton-api', 'baton-default-deny'].includes(o.metadata.name)))
  assert.deepEqual(rulesOf(checkNetworkPolicies(objects, 'p')), [
    'NetworkPolicy/* [network-policy] no default-deny policy (empty podSelector, Ingress and Egress)',
    'Deployment/baton-api [network-policy] no NetworkPolicy selects its pods (only the default deny would apply)',
  ])
})

test('coordinators: one replica, no anti-affinity and no PDB are each reported', () => {
  const objects = production().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'baton-coordinator'))
  const c = find(objects, 'Deployment', 'baton-coordinator')
  c.spec.replicas = 1
  delete c.spec.template.spec.affinity
  assert.deepEqual(rulesOf(checkBaton(objects, 'p')), [
    'Deployment/baton-coordinator [coordinator] replicas is 1: at least 2 keep events flowing while one restarts',
    'Deployment/baton-coordinator [coordinator] no podAntiAffinity or topologySpreadConstraints: replicas may share a node',
    'Deployment/baton-coordinator [coordinator] no PodDisruptionBudget covers it',
  ])
})

test('selectors: a Deployment whose selector misses its template, and one that selects another Deployment’s pods', () => {
  const objects = production()
  find(objects, 'Deployment', 'baton-worker-default').spec.selector.matchLabels['baton/queue'] = 'other'
  delete find(objects, 'Deployment', 'baton-worker-extract').spec.selector.matchLabels['baton/queue']
  const findings = rulesOf(checkBaton(objects, 'p'))
  assert.ok(findings.includes("Deployment/baton-worker-default [selector] spec.selector does not match the pod template's labels"), findings.join('\n'))
  assert.ok(findings.includes('Deployment/baton-worker-extract [selector] its selector also selects the pods of Deployment/baton-worker-default'), findings.join('\n'))
})

test('scaled objects: a missing target, the wrong consumer, stream and threshold, a missing trigger authentication', () => {
  const objects = production().filter((o) => o.kind !== 'TriggerAuthentication')
  const extract = find(objects, 'ScaledObject', 'baton-worker-extract')
  extract.spec.triggers[0].metadata.consumer = 'worker_default'
  extract.spec.triggers[0].metadata.stream = 'OTHER_COMMANDS'
  extract.spec.triggers[0].metadata.lagThreshold = '4'
  find(objects, 'ScaledObject', 'baton-worker-default').spec.scaleTargetRef.name = 'baton-worker-gone'
  assert.deepEqual(rulesOf(checkBaton(objects, 'p')), [
    "ScaledObject/baton-worker-default [scaled-object] scaleTargetRef 'baton-worker-gone' is not a Deployment of this overlay",
    "ScaledObject/baton-worker-extract [scaled-object] trigger stream 'OTHER_COMMANDS' is not BATON_COMMANDS (BATON_NAMESPACE 'baton')",
    "ScaledObject/baton-worker-extract [scaled-object] trigger consumer 'worker_default' is not worker_extract, the consumer of its target's --queue",
    "ScaledObject/baton-worker-extract [scaled-object] lagThreshold 4 differs from the target's --concurrency 8",
    "ScaledObject/baton-worker-extract [scaled-object] postgresql trigger's authenticationRef 'baton-keda-postgres' is not a TriggerAuthentication of this overlay",
  ])
})

test('workers and the migration Job: a short grace, a database URL on a worker, no migration Job', () => {
  const objects = production().filter((o) => o.kind !== 'Job')
  const w = find(objects, 'Deployment', 'baton-worker-default')
  w.spec.template.spec.terminationGracePeriodSeconds = 30
  container(w).env = [{ name: 'BATON_DATABASE_URL', value: 'postgres://x' }]
  assert.deepEqual(rulesOf(checkBaton(objects, 'p')), [
    "Deployment/baton-worker-default [worker] terminationGracePeriodSeconds 30 is below the worker's drain (46 s): tasks would be SIGKILLed mid-report",
    'Deployment/baton-worker-default [worker] container worker: workers never need BATON_DATABASE_URL (least privilege)',
    'Job/* [migration] no Job runs `baton migrate`',
  ])
})

test('Dockerfile: root, no init, no healthcheck, an unpinned base and a lowercase instruction are reported per stage', () => {
  const bad = ['FROM node AS base', 'run echo hi', 'FROM base AS coordinator', 'USER root', 'ENTRYPOINT ["node", "baton.js"]', 'CMD ["coordinator"]', ''].join('\n')
  const findings = rulesOf(lintDockerfile(bad, 'D', ['coordinator', 'missing']))
  assert.deepEqual(findings.filter((f) => !f.startsWith('line')), [
    'stage coordinator [non-root] USER is root: run as a numeric non-root uid',
    'stage coordinator [init] ENTRYPOINT does not start tini: signals would not reach node, orphans would not be reaped',
    'stage coordinator [healthcheck] no HEALTHCHECK (compose waits on it)',
    "stage coordinator [image] base image 'node' must be pinned to a tag other than latest",
    'stage missing [dockerfile] no such stage',
  ])
  assert.equal(findings.filter((f) => f.startsWith('line 2 [dockerfile]')).length, 1, findings.join('\n'))
  const good = readFileSync(`${deploy}Dockerfile`, 'utf8')
  assert.deepEqual(rulesOf(lintDockerfile(good, 'D', ['coordinator', 'api', 'worker'])), [])
})

test('compose: a dependency that does not exist, a port published beyond loopback, a writable Baton service, a Baton image with no build', () => {
  const text = readFileSync(`${deploy}compose.yaml`, 'utf8')
    .replace('- "127.0.0.1:4222:4222"', '- "4222:4222"')
    .replace('      nats: { condition: service_healthy }\n    stop_grace_period: 45s\n', '      nats: { condition: service_healthy }\n      ghost: { condition: service_started }\n    stop_grace_period: 45s\n')
    .replace('    image: baton-api:dev\n', '    image: baton-api:dev\n    read_only: false\n')
    .replace(/(\n  deploy-examples:\n    <<: \*baton-hardening\n)    build: .*\n/, '$1')
  const findings = rulesOf(checkCompose(text, 'c'))
  assert.deepEqual(findings, [
    "service nats [compose] publishes '4222:4222' beyond 127.0.0.1",
    "service deploy-examples [compose] image 'baton-coordinator:dev' has no build: compose would try to pull it from a registry",
    "service coordinator-a [compose] depends_on 'ghost', which is not a service",
    "service coordinator-b [compose] depends_on 'ghost', which is not a service",
    'service api [read-only-root] read_only must be true',
  ])
})

test(
  'alert rules: a threshold the alert no longer reaches, a value shown raw and a misspelt template function are each named',
  { skip: promtool ? false : 'promtool is not installed (on Debian, `apt-get install prometheus` gives /usr/bin/promtool)' },
  async () => {
    const original = await readFile(`${deploy}observability/baton-alerts.yaml`, 'utf8')
    /** promtool's findings on a copy of deploy/observability whose rules had `from` replaced by `to`. */
    const findingsWith = async (from: string, to: string) => {
      const dir = await mkdtemp(join(tmpdir(), 'baton-alert-rules-'))
      try {
        await cp(`${deploy}observability`, dir, { recursive: true })
        assert.ok(original.includes(from), from)
        await writeFile(join(dir, 'baton-alerts.yaml'), original.replace(from, to))
        return rulesOf(checkAlertRules(dir, 'observability'))
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    // The unit test's stuck row is 11 minutes old when BatonOutboxNotDraining should fire.
    assert.deepEqual(await findingsWith('max by (namespace) (baton_outbox_oldest_seconds) > 300', 'max by (namespace) (baton_outbox_oldest_seconds) > 30000'), [
      'alert BatonOutboxNotDraining [alert-tests] at 16m: expected {namespace="baton-a", severity="critical"}, got no alert',
    ])
    assert.deepEqual(await findingsWith("outbox row is {{ $value | humanizeDuration }} old", 'outbox row is {{ $value }} old'), [
      `alert BatonOutboxNotDraining [alert-tests] at 16m: {namespace="baton-a", severity="critical"}: summary is "Baton's oldest outbox row is 660 old in baton-a", expected "Baton's oldest outbox row is 11m 0s old in baton-a"`,
    ])
    assert.deepEqual(await findingsWith('timers fire {{ $value | humanizeDuration }} late', 'timers fire {{ $value | humanizeDurationn }} late'), [
      'alert BatonTimersLate [alert-rules] annotation "summary": template: __alert_BatonTimersLate:1: function "humanizeDurationn" not defined',
    ])
  },
)
