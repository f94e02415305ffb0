import { nameOf, type Finding, type K8sObject } from './findings.js'
import { podTemplateOf, selects } from './pod-policies.js'

/** What a worker drains before SIGKILL: 30 s for running tasks, then up to ~16 s to report them (services/worker). */
export const WORKER_DRAIN_SECONDS = 46

/** `--queue Q` and `--concurrency N` (default 4) of a `baton worker` container. */
export function workerArgs(args: readonly string[]): { queues: string[]; concurrency: number } {
  const queues: string[] = []
  let concurrency = 4
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--queue') while (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) queues.push(args[++i]!)
    else if (args[i] === '--concurrency') concurrency = Number(args[++i])
  }
  return { queues, concurrency }
}

const component = (o: K8sObject) => podTemplateOf(o)?.metadata?.labels?.['app.kubernetes.io/component'] as string | undefined

/** Checks of how Baton's objects fit together in one rendered overlay. */
export function checkBaton(objects: readonly K8sObject[], where: string): Finding[] {
  const findings: Finding[] = []
  const add = (o: K8sObject | string, rule: string, message: string) => findings.push({ where, object: typeof o === 'string' ? o : nameOf(o), rule, message })
  const deployments = objects.filter((o) => o.kind === 'Deployment')
  const workloads = objects.filter((o) => podTemplateOf(o))
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind)
  const config = byKind('ConfigMap').find((c) => c.metadata.name.startsWith('baton-config'))

  for (const d of deployments) {
    const sel = d.spec?.selector ?? {}
    const labels = d.spec?.template?.metadata?.labels ?? {}
    if (!selects(sel, labels)) add(d, 'selector', "spec.selector does not match the pod template's labels")
    for (const other of deployments) if (other !== d && selects(sel, other.spec?.template?.metadata?.labels ?? {})) add(d, 'selector', `its selector also selects the pods of ${nameOf(other)}`)
  }
  for (const w of workloads) {
    for (const c of podTemplateOf(w).spec?.containers ?? []) {
      for (const ref of c.envFrom ?? []) {
        const name = ref.configMapRef?.name
        if (name && !byKind('ConfigMap').some((m) => m.metadata.name === name)) add(w, 'references', `envFrom names ConfigMap '${name}', which this overlay does not contain`)
      }
    }
  }
  for (const p of [...byKind('PodDisruptionBudget'), ...byKind('Service')]) {
    const sel = p.kind === 'Service' ? { matchLabels: p.spec?.selector ?? {} } : (p.spec?.selector ?? {})
    const targets = workloads.filter((w) => selects(sel, podTemplateOf(w).metadata?.labels ?? {}))
    if (targets.length === 0) add(p, 'selector', 'selects no pods of this overlay')
    if (p.kind === 'Service') {
      for (const port of p.spec?.ports ?? []) {
        if (typeof port.targetPort !== 'string') continue
        const declared = targets.some((t) => (podTemplateOf(t).spec?.containers ?? []).some((c: any) => (c.ports ?? []).some((cp: any) => cp.name === port.targetPort)))
        if (!declared) add(p, 'selector', `targetPort '${port.targetPort}' is declared by none of the pods it selects`)
      }
    }
  }

  const coordinators = deployments.filter((d) => component(d) === 'coordinator')
  if (coordinators.length === 0) add('Deployment/*', 'coordinator', 'no coordinator Deployment')
  for (const d of coordinators) {
    if (!(d.spec?.replicas >= 2)) add(d, 'coordinator', `replicas is ${d.spec?.replicas ?? 1}: at least 2 keep events flowing while one restarts`)
    const spec = podTemplateOf(d).spec ?? {}
    if (!spec.affinity?.podAntiAffinity && !(spec.topologySpreadConstraints ?? []).length) add(d, 'coordinator', 'no podAntiAffinity or topologySpreadConstraints: replicas may share a node')
    const pdb = byKind('PodDisruptionBudget').find((p) => selects(p.spec?.selector ?? {}, podTemplateOf(d).metadata?.labels ?? {}))
    if (!pdb) add(d, 'coordinator', 'no PodDisruptionBudget covers it')
  }
  if (!deployments.some((d) => component(d) === 'api')) add('Deployment/*', 'api', 'no API Deployment')

  const workers = deployments.filter((d) => component(d) === 'worker')
  for (const d of workers) {
    const spec = podTemplateOf(d).spec ?? {}
    if (!((spec.terminationGracePeriodSeconds ?? 30) >= WORKER_DRAIN_SECONDS)) add(d, 'worker', `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds ?? 30} is below the worker's drain (${WORKER_DRAIN_SECONDS} s): tasks would be SIGKILLed mid-report`)
    for (const c of spec.containers ?? []) if ((c.env ?? []).some((e: any) => e.name === 'BATON_DATABASE_URL')) add(d, 'worker', `container ${c.name}: workers never need BATON_DATABASE_URL (least privilege)`)
    if (d.spec?.replicas !== undefined && byKind('ScaledObject').some((s) => s.spec?.scaleTargetRef?.name === d.metadata.name)) add(d, 'worker', 'sets spec.replicas although a ScaledObject owns the count (every apply would reset it)')
  }
  findings.push(...checkScaledObjects(objects, config, where))

  const migrations = byKind('Job').filter((j) => (podTemplateOf(j).spec?.containers ?? []).some((c: any) => c.args?.[0] === 'migrate'))
  if (migrations.length === 0) add('Job/*', 'migration', 'no Job runs `baton migrate`')
  for (const j of migrations) {
    if (!['Never', 'OnFailure'].includes(podTemplateOf(j).spec?.restartPolicy)) add(j, 'migration', 'restartPolicy must be Never or OnFailure')
    if (!((j.spec?.backoffLimit ?? 6) >= 1)) add(j, 'migration', 'backoffLimit 0: one failure to reach Postgres would fail the upgrade')
  }
  return findings
}

