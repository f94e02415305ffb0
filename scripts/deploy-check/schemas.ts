import type { Finding, K8sObject } from './findings.js'
import { nameOf } from './findings.js'

/**
 * Where the model (class and TypeScript interface) of an apiVersion lives: Kubernetes' own groups in `kubernetes-models`,
 * KEDA's and CloudNativePG's in their `@kubernetes-models/*` packages (generated from each
 * project's published OpenAPI/CRD schemas).
 */
export function modulePathOf(apiVersion: string): string {
  if (apiVersion.startsWith('keda.sh/') || apiVersion.startsWith('eventing.keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`
  if (apiVersion.startsWith('postgresql.cnpg.io/')) return `@kubernetes-models/cloudnative-pg/${apiVersion}`
  return `kubernetes-models/${apiVersion}`
}

type ModelClass = new (data: unknown) => { validate(): void }

/**
 * Validates each object against its kind's schema: required fields, types, enums and formats.
 * The published schemas allow unknown fields (Kubernetes' OpenAPI does not forbid them), so a
 * misspelt optional field is not caught here; the policies check the fields Baton relies on.
 */
export async function validateSchemas(objects: readonly K8sObject[], where: string): Promise<Finding[]> {
  const findings: Finding[] = []
  for (const o of objects) {
    if (!o?.apiVersion || !o?.kind) {
      findings.push({ where, object: nameOf(o ?? ({} as K8sObject)), rule: 'schema', message: 'apiVersion and kind are required' })
      continue
    }
    let Model: ModelClass | undefined
    try {
      Model = ((await import(modulePathOf(o.apiVersion))) as Record<string, ModelClass>)[o.kind]
    } catch {
      Model = undefined
    }
    if (!Model) {
      findings.push({ where, object: nameOf(o), rule: 'schema', message: `no schema known for ${o.apiVersion} ${o.kind}` })
      continue
    }
    try {
      new Model(o).validate()
    } catch (e) {
      findings.push({ where, object: nameOf(o), rule: 'schema', message: schemaMessage(e) })
    }
  }
  return findings
}

/** ajv's errors in one line: `spec.replicas must be integer; …`. */
function schemaMessage(e: unknown): string {
  const errors = (e as { errors?: { instancePath?: string; message?: string }[] }).errors
  if (!errors?.length) return (e as Error).message.split('\n')[0]!
  return errors.map((x) => `${(x.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || '(root)'} ${x.message}`).join('; ')
}
