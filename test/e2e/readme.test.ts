import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { exitWithOutput, runBaton, spawnTracked } from '../support/processes.js'

// The README as a newcomer reads it: every shell block of its quick start runs, in order, as one
// bash script (from the repository root, in this file's namespace), and succeeds; its command
// table lists exactly the commands `baton --help` lists.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const README = readFileSync(`${ROOT}README.md`, 'utf8')

/** The text of a `## title` section, up to the next `## ` heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`)
  assert.ok(start >= 0, `README has a "## ${title}" section`)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end < 0 ? undefined : end)
}

/** The ```sh blocks of a section, in order. */
function shellBlocks(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

let ns: TestNamespace
let pgid: number | undefined

before(async () => {
  ns = await createTestNamespace('readme')
})

after(async () => {
  // The quick start stops its own `baton dev`; a failed run may have left it: stop the group.
  if (pgid) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  await ns.close()
  await assertNoLeaks()
})

test('every shell block of the README quick start runs as written and does what the text says', { timeout: 240_000 }, async () => {
  const blocks = shellBlocks(section('Quick start'))
  assert.ok(blocks.length >= 4, `quick start shell blocks: ${blocks.length}`)
  const script = blocks.join('\n')
  const child = spawnTracked('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env: { ...ns.env, BATON_LOG_LEVEL: 'warn' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'], label: 'the README quick start (bash)' })
  pgid = child.pid
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const code = await exitWithOutput(child)
  assert.equal(code, 0, `the quick start failed:\n${output}`)
  assert.match(output, /^valid orders_daily \(4 tasks, queues: default\)$/m)
  assert.match(output, /^deployed orders_daily \(version [0-9a-f]{12}, 4 tasks, queues: default\)$/m)
  assert.match(output, /^status {5}succeeded$/m, 'the first run succeeded')
  assert.match(output, /params {5}\{"date":"2026-06-01","min_rows":100\}/, 'the default param was filled in')
  assert.match(output, /^status {5}failed$/m, 'the second run failed')
  assert.match(output, /check check_rows failed: 1250 rows, fewer than 5000/)
  assert.match(output, /orders_daily\s+failed .*check_rows failed/, 'baton status says what is missing')
  assert.match(output, /error: --param dat=2026-06-01: unknown param 'dat' \(did you mean 'date'\?\)/)
})

test("the README's command table lists exactly the commands of `baton --help`", async () => {
  const help = await runBaton(['--help'], ns.env)
  assert.equal(help.code, 0, help.stderr)
  const fromHelp = [...help.stdout.slice(help.stdout.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help')
  const fromReadme = [...section('Commands').matchAll(/^\| `baton ([a-z-]+)/gm)].map((m) => m[1]!)
  assert.deepEqual([...fromReadme].sort(), [...fromHelp].sort())
})

test('every `baton <command>` the README shows is a real command', async () => {
  const help = await runBaton(['--help'], ns.env)
  const commands = new Set([...help.stdout.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!))
  const used = new Set([...README.matchAll(/\bbaton ([a-z][a-z-]+)/g)].map((m) => m[1]!).filter((c) => !['in', 'is', 'command', 'installs'].includes(c)))
  for (const c of used) assert.ok(commands.has(c), `README uses \`baton ${c}\`, which \`baton --help\` does not list`)
})