/** Each ScaledObject targets a worker Deployment here, and its JetStream trigger reads that worker's stream and consumer. */
function checkScaledObjects(objects: readonly K8sObject[], config: K8sObject | undefined, where: string): Finding[] {
  const findings: Finding[] = []
  const namespace = config?.data?.BATON_NAMESPACE ?? 'baton'
  for (const s of objects.filter((o) => o.kind === 'ScaledObject')) {
    const add = (rule: string, message: string) => findings.push({ where, object: nameOf(s), rule, message })
    const target = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === s.spec?.scaleTargetRef?.name)
    if (!target || (s.spec?.scaleTargetRef?.kind ?? 'Deployment') !== 'Deployment') {
      add('scaled-object', `scaleTargetRef '${s.spec?.scaleTargetRef?.name}' is not a Deployment of this overlay`)
      continue
    }
    const container = podTemplateOf(target).spec?.containers?.[0]
    const { queues, concurrency } = workerArgs(container?.args ?? [])
    if (queues.length !== 1) add('scaled-object', `its target runs ${queues.length} queues: scale one queue per Deployment`)
    for (const t of s.spec?.triggers ?? []) {
      if (t.type === 'nats-jetstream') {
        const m = t.metadata ?? {}
        const stream = `${namespace.toUpperCase()}_COMMANDS`
        if (m.stream !== stream) add('scaled-object', `trigger stream '${m.stream}' is not ${stream} (BATON_NAMESPACE '${namespace}')`)
        if (queues.length === 1 && m.consumer !== `worker_${queues[0]}`) add('scaled-object', `trigger consumer '${m.consumer}' is not worker_${queues[0]}, the consumer of its target's --queue`)
        if (Number(m.lagThreshold) !== concurrency) add('scaled-object', `lagThreshold ${m.lagThreshold} differs from the target's --concurrency ${concurrency}`)
      } else if (t.type === 'postgresql') {
        const auth = t.authenticationRef?.name
        if (!objects.some((o) => o.kind === 'TriggerAuthentication' && o.metadata.name === auth)) add('scaled-object', `postgresql trigger's authenticationRef '${auth}' is not a TriggerAuthentication of this overlay`)
        if (queues.length === 1 && !String(t.metadata?.query ?? '').includes(`'${queues[0]}'`)) add('scaled-object', `postgresql trigger's query does not name queue '${queues[0]}'`)
      }
    }
  }
  return findings
}
