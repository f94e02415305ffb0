import { nameOf, type Finding, type K8sObject } from './findings.js'

/** Kinds that run pods, and where their pod template is. */
const POD_TEMPLATES: Record<string, (o: K8sObject) => any> = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
}

/** The pod template of a workload, or undefined for other kinds. */
export function podTemplateOf(o: K8sObject): any {
  return POD_TEMPLATES[o.kind]?.(o)
}

/**
 * Every container runs as non-root with a read-only root filesystem, no privilege escalation and
 * every capability dropped; has CPU and memory requests and a memory limit; names a pinned image
 * (a tag other than `latest`, or a digest). Long-running ones (not Jobs) have liveness and
 * readiness probes whose named ports exist.
 */
export function checkPods(objects: readonly K8sObject[], where: string): Finding[] {
  const findings: Finding[] = []
  for (const o of objects) {
    const template = podTemplateOf(o)
    if (!template) continue
    const add = (rule: string, message: string) => findings.push({ where, object: nameOf(o), rule, message })
    const pod = template.spec ?? {}
    const podSc = pod.securityContext ?? {}
    for (const c of pod.containers ?? []) {
      const sc = c.securityContext ?? {}
      const at = `container ${c.name}`
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot
      const uid = sc.runAsUser ?? podSc.runAsUser
      if (nonRoot !== true) add('non-root', `${at}: runAsNonRoot must be true (pod or container securityContext)`)
      if (uid === 0) add('non-root', `${at}: runAsUser is 0 (root)`)
      if (sc.readOnlyRootFilesystem !== true) add('read-only-root', `${at}: readOnlyRootFilesystem must be true (mount an emptyDir where it writes)`)
      if (sc.allowPrivilegeEscalation !== false) add('privilege', `${at}: allowPrivilegeEscalation must be false`)
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) add('privilege', `${at}: capabilities.drop must include ALL`)
      const res = c.resources ?? {}
      for (const r of ['cpu', 'memory']) if (res.requests?.[r] === undefined) add('resources', `${at}: resources.requests.${r} is missing`)
      if (res.limits?.memory === undefined) add('resources', `${at}: resources.limits.memory is missing`)
      if (!isPinned(c.image)) add('image', `${at}: image '${c.image}' must name a tag other than latest, or a digest`)
      if (o.kind !== 'Job') {
        for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
          if (!c[probe]) add('probes', `${at}: ${probe} is missing`)
          else checkProbePort(c, c[probe], probe, add)
        }
        if (c.startupProbe) checkProbePort(c, c.startupProbe, 'startupProbe', add)
      }
    }
  }
  return findings
}

function checkProbePort(container: any, probe: any, what: string, add: (rule: string, message: string) => void): void {
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port
  if (typeof port !== 'string') return
  const names = (container.ports ?? []).map((p: { name?: string }) => p.name)
  if (!names.includes(port)) add('probes', `container ${container.name}: ${what} uses port '${port}', which the container does not declare`)
}

/** True for `repo:tag` (tag not `latest`) or `repo@sha256:…`. */
export function isPinned(image: unknown): boolean {
  if (typeof image !== 'string' || image === '') return false
  if (image.includes('@sha256:')) return true
  const lastSlash = image.lastIndexOf('/')
  const colon = image.indexOf(':', lastSlash + 1)
  return colon > 0 && image.slice(colon + 1) !== 'latest' && image.slice(colon + 1) !== ''
}

/** Every pod-running object is selected by a NetworkPolicy of its own, beside a namespace-wide default deny. */
export function checkNetworkPolicies(objects: readonly K8sObject[], where: string): Finding[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy')
  const findings: Finding[] = []
  const denyAll = policies.some((p) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0 && !p.spec?.podSelector?.matchExpressions && (p.spec?.policyTypes ?? []).includes('Ingress') && (p.spec?.policyTypes ?? []).includes('Egress'))
  if (!denyAll) findings.push({ where, object: 'NetworkPolicy/*', rule: 'network-policy', message: 'no default-deny policy (empty podSelector, Ingress and Egress)' })
  for (const o of objects) {
    const labels = podTemplateOf(o)?.metadata?.labels
    if (!labels) continue
    const own = policies.some((p) => {
      const sel = p.spec?.podSelector ?? {}
      const hasTerms = Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0
      return hasTerms && selects(sel, labels)
    })
    if (!own) findings.push({ where, object: nameOf(o), rule: 'network-policy', message: 'no NetworkPolicy selects its pods (only the default deny would apply)' })
  }
  return findings
}

/** Whether a label selector (matchLabels and matchExpressions) selects `labels`. */
export function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels
    const inValues = (e.values ?? []).includes(labels[e.key]!)
    if (e.operator === 'In' && !(has && inValues)) return false
    if (e.operator === 'NotIn' && has && inValues) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}
