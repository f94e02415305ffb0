import ts from 'typescript'
import { fileURLToPath } from 'node:url'
import { nameOf, type Finding, type K8sObject } from './findings.js'
import { modulePathOf } from './schemas.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const VIRTUAL = `${root}.deploy-check-objects.ts`

/**
 * Unknown fields: the JSON schemas accept them (Kubernetes' OpenAPI does not forbid them), so a
 * misspelt `readynessProbe` would pass schema validation and be dropped by the API server. The
 * same models ship TypeScript interfaces of every kind; each object becomes an object literal
 * typed with its kind's interface, and the TypeScript compiler's excess-property check names
 * field the interface does not have, with its path. The compiler stops at the first such field
 * of each object: a second typo in the same object shows once the first is fixed.
 */
export function checkKnownFields(objects: readonly { object: K8sObject; where: string }[]): Finding[] {
  const lines: string[] = []
  const lineOwner: { index: number; path: string }[] = []
  objects.forEach(({ object }, index) => {
    const module = `${modulePathOf(object.apiVersion)}/${object.kind}`
    lines.push(`import type { I${object.kind} as T${index} } from '${module}'`)
    lineOwner.push({ index, path: '' })
  })
  objects.forEach(({ object }, index) => {
    lines.push(`export const o${index}: T${index} = `)
    lineOwner.push({ index, path: '' })
    literal(object, '', 1, (text, path) => {
      lines.push(text)
      lineOwner.push({ index, path })
    })
  })
  const source = lines.join('\n')
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (file, language, ...rest) => (file === VIRTUAL ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, ...rest))
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (file) => file === VIRTUAL || fileExists(file)
  const program = ts.createProgram([VIRTUAL], options, host)
  const findings: Finding[] = []
  for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]) {
    if (d.file?.fileName !== VIRTUAL || d.start === undefined) continue
    const line = d.file.getLineAndCharacterOfPosition(d.start).line
    const owner = lineOwner[line]
    const entry = owner && objects[owner.index]
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/'I(?:IoK8s\w+?V\d\w*?|)([A-Z]\w*)'/g, "'$1'").replace(/'"([^"']+)"'/g, "'$1'")
    findings.push({ where: entry?.where ?? '?', object: entry ? nameOf(entry.object) : '?', rule: 'known-fields', message: owner?.path ? `${owner.path}: ${message}` : message })
  }
  return findings
}

/** Writes `value` as a TypeScript literal, one property per line, reporting each line's path. */
function literal(value: unknown, path: string, depth: number, emit: (text: string, path: string) => void, prefix = '', suffix = ''): void {
  const pad = '  '.repeat(depth)
  if (Array.isArray(value)) {
    emit(`${pad}${prefix}[`, path)
    value.forEach((v, i) => literal(v, `${path}[${i}]`, depth + 1, emit, '', ','))
    emit(`${pad}]${suffix}`, path)
  } else if (value !== null && typeof value === 'object') {
    emit(`${pad}${prefix}{`, path)
    for (const [k, v] of Object.entries(value)) literal(v, path ? `${path}.${k}` : k, depth + 1, emit, `${JSON.stringify(k)}: `, ',')
    emit(`${pad}}${suffix}`, path)
  } else emit(`${pad}${prefix}${JSON.stringify(value)}${suffix}`, path)
}
