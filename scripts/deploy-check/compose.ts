import { parse } from 'yaml'
import type { Finding } from './findings.js'

/**
 * Checks deploy/compose.yaml beyond YAML syntax: every `depends_on` names a service that exists
 * (and has a healthcheck when waited on as healthy); every Baton image is built, never pulled;
 * Baton's long-running services run read-only,
 * with no capabilities, a healthcheck and a restart policy; no port is published beyond loopback.
 */
export function checkCompose(text: string, where: string): Finding[] {
  const findings: Finding[] = []
  const doc = parse(text, { merge: true }) as { services?: Record<string, any> }
  const services = doc?.services ?? {}
  if (Object.keys(services).length === 0) return [{ where, object: 'services', rule: 'compose', message: 'no services' }]
  for (const [name, s] of Object.entries(services)) {
    const add = (rule: string, message: string) => findings.push({ where, object: `service ${name}`, rule, message })
    const deps = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d: string) => [d, {}])) : (s.depends_on ?? {})
    for (const [dep, cond] of Object.entries(deps as Record<string, { condition?: string }>)) {
      if (!services[dep]) add('compose', `depends_on '${dep}', which is not a service`)
      else if (cond?.condition === 'service_healthy' && !services[dep].healthcheck && !isBatonImage(services[dep])) add('compose', `waits for '${dep}' to be healthy, but it has no healthcheck`)
    }
    for (const p of s.ports ?? []) if (typeof p === 'string' && !p.startsWith('127.0.0.1:')) add('compose', `publishes '${p}' beyond 127.0.0.1`)
    if (/^baton-/.test(s.image ?? '') && !s.build) add('compose', `image '${s.image}' has no build: compose would try to pull it from a registry`)
    const baton = isBatonImage(s)
    if (baton && (s.profiles ?? []).length === 0) {
      if (s.read_only !== true) add('read-only-root', 'read_only must be true')
      if (!(s.cap_drop ?? []).includes('ALL')) add('privilege', 'cap_drop must include ALL')
      if (!s.restart) add('compose', 'no restart policy')
    }
  }
  return findings
}

/** A service built from deploy/Dockerfile (its healthcheck is the image's HEALTHCHECK). */
function isBatonImage(s: { build?: { dockerfile?: string } }): boolean {
  return /deploy\/Dockerfile$/.test(s.build?.dockerfile ?? '')
}
