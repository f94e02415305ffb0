import { readFile, readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { ValidationError } from '../errors.js'
import { compileWorkflow, type CompiledWorkflow } from './compile.js'
import { isWorkflowSpec } from './dsl.js'

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.json', '.yaml', '.yml'])

async function expand(path: string): Promise<string[]> {
  const abs = resolve(path)
  let s
  try {
    s = await stat(abs)
  } catch {
    throw new ValidationError([{ path, reason: 'no such file or directory' }], { code: 'DEFINITION_NOT_FOUND' })
  }
  if (!s.isDirectory()) return [abs]
  const entries = (await readdir(abs)).sort()
  const files: string[] = []
  for (const e of entries) {
    const p = join(abs, e)
    if ((await stat(p)).isDirectory()) files.push(...(await expand(p)))
    else if (EXTENSIONS.has(extname(e)) && !e.endsWith('.d.ts') && !e.includes('.test.')) files.push(p)
  }
  return files
}

async function rawDefinitions(file: string): Promise<unknown[]> {
  const ext = extname(file)
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    const text = await readFile(file, 'utf8')
    try {
      const doc: unknown = ext === '.json' ? JSON.parse(text) : parseYaml(text)
      return Array.isArray(doc) ? doc : [doc]
    } catch (e) {
      throw new ValidationError([{ path: file, reason: `cannot parse ${ext.slice(1).toUpperCase()}: ${(e as Error).message.split('\n')[0]!.replace(/:$/, '')}` }], { code: 'DEFINITION_INVALID' })
    }
  }
  // TypeScript files load through tsx's loader, which the baton CLI registers.
  let mod: Record<string, unknown>
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (e) {
    const first = String((e as Error)?.message ?? e).split('\n').find((l) => l.trim() && !/^Transform failed/.test(l)) ?? 'failed to load'
    // tsx compiles .ts outside an ESM package to CommonJS, which then fails with this message.
    const hint = /require\(\) ES Module .* in a cycle/.test(first) ? 'the file is not in a package with "type": "module" (add one, or name it .mts)' : first
    throw new ValidationError([{ path: file, reason: `cannot load: ${hint.replace(/^\S+:\d+:\d+: /, '').trim()}` }], { code: 'DEFINITION_INVALID', cause: e })
  }
  return Object.values(mod).filter(isWorkflowSpec)
}

/**
 * Loads and compiles every workflow in the given files or folders (TS, JS, JSON, YAML).
 * Errors name the file, then the field and the reason.
 */
export async function loadWorkflows(paths: readonly string[]): Promise<CompiledWorkflow[]> {
  const out: CompiledWorkflow[] = []
  for (const p of paths) {
    for (const file of await expand(p)) {
      for (const raw of await rawDefinitions(file)) {
        try {
          out.push(compileWorkflow(raw))
        } catch (e) {
          if (e instanceof ValidationError) {
            throw new ValidationError(e.issues.map((i) => ({ path: `${file}: ${i.path}`, reason: i.reason })), { code: e.code })
          }
          throw e
        }
      }
    }
  }
  return out
}
