/**
 * Generates the JSON Schema of every wire message (docs/protocol.md) from the zod schemas in
 * @baton/shared, one file per message: `docs/schemas/<name>.schema.json`.
 *
 *   node --import tsx scripts/generate-protocol-schemas.ts           write the files
 *   node --import tsx scripts/generate-protocol-schemas.ts --check   exit 1 if any file differs
 *
 * The schemas describe what a publisher may SEND (zod's `input` side): fields with a default
 * are optional, and objects do not forbid extra properties, because the consumer ignores
 * unknown fields (brief §2). zod's default `output` side would say `additionalProperties: false`
 * and make defaulted fields required, which is the opposite of the contract.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import {
  AbortNoticeSchema,
  BackfillCancelRequestedSchema,
  BackfillRequestedSchema,
  ReadinessMissedSchema,
  RunActionRequestedSchema,
  RunCancelRequestedSchema,
  WorkflowPauseRequestedSchema,
  RunRequestedSchema,
  SourceLandedSchema,
  TaskCommandSchema,
  TaskEventSchema,
  TaskLogBatchSchema,
} from '@baton/shared'

/** One wire message: its file name, title, what the schema says about it, and its zod schema. */
interface ProtocolMessage {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly schema: z.ZodType
}

/** Every message of the public protocol, in the order docs/protocol.md presents them. */
const MESSAGES: readonly ProtocolMessage[] = [
  {
    name: 'source-landed',
    title: 'SourceLanded',
    description: 'Subject <ns>.events.source.<source> (stream <NS>_EVENTS), published by any system: a source (table, file, bucket prefix) has landed.',
    schema: SourceLandedSchema,
  },
  {
    name: 'run-requested',
    title: 'RunRequested',
    description: 'Subject <ns>.events.run.requested (stream <NS>_EVENTS), published by the CLI, the API or any system: start a run of a workflow, once per (workflow, idempotencyKey).',
    schema: RunRequestedSchema,
  },
  {
    name: 'run-cancel-requested',
    title: 'RunCancelRequested',
    description: 'Subject <ns>.events.run.cancel_requested (stream <NS>_EVENTS): cancel a run; its running tasks are told to abort.',
    schema: RunCancelRequestedSchema,
  },
  {
    name: 'run-action-requested',
    title: 'RunActionRequested',
    description:
      'Subject <ns>.events.run.action_requested (stream <NS>_EVENTS), published by the API and the CLI: an operator action on one run (retry from failure, clear, mark, approve, reject), applied by a coordinator like any other event. `id` is recorded in the run history with what it did or why it was ignored.',
    schema: RunActionRequestedSchema,
  },
  {
    name: 'workflow-pause-requested',
    title: 'WorkflowPauseRequested',
    description: 'Subject <ns>.events.workflow.pause_requested (stream <NS>_EVENTS), published by the API and the CLI: pause a workflow (its cron ticks and complete partitions are held) or unpause it (the catch-up policy decides what runs).',
    schema: WorkflowPauseRequestedSchema,
  },
  {
    name: 'backfill-requested',
    title: 'BackfillRequested',
    description:
      'Subject <ns>.events.backfill.requested (stream <NS>_EVENTS), published by the CLI or any system: run a workflow once per partition from `from` to `to` (inclusive), at most `concurrency` at once. `id` is the backfill id: the same request twice is one backfill.',
    schema: BackfillRequestedSchema,
  },
  {
    name: 'backfill-cancel-requested',
    title: 'BackfillCancelRequested',
    description: 'Subject <ns>.events.backfill.cancel_requested (stream <NS>_EVENTS): cancel every queued or running run of a backfill; a finished backfill stays as it ended.',
    schema: BackfillCancelRequestedSchema,
  },
  {
    name: 'task-command',
    title: 'TaskCommand',
    description: 'Subject <ns>.commands.<queue> (stream <NS>_COMMANDS, work-queue retention), published by the coordinator only: run one attempt of one task.',
    schema: TaskCommandSchema,
  },
  {
    name: 'task-event',
    title: 'TaskEvent',
    description:
      'Subject <ns>.events.task.<runId> (stream <NS>_EVENTS), published by workers: progress of one attempt. The subject runId must equal the body runId, and `error` is required when `type` is `failed` (both checked by the coordinator).',
    schema: TaskEventSchema,
  },
  {
    name: 'abort-notice',
    title: 'AbortNotice',
    description:
      'Subject <ns>.control.abort (core NATS, not stored; best effort), published by the coordinator: a running attempt no longer counts and should stop. Every field a notice sets must match an attempt for it to apply.',
    schema: AbortNoticeSchema,
  },
  {
    name: 'readiness-missed',
    title: 'ReadinessMissed',
    description:
      'Subject <ns>.alerts.readiness_missed (stream <NS>_ALERTS, kept 30 days), published by the coordinator: the sources of a partition had not all landed by its `when.expectBy` deadline. Published once per workflow and partition (Nats-Msg-Id readiness_missed.<workflow>.<partition>).',
    schema: ReadinessMissedSchema,
  },
  {
    name: 'task-log-batch',
    title: 'TaskLogBatch',
    description:
      'Subject <ns>.logs.<runId>.<taskId>.<attempt> (stream <NS>_LOGS, kept 7 days), published by workers: the next records of one attempt\'s task log (ctx.log lines, a shell task\'s stdout and stderr), in order. Nats-Msg-Id is `id` (<runId>.<taskId>.<attempt>.<seq>). Records keep any extra fields.',
    schema: TaskLogBatchSchema,
  },
]

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT_DIR = join(ROOT, 'docs', 'schemas')
const SUFFIX = '.schema.json'
/** Files in OUT_DIR that another generator owns: scripts/generate-definition-schema.ts writes workflow.schema.json. */
const NOT_OURS = new Set(['workflow.schema.json'])

