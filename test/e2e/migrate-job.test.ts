import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { dropNamespaceSchema, loadConfig, MIGRATION_NAMES } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { runBaton } from '../support/processes.js'

// `baton migrate` is what the Kubernetes migration Job runs before new code rolls out
// (deploy/k8s/base/migrate): a Job can run twice (a retry, two overlays applied at once), so two
// at once must apply every migration exactly once and both succeed.

const base = loadConfig(process.env)
const namespace = `t_migrate_job_${randomBytes(4).toString('hex')}`
const env = { ...(process.env as Record<string, string>), BATON_NAMESPACE: namespace, BATON_LOG_LEVEL: 'warn' }

after(async () => {
  await dropNamespaceSchema(base.databaseUrl, namespace)
  await assertNoLeaks()
})

test('two migration jobs at once on a new namespace: both exit 0, every migration applied exactly once', async () => {
  const [a, b] = await Promise.all([runBaton(['migrate', '--json'], env), runBaton(['migrate', '--json'], env)])
  assert.equal(a.code, 0, a.stderr)
  assert.equal(b.code, 0, b.stderr)
  const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)]
  assert.deepEqual([...ra.appliedNow, ...rb.appliedNow].sort(), [...MIGRATION_NAMES].sort(), 'each migration applied by exactly one of the two')
  for (const r of [ra, rb]) assert.deepEqual({ applied: r.applied, pending: r.pending, unknown: r.unknown }, { applied: [...MIGRATION_NAMES], pending: [], unknown: [] })
})

test('run again: nothing to apply; --status reads the same and exits 0', async () => {
  const again = await runBaton(['migrate'], env)
  assert.equal(again.code, 0, again.stderr)
  assert.equal(again.stdout, `'${namespace}': nothing to apply\n${MIGRATION_NAMES.length} applied, 0 pending\n`)
  const status = await runBaton(['migrate', '--status'], env)
  assert.equal(status.code, 0, status.stderr)
  assert.equal(status.stdout, again.stdout)
})

test('--status on a namespace that was never migrated creates nothing and says so in one line, exit 2', async () => {
  const other = `t_migrate_none_${randomBytes(4).toString('hex')}`
  const r = await runBaton(['migrate', '--status'], { ...env, BATON_NAMESPACE: other })
  assert.equal(r.code, 2)
  assert.match(r.stderr, new RegExp(`^error: namespace '${other}' has no Baton schema`), r.stderr)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  const schema = await runBaton(['migrate', '--status'], { ...env, BATON_NAMESPACE: other })
  assert.equal(schema.code, 2, 'still nothing there: the first --status created no schema')
})
