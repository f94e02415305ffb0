import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { compileWorkflow, isWorkflowSpec, ValidationError } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'

// The definition contract (docs/definitions.md): docs/schemas/workflow.schema.json is what the
// zod schema generates, every example definition in the repository (examples/, the e2e
// fixtures, the JSON and YAML examples of docs/definitions.md) is valid for that JSON Schema
// under a real draft 2020-12 validator AND compiles, and the files point editors at the schema.
// No servers needed.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCHEMA_FILE = join(ROOT, 'docs', 'schemas', 'workflow.schema.json')
/** Where example definitions live; test/e2e/fixtures-invalid is invalid on purpose. */
const EXAMPLE_DIRS = ['examples', 'test/e2e/fixtures', 'test/e2e/fixtures-triggers']
const MODELINE = /^# yaml-language-server: \$schema=(\S+)$/m

/** One definition found in the repository, with where it came from. */
interface Example {
  readonly where: string
  /** The definition as JSON data (what an editor and the JSON Schema see). */
  readonly json: unknown
  /** What `baton deploy` compiles (for a TS file, the `workflow()` result itself). */
  readonly definition: unknown
}

/** A draft 2020-12 validator of workflow.schema.json; `format: uri` as zod's z.url() checks it. */
function definitionValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  ajv.addFormat('uri', (text: string) => URL.canParse(text))
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object)
}
const validate = definitionValidator()

/** ajv's errors, one line each: `<instance path> <message>`. */
function schemaErrors(data: unknown): string[] {
  if (validate(data)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
}

function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir)
  try {
    statSync(abs)
  } catch {
    return []
  }
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
}

/** YAML text as data: one value per `---` document. */
function yamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) return []
  for (const d of docs) if (d.errors.length > 0) throw d.errors[0]
  return docs.map((d) => d.toJSON() as unknown).filter((v) => v !== null && v !== undefined)
}

/** Definitions in a JSON or YAML file, as `baton deploy` reads them: each document, or each element of one list. */
function parseDefinitionFile(file: string): unknown[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const docs = extname(file) === '.json' ? [JSON.parse(text) as unknown] : yamlDocuments(text)
  return docs.length === 1 && Array.isArray(docs[0]) ? (docs[0] as unknown[]) : docs
}

