import { DockerfileParser, type Instruction } from 'dockerfile-ast'
import { validate, ValidationSeverity } from 'dockerfile-utils'
import type { Finding } from './findings.js'

/** A build stage: its name, what it starts FROM (an image or another stage) and its instructions. */
interface Stage {
  readonly name: string
  readonly from: string
  readonly instructions: Instruction[]
}

/**
 * Lints a Dockerfile: the syntax and instruction checks of dockerfile-utils (the validator of the
 * Docker language server), every problem an error; then, for each target that is a process
 * image, Baton's rules: a non-root numeric USER, tini as the ENTRYPOINT's PID 1, a HEALTHCHECK,
 * and a base image pinned to a tag that is not `latest`.
 */
export function lintDockerfile(content: string, where: string, targets: readonly string[]): Finding[] {
  const findings: Finding[] = []
  const all = { deprecatedMaintainer: ValidationSeverity.ERROR, directiveCasing: ValidationSeverity.ERROR, emptyContinuationLine: ValidationSeverity.ERROR, instructionCasing: ValidationSeverity.ERROR, instructionCmdMultiple: ValidationSeverity.ERROR, instructionEntrypointMultiple: ValidationSeverity.ERROR, instructionHealthcheckMultiple: ValidationSeverity.ERROR, instructionJSONInSingleQuotes: ValidationSeverity.ERROR, instructionWorkdirRelative: ValidationSeverity.ERROR }
  for (const d of validate(content, all)) findings.push({ where, object: `line ${d.range.start.line + 1}`, rule: 'dockerfile', message: typeof d.message === 'string' ? d.message : d.message.value })
  const dockerfile = DockerfileParser.parse(content)
  const args = new Map(dockerfile.getInitialARGs().map((a) => [a.getProperty()?.getName() ?? '', a.getProperty()?.getValue() ?? '']))
  const stages = stagesOf(dockerfile.getInstructions())
  for (const target of targets) {
    const add = (rule: string, message: string) => findings.push({ where, object: `stage ${target}`, rule, message })
    const chain = chainOf(stages, target)
    if (chain.length === 0) {
      add('dockerfile', 'no such stage')
      continue
    }
    const instructions = chain.flatMap((s) => s.instructions)
    const last = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword).at(-1)
    const user = last('USER')?.getArgumentsContent()?.split(':')[0]
    if (!user || user === 'root' || user === '0') add('non-root', `USER is ${user ?? 'not set'}: run as a numeric non-root uid`)
    else if (!/^\d+$/.test(user)) add('non-root', `USER '${user}' is a name: use the numeric uid so Kubernetes can verify runAsNonRoot`)
    const entrypoint = last('ENTRYPOINT')?.getArgumentsContent() ?? ''
    if (!/tini/.test(entrypoint)) add('init', 'ENTRYPOINT does not start tini: signals would not reach node, orphans would not be reaped')
    if (!last('HEALTHCHECK')) add('healthcheck', 'no HEALTHCHECK (compose waits on it)')
    const base = resolve(chain[chain.length - 1]!.from, args)
    const tag = base.includes('@') ? 'digest' : base.split('/').pop()!.split(':')[1]
    if (!tag || tag === 'latest') add('image', `base image '${base}' must be pinned to a tag other than latest`)
  }
  return findings
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = []
  for (const i of instructions) {
    if (i.getKeyword() === 'FROM') {
      const parts = (i.getArgumentsContent() ?? '').split(/\s+/)
      const as = parts.findIndex((p) => p.toUpperCase() === 'AS')
      stages.push({ name: as >= 0 ? parts[as + 1]! : String(stages.length), from: parts.find((p) => !p.startsWith('--'))!, instructions: [] })
    } else stages.at(-1)?.instructions.push(i)
  }
  return stages
}

/** The stage and the stages it builds on, nearest first. */
function chainOf(stages: readonly Stage[], name: string): Stage[] {
  const chain: Stage[] = []
  let current = stages.find((s) => s.name === name)
  while (current && !chain.includes(current)) {
    chain.push(current)
    const from = current.from
    current = stages.find((s) => s.name === from)
  }
  return chain
}

function resolve(image: string, args: ReadonlyMap<string, string>): string {
  return image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => args.get(name) ?? '')
}
