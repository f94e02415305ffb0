/**
 * Generates the JSON Schema of workflow definitions, `docs/schemas/workflow.schema.json`, from
 * the one zod schema behind every definition (`WorkflowDefinitionSchema` in @baton/shared), for
 * editors: YAML files point at it with `# yaml-language-server: $schema=<path>`, JSON files with
 * `"$schema": "<path>"` (docs/definitions.md).
 *
 *   node --conditions=baton-source --import tsx scripts/generate-definition-schema.ts           write the file
 *   node --conditions=baton-source --import tsx scripts/generate-definition-schema.ts --check   exit 1 if it differs
 *
 * The schema describes what a user may WRITE (zod's `input` side): a field with a default is
 * optional. Unlike the wire messages (scripts/generate-protocol-schemas.ts), definitions are
 * strict: an unknown key is an error, so objects say `additionalProperties: false`.
 *
 * What JSON Schema cannot say is left to `compileWorkflow`, which `baton deploy` runs: the DAG
 * (unknown or repeated upstream ids, cycles), `run` together with `handler`, durations, cron
 * expressions, time zones and `expectBy`/`finishBy` texts. The one refinement it can say, "at
 * least one task", is added here as `minProperties: 1`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { WorkflowDefinitionSchema } from '@baton/shared'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The generated file, relative to the repository root. */
const OUT_FILE = join('docs', 'schemas', 'workflow.schema.json')
const USAGE = 'usage: node --conditions=baton-source --import tsx scripts/generate-definition-schema.ts [--check]'

const DESCRIPTION =
  'A Baton workflow definition, as written in JSON or YAML (the TypeScript DSL produces the same shape). Validated by `baton deploy`, which also checks what this schema cannot: the task graph, durations, cron expressions and time zones. Reference: docs/definitions.md.'

/** The file's contents. */
function render(): string {
  const tasks = WorkflowDefinitionSchema.shape.tasks
  const generated = z.toJSONSchema(WorkflowDefinitionSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      // The zod refinement "a workflow needs at least one task", in JSON Schema terms.
      if (ctx.zodSchema === tasks) ctx.jsonSchema.minProperties = 1
    },
  }) as Record<string, unknown>
  const { $schema, ...body } = generated
  const doc = { $schema, $id: 'urn:baton:definition:workflow', title: 'Baton workflow definition', description: DESCRIPTION, ...body }
  return `${JSON.stringify(doc, null, 2)}\n`
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function main(args: readonly string[]): number {
  const unknown = args.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(' ')}\n${USAGE}\n`)
    return 2
  }
  const content = render()
  const path = join(ROOT, OUT_FILE)
  const current = readOrUndefined(path)
  if (args.includes('--check')) {
    if (current === content) {
      process.stdout.write(`${OUT_FILE} is up to date\n`)
      return 0
    }
    process.stderr.write(
      `${OUT_FILE} is ${current === undefined ? 'missing' : 'stale'}: run node --conditions=baton-source --import tsx scripts/generate-definition-schema.ts\n`,
    )
    return 1
  }
  if (current !== content) writeFileSync(path, content)
  process.stdout.write(`wrote ${relative(ROOT, path)}\n`)
  return 0
}

process.exitCode = main(process.argv.slice(2))
