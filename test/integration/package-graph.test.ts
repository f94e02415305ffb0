import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { assertNoLeaks } from '../support/leak-check.js'

// The package graph (docs/architecture.md, "Package boundaries") as eslint.config.js enforces
// it: each rule fires on a virtual file placed where the rule applies (ESLint's lintText with a
// filePath; nothing is written), and the repository as it is lints clean, so this suite and
// `make lint` agree. No servers needed.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Product-like files eslint.config.js runs no-cycle over; acyclic on disk. */
const CYCLE_FIXTURE = 'test/integration/fixtures/package-graph'

const eslint = new ESLint({ cwd: ROOT })

/** The rule ids `code` breaks as the file `file` (relative to the repository), sorted. */
async function ruleIds(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  assert.ok(result, `no lint result for ${file}`)
  // A message without a rule id is a parse error or "file ignored": never what a test expects.
  return result.messages.map((m) => m.ruleId ?? `(no rule) ${m.message}`).sort()
}

const importOf = (specifier: string) => `import { value } from '${specifier}'\nexport { value }\n`

after(assertNoLeaks)

test('services never import services: @baton/worker in the coordinator is an error, @baton/shared is clean', async () => {
  assert.deepEqual(await ruleIds(importOf('@baton/worker'), 'services/coordinator/src/x.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/coordinator'), 'services/worker/src/x.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/sdk'), 'services/worker/src/x.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/shared'), 'services/coordinator/src/x.ts'), [])
  assert.deepEqual(await ruleIds(importOf('@baton/shared'), 'services/worker/src/runners/x.ts'), [])
})

test('a type-only import of another service is an error too', async () => {
  const code = "import type { Coordinator } from '@baton/coordinator'\nexport type C = Coordinator\n"
  assert.deepEqual(await ruleIds(code, 'services/worker/src/x.ts'), ['no-restricted-imports'])
})

test('shared imports no @baton package, not even itself by name', async () => {
  assert.deepEqual(await ruleIds(importOf('@baton/worker'), 'shared/src/x.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/shared'), 'shared/src/catalog/x.ts'), ['no-restricted-imports'])
})

test('the SDK imports shared and worker, never the coordinator or the CLI', async () => {
  assert.deepEqual(await ruleIds(importOf('@baton/shared'), 'services/sdk/src/x.ts'), [])
  assert.deepEqual(await ruleIds(importOf('@baton/worker'), 'services/sdk/src/x.ts'), [])
  assert.deepEqual(await ruleIds(importOf('@baton/coordinator'), 'services/sdk/src/x.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/cli'), 'services/sdk/src/x.ts'), ['no-restricted-imports'])
})