/** Every example definition: JSON/YAML files, TypeScript files that declare a `workflow({…})`, docs/definitions.md. */
async function repositoryExamples(): Promise<Example[]> {
  const out: Example[] = []
  for (const file of EXAMPLE_DIRS.flatMap(filesUnder).sort()) {
    const ext = extname(file)
    if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
      const docs = parseDefinitionFile(file)
      docs.forEach((raw, i) => out.push({ where: docs.length > 1 ? `${file}[${i}]` : file, json: raw, definition: raw }))
    } else if ((ext === '.ts' || ext === '.mts') && !file.includes('.test.') && /\bworkflow\(\{/.test(readFileSync(join(ROOT, file), 'utf8'))) {
      const mod = (await import(pathToFileURL(join(ROOT, file)).href)) as Record<string, unknown>
      for (const [name, value] of Object.entries(mod)) {
        if (isWorkflowSpec(value)) out.push({ where: `${file} (${name})`, json: JSON.parse(JSON.stringify(value)) as unknown, definition: value })
      }
    }
  }
  for (const e of documentedExamples()) out.push({ where: `docs/definitions.md (${e.lang} example ${e.index})`, json: e.body, definition: e.body })
  return out
}

/** The complete definitions of docs/definitions.md, each marked `<!-- example: workflow -->` just above its block. */
function documentedExamples(): { index: number; lang: 'json' | 'yaml'; body: Record<string, unknown> }[] {
  const doc = readFileSync(join(ROOT, 'docs', 'definitions.md'), 'utf8')
  return [...doc.matchAll(/<!-- example: workflow -->\s*```(json|yaml)\n([\s\S]*?)\n```/g)].map((m, index) => ({
    index: index + 1,
    lang: m[1] as 'json' | 'yaml',
    body: (m[1] === 'json' ? JSON.parse(m[2]!) : yamlDocuments(m[2]!)[0]) as Record<string, unknown>,
  }))
}

/** The reasons compileWorkflow gives, or [] when it compiles. */
function compileIssues(definition: unknown): string[] {
  try {
    compileWorkflow(definition)
    return []
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.reason}`)
    throw e
  }
}

after(assertNoLeaks)

test('docs/schemas/workflow.schema.json matches the zod definition schema', () => {
  const r = spawnSync(process.execPath, ['--conditions=baton-source', '--import', 'tsx', 'scripts/generate-definition-schema.ts', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 0, `the definition schema is stale: run node --conditions=baton-source --import tsx scripts/generate-definition-schema.ts\n${r.stderr}${r.stdout}`)
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
  for (const key of ['$id', 'title', 'description']) assert.equal(typeof schema[key], 'string', `workflow.schema.json has no ${key}`)
})

test('every example definition in the repository is valid for the JSON Schema and compiles', async () => {
  const examples = await repositoryExamples()
  const docs = examples.filter((e) => e.where.startsWith('docs/'))
  assert.ok(docs.some((e) => e.where.includes('json example')), 'docs/definitions.md has no JSON example marked <!-- example: workflow -->')
  assert.ok(docs.some((e) => e.where.includes('yaml example')), 'docs/definitions.md has no YAML example marked <!-- example: workflow -->')
  assert.ok(examples.some((e) => e.where.startsWith('examples/')), 'no definition found under examples/')
  assert.ok(examples.some((e) => e.where.startsWith('test/e2e/fixtures/')), 'no definition found under test/e2e/fixtures/')
  for (const e of examples) {
    assert.deepEqual(schemaErrors(e.json), [], `${e.where} is invalid for workflow.schema.json`)
    assert.deepEqual(compileIssues(e.definition), [], `${e.where} does not compile`)
  }
})

test('the JSON and YAML examples of one workflow in docs/definitions.md are the same definition', () => {
  const byName = new Map<string, Record<string, Record<string, unknown>>>()
  for (const { lang, body } of documentedExamples()) {
    const { $schema: _editorOnly, ...definition } = body
    const forms = byName.get(String(body.name)) ?? {}
    forms[lang] = definition
    byName.set(String(body.name), forms)
  }
  const pairs = [...byName.values()].filter((f) => f.json && f.yaml)
  assert.ok(pairs.length > 0, 'docs/definitions.md shows no workflow in both JSON and YAML')
  for (const f of pairs) assert.deepEqual(f.yaml, f.json, `the YAML and JSON forms of ${String(f.json!.name)} differ`)
})

test('definition files point editors at workflow.schema.json by a relative path that resolves', () => {
  const files = EXAMPLE_DIRS.flatMap(filesUnder).filter((f) => /\.(json|ya?ml)$/.test(f))
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8')
    const target = extname(file) === '.json' ? (JSON.parse(text) as { $schema?: unknown }).$schema : MODELINE.exec(text.split('\n')[0] ?? '')?.[1]
    assert.equal(typeof target, 'string', `${file} does not name the schema (${extname(file) === '.json' ? '"$schema"' : 'first line # yaml-language-server: $schema=…'})`)
    assert.equal(relative(ROOT, resolve(dirname(join(ROOT, file)), target as string)), relative(ROOT, SCHEMA_FILE), `${file} names ${String(target)}`)
  }
})

test('the JSON Schema rejects an unknown key and a wrong type, and leaves defaulted fields optional, as compileWorkflow does', () => {
  const minimal = { name: 'tiny', tasks: { only: {} } }
  assert.deepEqual(schemaErrors(minimal), [])
  assert.deepEqual(compileIssues(minimal), [])

  // compileWorkflow's wording is its own (with suggestions); what matters here is that both
  // reject the same definitions, at the same field.
  const cases: { what: string; definition: unknown; schemaSays: RegExp; compileSays: RegExp }[] = [
    { what: 'an unknown top-level key', definition: { ...minimal, retries: 3 }, schemaSays: /^\/ must NOT have additional properties .*"retries"/, compileSays: /^: .*retries/ },
    {
      what: 'an unknown task key (a typo of `after`)',
      definition: { name: 'tiny', tasks: { a: {}, b: { afer: ['a'] } } },
      schemaSays: /^\/tasks\/b must NOT have additional properties .*"afer"/,
      compileSays: /^tasks\.b: .*afer/,
    },
    {
      what: 'a string where a list of task ids belongs',
      definition: { name: 'tiny', tasks: { a: {}, b: { after: 'a' } } },
      schemaSays: /^\/tasks\/b\/after must be array/,
      compileSays: /^tasks\.b\.after: /,
    },
    {
      what: 'a string where an integer belongs',
      definition: { name: 'tiny', tasks: { a: { retry: { attempts: 'three' } } } },
      schemaSays: /^\/tasks\/a\/retry\/attempts must be integer/,
      compileSays: /^tasks\.a\.retry\.attempts: /,
    },
    { what: 'an unknown trigger rule', definition: { name: 'tiny', tasks: { a: { trigger: 'sometimes' } } }, schemaSays: /^\/tasks\/a\/trigger must be equal to one of the allowed values/, compileSays: /^tasks\.a\.trigger: / },
    { what: 'no task at all', definition: { name: 'tiny', tasks: {} }, schemaSays: /^\/tasks must NOT have fewer than 1 properties/, compileSays: /^tasks: / },
  ]
  for (const c of cases) {
    const errors = schemaErrors(c.definition)
    assert.ok(errors.some((e) => c.schemaSays.test(e)), `the JSON Schema should reject ${c.what}; ajv said ${JSON.stringify(errors)}`)
    const issues = compileIssues(c.definition)
    assert.ok(issues.some((i) => c.compileSays.test(i)), `compileWorkflow should reject ${c.what}; it said ${JSON.stringify(issues)}`)
  }
})