/** The file contents the generator produces, by file name. */
function render(): Map<string, string> {
  const files = new Map<string, string>()
  for (const m of MESSAGES) {
    const { $schema, ...body } = z.toJSONSchema(m.schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>
    const doc = { $schema, $id: `urn:baton:protocol:${m.name}`, title: m.title, description: m.description, ...body }
    files.set(`${m.name}${SUFFIX}`, `${JSON.stringify(doc, null, 2)}\n`)
  }
  return files
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Generated-looking files in the output directory (`*.schema.json`). */
function existingSchemaFiles(): string[] {
  try {
    return readdirSync(OUT_DIR).filter((f) => f.endsWith(SUFFIX) && !NOT_OURS.has(f))
  } catch {
    return []
  }
}

/** Lists what differs from what `render` produces: missing, changed, or no longer generated. */
function drift(files: Map<string, string>): string[] {
  const problems: string[] = []
  for (const [file, content] of files) {
    const current = readOrUndefined(join(OUT_DIR, file))
    const shown = relative(ROOT, join(OUT_DIR, file))
    if (current === undefined) problems.push(`${shown} (missing)`)
    else if (current !== content) problems.push(`${shown} (differs)`)
  }
  for (const file of existingSchemaFiles()) {
    if (!files.has(file)) problems.push(`${relative(ROOT, join(OUT_DIR, file))} (not generated any more)`)
  }
  return problems
}

function main(args: readonly string[]): number {
  const unknown = args.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(' ')}\nusage: node --import tsx scripts/generate-protocol-schemas.ts [--check]\n`)
    return 2
  }
  const files = render()
  if (args.includes('--check')) {
    const problems = drift(files)
    if (problems.length === 0) {
      process.stdout.write(`docs/schemas is up to date (${files.size} schemas)\n`)
      return 0
    }
    process.stderr.write(
      `docs/schemas is stale: run node --import tsx scripts/generate-protocol-schemas.ts\n${problems.map((p) => `  ${p}\n`).join('')}`,
    )
    return 1
  }
  mkdirSync(OUT_DIR, { recursive: true })
  for (const [file, content] of files) {
    if (readOrUndefined(join(OUT_DIR, file)) !== content) writeFileSync(join(OUT_DIR, file), content)
  }
  for (const file of existingSchemaFiles()) if (!files.has(file)) rmSync(join(OUT_DIR, file))
  process.stdout.write(`wrote ${files.size} schemas to ${relative(ROOT, OUT_DIR)}/\n`)
  return 0
}

process.exitCode = main(process.argv.slice(2))