test('the CLI imports the services only in actions/services.ts, its composition root', async () => {
  const code = "import { startWorker } from '@baton/worker'\nexport { startWorker }\n"
  assert.deepEqual(await ruleIds(code, 'services/cli/src/actions/runs.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(code, 'services/cli/src/commands/services.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(code, 'services/cli/src/actions/services.ts'), [])
  assert.deepEqual(await ruleIds(importOf('@baton/coordinator'), 'services/cli/src/actions/runs.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds(importOf('@baton/coordinator'), 'services/cli/src/actions/services.ts'), [])
  assert.deepEqual(await ruleIds(importOf('@baton/shared'), 'services/cli/src/format.ts'), [])
})

test('the CLI never imports the SDK, not even in its composition root', async () => {
  assert.deepEqual(await ruleIds(importOf('@baton/sdk'), 'services/cli/src/actions/services.ts'), ['no-restricted-imports'])
  assert.deepEqual(await ruleIds("export * from '@baton/sdk'\n", 'services/cli/src/index.ts'), ['no-restricted-imports'])
})

test('import() expressions and import() types follow the same graph', async () => {
  const lazy = "export const load = async () => (await import('@baton/coordinator')).startCoordinator\n"
  assert.deepEqual(await ruleIds(lazy, 'services/cli/src/actions/runs.ts'), ['no-restricted-syntax'])
  assert.deepEqual(await ruleIds(lazy, 'services/cli/src/actions/services.ts'), [])
  const typeOnly = "export type W = import('@baton/worker').TaskHandler\n"
  assert.deepEqual(await ruleIds(typeOnly, 'services/coordinator/src/x.ts'), ['no-restricted-syntax'])
  assert.deepEqual(await ruleIds(typeOnly, 'services/sdk/src/x.ts'), [])
  const deep = "export const load = () => import('@baton/shared/src/errors.js')\n"
  assert.deepEqual(await ruleIds(deep, 'services/worker/src/x.ts'), ['no-restricted-syntax'])
})

test('a deep import @baton/<pkg>/<path> is an error everywhere', async () => {
  const code = importOf('@baton/shared/src/errors.js')
  for (const file of [
    'services/coordinator/src/x.ts',
    'services/cli/src/actions/services.ts',
    'services/sdk/src/x.ts',
    'test/integration/x.test.ts',
    'examples/daily_revenue/x.ts',
    'scripts/x.ts',
    'scripts/x.mjs',
  ]) {
    assert.deepEqual(await ruleIds(code, file), ['no-restricted-imports'], file)
  }
})

test('a relative import that leaves its package is an error', async () => {
  // Names a package directory: reported by name, resolved or not (this one points at the
  // non-existent services/shared).
  assert.deepEqual(await ruleIds(importOf('../../shared/src/errors.js'), 'services/worker/src/x.ts'), ['no-restricted-imports'])
  // Resolves into shared: reported by name and by where it lands.
  assert.deepEqual(await ruleIds(importOf('../../../shared/src/errors.js'), 'services/worker/src/x.ts'), [
    'import-x/no-relative-packages',
    'no-restricted-imports',
  ])
  // Spelled so no pattern matches: where it lands still gives it away.
  assert.deepEqual(await ruleIds(importOf('./../../../shared/src/errors.js'), 'services/worker/src/x.ts'), [
    'import-x/no-relative-packages',
  ])
  // test/ belongs to the root package: reaching into a package's files from there is deep too.
  assert.deepEqual(await ruleIds(importOf('../../services/worker/src/worker-options.js'), 'test/integration/x.test.ts'), [
    'import-x/no-relative-packages',
    'no-restricted-imports',
  ])
  // Inside its own package a relative import is how modules meet.
  assert.deepEqual(await ruleIds(importOf('../worker-options.js'), 'services/worker/src/runners/x.ts'), [])
  assert.deepEqual(await ruleIds(importOf('../support/namespace.js'), 'test/integration/x.test.ts'), [])
})

test('tests, examples and scripts may import every package by its name', async () => {
  const code = ['@baton/shared', '@baton/coordinator', '@baton/worker', '@baton/sdk', '@baton/cli']
    .map((name, i) => `import * as p${i} from '${name}'\nexport { p${i} }\n`)
    .join('')
  for (const file of ['test/integration/x.test.ts', 'examples/daily_revenue/x.ts', 'scripts/x.ts']) {
    assert.deepEqual(await ruleIds(code, file), [], file)
  }
})

test('a @baton package that does not resolve is reported (the path-based rules would skip it)', async () => {
  assert.deepEqual(await ruleIds(importOf('@baton/scheduler'), 'test/integration/x.test.ts'), ['import-x/no-unresolved'])
})

test('a two-file import cycle in product code is reported by no-cycle', async () => {
  // On disk cycle-importer.ts imports cycle-leaf.ts; this version of cycle-leaf.ts imports it back.
  const leaf = `${CYCLE_FIXTURE}/cycle-leaf.ts`
  const closing = "import { importer } from './cycle-importer.js'\nexport const leaf = importer\n"
  assert.deepEqual(await ruleIds(closing, leaf), ['import-x/no-cycle'])
  // import() is a cycle too: it evaluates the module graph just the same, only later.
  const lazy = "export const load = () => import('./cycle-importer.js')\nexport const leaf = 'leaf'\n"
  assert.deepEqual(await ruleIds(lazy, leaf), ['import-x/no-cycle'])
  // A type-only import is erased at run time: no cycle.
  const typeOnly = "import type { importer } from './cycle-importer.js'\nexport const leaf: typeof importer = 'leaf'\n"
  assert.deepEqual(await ruleIds(typeOnly, leaf), [])
})

test('the repository as it is has no package-graph problems (what `make lint` checks)', async () => {
  const results = await eslint.lintFiles(['.'])
  const problems = results.flatMap((r) =>
    r.messages.map((m) => `${relative(ROOT, r.filePath)}:${m.line}:${m.column} ${m.ruleId ?? '(no rule)'} ${m.message}`),
  )
  assert.deepEqual(problems, [])
  // It did look at the product code, the composition root and the cycle fixture.
  const linted = new Set(results.map((r) => relative(ROOT, r.filePath)))
  for (const file of [
    'shared/src/index.ts',
    'services/coordinator/src/index.ts',
    'services/cli/src/actions/services.ts',
    'services/sdk/src/index.ts',
    `${CYCLE_FIXTURE}/cycle-importer.ts`,
    'eslint.config.js',
  ]) {
    assert.ok(linted.has(file), `${file} was not linted`)
  }
})
