import { readFile, readdir, stat } from 'node:fs/promises'
import { extname, join, relative, resolve, isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { checkWorkflow, type CompiledWorkflow } from './compile.js'
import { isWorkflowSpec } from './dsl.js'

const EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.json', '.yaml', '.yml'])
/** Extensions Node cannot import without a TypeScript loader. */
export const TYPESCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['.ts', '.mts', '.cts'])

/** Imports a module file; the CLI passes one that registers a TypeScript loader first. */
export type ModuleImporter = (file: string) => Promise<Record<string, unknown>>

/** Options of `loadDefinitionFiles`. */
export interface LoadOptions {
  /** How TS/JS files are imported (default: a plain dynamic `import()`). */
  readonly importModule?: ModuleImporter
  /** Paths in messages are shown relative to this directory (default: the working directory). */
  readonly cwd?: string
}

/** What was found in a set of definition files: every valid workflow and every problem. */
export interface LoadedDefinitions {
  readonly workflows: readonly CompiledWorkflow[]
  /** Each issue's path starts with the file (`workflows/a.yaml: tasks.x.run: …`). */
  readonly issues: readonly ValidationIssue[]
  /** Files read, relative to `cwd`. */
  readonly files: readonly string[]
}

const defaultImport: ModuleImporter = async (file) => (await import(pathToFileURL(file).href)) as Record<string, unknown>

async function expand(path: string, cwd: string, issues: ValidationIssue[]): Promise<string[]> {
  const abs = isAbsolute(path) ? path : resolve(cwd, path)
  let s
  try {
    s = await stat(abs)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    issues.push({ path, reason: code === 'EACCES' ? 'permission denied' : 'no such file or directory' })
    return []
  }
  if (!s.isDirectory()) return [abs]
  let entries: string[]
  try {
    entries = (await readdir(abs)).sort()
  } catch (e) {
    issues.push({ path, reason: `cannot read the folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` })
    return []
  }
  const files: string[] = []
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue
    const p = join(abs, e)
    const st = await stat(p).catch(() => undefined)
    if (st?.isDirectory()) files.push(...(await expand(p, cwd, issues)))
    else if (EXTENSIONS.has(extname(e)) && !/\.d\.[cm]?ts$/.test(e) && !e.includes('.test.')) files.push(p)
  }
  return files
}

/** JSON.parse, whose error names the line and column instead of a character position. */
function parseJsonWithLine(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    const message = (e as Error).message
    const at = /at position (\d+)/.exec(message)
    if (!at) throw e
    const before = text.slice(0, Number(at[1]))
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n')
    throw new SyntaxError(`${message.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '')} at line ${line}, column ${column}`)
  }
}

/** The raw definitions of one file; a file that cannot be read or parsed yields one issue. */
async function rawDefinitions(file: string, shown: string, importModule: ModuleImporter): Promise<{ docs: unknown[]; issue?: ValidationIssue }> {
  const ext = extname(file)
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      return { docs: [], issue: { path: shown, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } }
    }
    try {
      if (ext === '.json') {
        const doc: unknown = parseJsonWithLine(text)
        return { docs: Array.isArray(doc) ? doc : [doc] }
      }
      // A YAML file may hold several definitions, as `---` documents or as a list.
      const docs = parseAllDocuments(text)
      if (!Array.isArray(docs)) return { docs: [] }
      const bad = docs.flatMap((d) => d.errors)[0]
      if (bad) throw bad
      const values = docs.map((d) => d.toJSON() as unknown).filter((v) => v !== null && v !== undefined)
      return { docs: values.length === 1 && Array.isArray(values[0]) ? values[0] : values }
    } catch (e) {
      return { docs: [], issue: { path: shown, reason: `cannot parse ${ext.slice(1).toUpperCase()}: ${(e as Error).message.split('\n')[0]!.replace(/:$/, '')}` } }
    }
  }
  try {
    return { docs: Object.values(await importModule(file)).filter(isWorkflowSpec) }
  } catch (e) {
    const first = String((e as Error)?.message ?? e).split('\n').find((l) => l.trim() && !/^Transform failed/.test(l)) ?? 'failed to load'
    return { docs: [], issue: { path: shown, reason: `cannot load: ${first.replace(/^\S+:\d+:\d+: /, '').trim()}` } }
  }
}

/**
 * Loads every workflow in the given files or folders (TS, JS, JSON, YAML; folders recursively,
 * skipping node_modules, dot folders, `.d.ts` and `.test.` files) and checks each one. Nothing
 * is thrown for a bad definition: every problem of every file is listed, so a user fixes them in
 * one pass. Two definitions with the same name are a problem too.
 */
export async function loadDefinitionFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedDefinitions> {
  const cwd = options.cwd ?? process.cwd()
  const importModule = options.importModule ?? defaultImport
  const issues: ValidationIssue[] = []
  const workflows: CompiledWorkflow[] = []
  const files: string[] = []
  const seen = new Map<string, string>()
  for (const p of paths) {
    for (const file of await expand(p, cwd, issues)) {
      // Relative to where the user is, unless that climbs out of it: then the absolute path.
      const rel = relative(cwd, file)
      const shown = rel && !rel.startsWith('..') ? rel : file
      if (files.includes(shown)) continue
      files.push(shown)
      const { docs, issue } = await rawDefinitions(file, shown, importModule)
      if (issue) issues.push(issue)
      docs.forEach((doc, i) => {
        const where = docs.length > 1 ? `${shown}[${i}]` : shown
        const check = checkWorkflow(doc)
        issues.push(...check.issues.map((x) => ({ path: x.path ? `${where}: ${x.path}` : where, reason: x.reason })))
        if (!check.workflow) return
        const first = seen.get(check.workflow.name)
        if (first) issues.push({ path: `${where}: name`, reason: `workflow '${check.workflow.name}' is also defined in ${first}` })
        else {
          seen.set(check.workflow.name, where)
          workflows.push(check.workflow)
        }
      })
    }
  }
  return { workflows, issues, files }
}

/**
 * Loads and compiles every workflow in the given files or folders; throws one ValidationError
 * listing every problem (`DEFINITION_INVALID`, or `DEFINITION_NOT_FOUND` when a path is missing).
 */
export async function loadWorkflows(paths: readonly string[], options: LoadOptions = {}): Promise<CompiledWorkflow[]> {
  const loaded = await loadDefinitionFiles(paths, options)
  if (loaded.issues.length > 0) {
    const missing = loaded.issues.every((i) => i.reason === 'no such file or directory')
    throw new ValidationError(loaded.issues, { code: missing ? 'DEFINITION_NOT_FOUND' : 'DEFINITION_INVALID' })
  }
  return [...loaded.workflows]
}
