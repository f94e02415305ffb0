// `make deploy-check`: renders every Kustomize overlay and validates every object against the
// Kubernetes, KEDA and CloudNativePG schemas and their TypeScript interfaces (no unknown field),
// then Baton's own policies; lints the Dockerfiles and
// checks the compose file; runs the alert rules' unit tests when promtool is installed. Offline:
// no cluster, no Docker engine. Exit 1 on any finding.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { checkAlertRules, PROMTOOL_MISSING, promtoolVersion } from './alert-rules.js'
import { checkBaton } from './baton-policies.js'
import { checkCompose } from './compose.js'
import { lintDockerfile } from './dockerfiles.js'
import { formatFindings, type Finding, type K8sObject } from './findings.js'
import { checkKnownFields } from './known-fields.js'
import { checkNetworkPolicies, checkPods } from './pod-policies.js'
import { kustomizeRenderer, parseYamlObjects, renderKustomization } from './render.js'
import { validateSchemas } from './schemas.js'

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url))

/**
 * Every check over the repository's deploy/ directory: the findings (empty when all hold), what
 * was checked, and the steps skipped because a tool they need is not installed (one line each).
 */
export async function deployCheck(root = deploy): Promise<{ findings: Finding[]; checked: string[]; skipped: string[] }> {
  const findings: Finding[] = []
  const checked: string[] = []
  const skipped: string[] = []
  const everyObject: { object: K8sObject; where: string }[] = []
  for (const overlay of readdirSync(`${root}k8s/overlays`).sort()) {
    const where = `k8s/overlays/${overlay}`
    const objects = renderKustomization(`${root}${where}`)
    findings.push(...(await validateSchemas(objects, where)), ...checkPods(objects, where), ...checkNetworkPolicies(objects, where), ...checkBaton(objects, where))
    checked.push(`${where} (${objects.length} objects)`)
    everyObject.push(...objects.map((object) => ({ object, where })))
  }
  // Applied beside the overlays by whoever runs the databases: schema-checked here too.
  const cnpg = 'k8s/production/postgres-cluster.yaml'
  const cnpgObjects = parseYamlObjects(readFileSync(`${root}${cnpg}`, 'utf8'), cnpg)
  findings.push(...(await validateSchemas(cnpgObjects, cnpg)))
  everyObject.push(...cnpgObjects.map((object) => ({ object, where: cnpg })))
  checked.push(cnpg)
  findings.push(...checkKnownFields(everyObject))
  for (const [file, targets] of [
    ['Dockerfile', ['coordinator', 'api', 'worker']],
    ['worker.Dockerfile', ['worker']],
  ] as const) {
    findings.push(...lintDockerfile(readFileSync(`${root}${file}`, 'utf8'), file, targets))
    checked.push(`${file} (${targets.join(', ')})`)
  }
  findings.push(...checkCompose(readFileSync(`${root}compose.yaml`, 'utf8'), 'compose.yaml'))
  checked.push('compose.yaml')
  // promtool is Prometheus's, not a dependency: where it is missing the step is skipped, not failed.
  const promtool = promtoolVersion()
  if (promtool) {
    findings.push(...checkAlertRules(`${root}observability`, 'observability'))
    checked.push(`observability/baton-alerts.yaml (promtool ${promtool}: check rules, unit tests)`)
  } else skipped.push(PROMTOOL_MISSING)
  return { findings, checked, skipped }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { findings, checked, skipped } = await deployCheck()
  process.stdout.write(`deploy-check: ${checked.join('; ')} (overlays rendered with ${kustomizeRenderer().what})\n`)
  for (const s of skipped) process.stdout.write(`deploy-check: ${s}\n`)
  if (findings.length) {
    process.stderr.write(`${formatFindings(findings)}\n${findings.length} problem(s)\n`)
    process.exitCode = 1
  } else process.stdout.write('deploy-check: no problems\n')
}
